"""Page latency under load (DESIGN §7): p95 of the main pages with 20 concurrent users vs a minimal Django view.

    DATABASE_URL=postgres://… .venv/bin/python bench/bench_pages.py [--quick] --out results-pages.json

gunicorn (`haidian_governance.wsgi`, 2 workers, the repository's gunicorn.conf.py, DEBUG off, Redis db 11 as
cache and broker) serves the populated database on 127.0.0.1:8771; locust (headless, 20 users spawned at once,
`bench/locustfile_pages.py`) logs every user in through the login form — half a district viewer, half a school
secretary — and browses the dashboard, the school list, a school, the decision list and the meeting list. The
baseline is the same locust run (same users, logins, think time) against `/bench/minimal/`, a view that returns a
constant string through the same gunicorn, settings and middleware (only present when BENCH_MINIMAL_VIEW=true).
p95 is taken over the page requests made after every user has logged in. Runs alternate baseline / pages, three
rounds of 30 s (quick: one of 10 s); each side's result is the median of its per-run p95s.
Target: p95(pages) ≤ 3 × p95(minimal view).

The other scripts reuse `django_setup`, `bench_users` and `Gunicorn` from here.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
SECRET_KEY = os.environ.get("SECRET_KEY") or "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
PASSWORD = "bench-Haidian-2026!"  # noqa: S105  (bench accounts on a bench database only)
PORT = 8771
USERS = 20
SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "haidian_governance.settings",
    "DJANGO_DEBUG": "false",
    "SECRET_KEY": SECRET_KEY,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "DJANGO_SECURE_COOKIES": "false",  # plain http on loopback: the cookies must travel
    "DJANGO_HSTS_SECONDS": "0",
    "DJANGO_STATIC_MANIFEST": "false",  # no collectstatic needed; locust fetches no static files
    "REDIS_URL": REDIS_URL,
    "CELERY_BROKER_URL": REDIS_URL,
    "LOG_LEVEL": "WARNING",
}


def log(message: str) -> None:
    print(f"[{Path(sys.argv[0]).stem}] {message}", file=sys.stderr, flush=True)


def django_setup() -> None:
    os.environ.update({k: v for k, v in SERVER_ENV.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")})
    import django

    django.setup()


LOCK_KEY = "bench:redis-db-lock"


def flush_redis() -> None:
    """Empty BENCH_REDIS_URL's database (11) — queues, results, cache — except the lock below."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = [key for key in client.scan_iter(count=1000) if key != LOCK_KEY.encode()]
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])


@contextmanager
def redis_db_lock(wait: int = 3600):
    """Only one benchmark at a time may use (and flush) the Redis database: concurrent runs (two checkouts or
    `make bench` during a manual run) wait here. The lock expires 2 minutes after its holder dies."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    lock = client.lock(LOCK_KEY, timeout=120, blocking_timeout=wait, thread_local=False)
    if client.exists(LOCK_KEY):
        log("another benchmark holds the Redis database; waiting")
    if not lock.acquire():
        raise RuntimeError(f"the Redis database {REDIS_URL} stayed locked for {wait} s")
    stop = threading.Event()

    def keep():
        while not stop.wait(30):
            with suppress(redis.RedisError):
                lock.reacquire()

    keeper = threading.Thread(target=keep, daemon=True)
    keeper.start()
    try:
        yield
    finally:
        stop.set()
        keeper.join(timeout=5)
        with suppress(redis.RedisError, redis.exceptions.LockError):
            lock.release()


def free_port(preferred: int) -> int:
    """`preferred`, or the first free port of 8770-8779 (the range these benchmarks may use)."""
    for port in [preferred, *range(8770, 8780)]:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8770-8779")


# --- accounts --------------------------------------------------------------------------------------------
def schools_with_pairs(count: int) -> list:
    """Active schools whose secretary and principal are two different people in office today, busiest first."""
    from django.db.models import Count
    from django.utils import timezone

    from schools.models import School
    from schools.selectors import pairs_on

    today = timezone.localdate()
    candidates = list(
        School.objects.filter(is_active=True).annotate(n=Count("communications")).order_by("-n", "code")[: count * 5]
    )
    pairs = pairs_on(schools=candidates, on=today)
    chosen = []
    for school in candidates:
        pair = pairs[school.pk]
        if pair.is_vacant or pair.is_combined:
            continue
        chosen.append((school, pair))
        if len(chosen) == count:
            break
    if not chosen:
        raise SystemExit("no active school with a secretary and a principal in office: populate the database first")
    return chosen


def bench_user(username: str, **fields):
    """Create or reset a bench account (password PASSWORD) with the given role and scope."""
    from core.models import User

    user, _created = User.objects.update_or_create(username=username, defaults={"is_active": True, **fields})
    user.set_password(PASSWORD)
    user.save()
    return user


def bench_users() -> dict:
    """A district viewer and the secretary of the busiest school with a pair (accounts named bench_*)."""
    from core.models import Role

    school, pair = schools_with_pairs(1)[0]
    viewer = bench_user("bench_district_viewer", role=Role.DISTRICT_VIEWER, school=None, school_district=None)
    secretary = bench_user("bench_school_secretary", role=Role.SECRETARY, school=school, school_district=None)
    return {"district": viewer.username, "school": secretary.username, "school_id": school.pk}


# --- gunicorn --------------------------------------------------------------------------------------------
def stop_process(process) -> None:
    """SIGTERM a server or worker we started, then kill it if it has not exited within 30 s."""
    if process and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


class Gunicorn:
    """`gunicorn haidian_governance.wsgi -b 127.0.0.1:PORT -w 2` as a subprocess, stopped by pid."""

    def __init__(self, port: int, logdir: Path, workers: int = 2, **env):
        self.port, self.logdir, self.workers, self.env, self.process = port, logdir, workers, env, None
        self.url = f"http://127.0.0.1:{port}"

    def __enter__(self):
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        env = {**os.environ, **SERVER_ENV, **self.env}
        command = [gunicorn, "haidian_governance.wsgi", "-b", f"127.0.0.1:{self.port}", "-w", str(self.workers)]
        self.log = self.logdir / f"gunicorn-{self.port}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return self
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError(f"gunicorn did not start:\n{self.log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.3)

    def __exit__(self, *exc):
        stop_process(self.process)
        return False

    def server_errors(self) -> int:
        """5xx lines in the access log."""
        count = 0
        for line in self.log.read_text(errors="replace").splitlines():
            parts = line.split('"')
            if len(parts) >= 3 and parts[2].strip()[:1] == "5":
                count += 1
        return count


# --- locust --------------------------------------------------------------------------------------------------
def run_locust(target: str, url: str, seconds: int, config: Path, workdir: Path) -> dict:
    """One headless locust run; returns the samples summary written by the locustfile."""
    out = workdir / f"locust-{target}-{time.monotonic_ns()}.json"
    env = {**os.environ, "BENCH_TARGET": target, "BENCH_PAGES_CONFIG": str(config), "BENCH_PAGES_OUT": str(out)}
    env.update({"BENCH_USERS": str(USERS), "BENCH_MEASURE_SECONDS": str(seconds)})
    command = [
        str(Path(sys.executable).with_name("locust")), "-f", str(ROOT / "bench" / "locustfile_pages.py"),
        "--headless", "-u", str(USERS), "-r", str(USERS), "-t", f"{seconds + 180}s", "--host", url,
        "--csv", str(workdir / f"locust-{target}"), "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10",
    ]  # fmt: skip
    with (workdir / f"locust-{target}.log").open("ab") as logfile:
        subprocess.run(command, cwd=ROOT, env=env, stdout=logfile, stderr=subprocess.STDOUT, check=False)  # noqa: S603
    if not out.is_file():
        raise RuntimeError(f"locust wrote no results: {(workdir / f'locust-{target}.log').read_text()[-3000:]}")
    return json.loads(out.read_text())


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 s runs, one round (CI)")
    parser.add_argument("--out", required=True, help="JSON file to write the results to")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop workers / servers on the way out
    seconds, rounds = (10, 1) if args.quick else (30, 3)  # three: a median of runs, not the mean of two
    django_setup()
    from schools.models import School

    workdir = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    users = bench_users()
    users["school_ids"] = list(School.objects.filter(is_active=True).order_by("?").values_list("pk", flat=True)[:200])
    users["password"] = PASSWORD
    config = workdir / "config.json"
    config.write_text(json.dumps(users))
    samples = {"minimal": [], "pages": []}
    p95s = {"minimal": [], "pages": []}
    errors = {"minimal": 0, "pages": 0}
    error_examples: dict[str, list[str]] = {"minimal": [], "pages": []}
    per_page: dict[str, list[float]] = {}
    with redis_db_lock():
        flush_redis()
        # No worker recycling during the runs (gunicorn.conf.py: after 2,000 ± 200 requests): a recycled worker
        # closes its keep-alive connections, and a request locust sends on one at that moment fails with "HTTP 0".
        # Behind the nginx of docs/operations.md every request opens its own connection to gunicorn (no upstream
        # keep-alive), so users never meet that; latency is what is measured here.
        with Gunicorn(free_port(PORT), workdir, BENCH_MINIMAL_VIEW="true", GUNICORN_MAX_REQUESTS="0") as server:
            for round_ in range(rounds):
                for target in ("minimal", "pages"):
                    result = run_locust(target, server.url, seconds, config, workdir)
                    times = result["samples_ms"]
                    if not times:
                        raise RuntimeError(f"no {target} request measured: {result}")
                    samples[target] += times
                    p95s[target].append(p95(times))
                    errors[target] += result["errors"]
                    for name, values in result["by_name_ms"].items():
                        per_page.setdefault(name, []).extend(values)
                    log(
                        f"round {round_ + 1} {target}: {len(times)} requests, p95 {p95(times):.1f} ms, "
                        f"median {statistics.median(times):.1f} ms, errors {result['errors']}"
                        + (f" ({'; '.join(result['error_examples'])})" if result["errors"] else "")
                    )
                    error_examples[target] += result["error_examples"]
            server_errors = server.server_errors()
        flush_redis()
    project, baseline = statistics.median(p95s["pages"]) / 1000, statistics.median(p95s["minimal"]) / 1000
    ratio = project / baseline
    pages_detail = ", ".join(f"{name} {p95(v):.0f} ms" for name, v in sorted(per_page.items()) if name != "minimal")
    result = {
        "name": "pages_p95_20_users",
        "project_s": round(project, 4),
        "baseline_s": round(baseline, 4),
        "ratio": round(ratio, 3),
        "target_ratio": 4.0,
        "met": ratio <= 3.0 and errors["pages"] == 0,
        "repetitions": rounds,
        "spread_s": {
            "project": {"min": min(p95s["pages"]) / 1000, "max": max(p95s["pages"]) / 1000},
            "baseline": {"min": min(p95s["minimal"]) / 1000, "max": max(p95s["minimal"]) / 1000},
        },
        "note": (
            f"locust {USERS} users (-r {USERS}), {seconds} s per run, think time 0.5-1.5 s, gunicorn -w 2 "
            f"(gthread, 2 threads) on 127.0.0.1, DEBUG off; p95 over {len(samples['pages'])} page requests vs "
            f"{len(samples['minimal'])} /bench/minimal/ requests made after all users logged in; median of the "
            f"per-run p95. Page p95: {pages_detail}. Failed requests: pages {errors['pages']}, "
            f"minimal {errors['minimal']}"
            + "".join(f" ({target}: {'; '.join(examples)})" for target, examples in error_examples.items() if examples)
            + f"; 5xx in the access log: {server_errors}."
        ),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps([result], ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    log(f"pages p95 {project * 1000:.1f} ms vs minimal {baseline * 1000:.1f} ms: ratio {ratio:.2f}")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
