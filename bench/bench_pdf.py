"""PDF benchmarks (DESIGN §7): the per-school report against WeasyPrint alone, and the district report on 1 and
2 real Celery workers.

    DATABASE_URL=postgres://… .venv/bin/python bench/bench_pdf.py [--quick] --out results-pdf.json

1. `pdf_school_report` — project: the rendering entry point of the task and of `manage.py render_report`
   (`reports.content.report_context` → `render_to_string` → `reports.rendering.pdf.render_pdf`, i.e. the data
   queries, the template and WeasyPrint behind the static-only fetcher) for the busiest school of a month with
   data. Baseline: WeasyPrint alone, `weasyprint.HTML(string=html).write_pdf()`, on the exact same HTML string
   (its one `portal-static:` stylesheet URL rewritten to the `file://` URL of the same file so that WeasyPrint's
   default fetcher loads it: both sides lay out the same styled document with the same system fonts).
   The two sides alternate within each repetition (the machine is shared) and medians are reported.
   Target: ratio ≤ 1.2.
2. `district_pdf_1_worker` / `district_pdf_2_workers` — a district report requested through
   `reports.services.report_run_request` (what the page and the API do), rendered by `celery worker -Q pdf,celery
   --concurrency 1` subprocesses on Redis db 11, timed from the request to status 已完成 (polling the run).
   ratio = t(2 workers) / t(1 worker), target 0.75: the report is a chord of one part per 学区, so two workers
   on two cores should take a little over half the time (the overview part, the cover and the merge do not
   split). Linearity: seconds per school of a 学区 report (the median 学区) and of the district report, both on
   1 worker. Each worker is warmed up with one school report first. The full dataset's district report takes
   minutes, so full mode times it once per worker count (BENCH_PDF_DISTRICT_REPS to change).

Redis: `BENCH_REDIS_URL` (default redis://127.0.0.1:6379/11); only that database is flushed. PDF files go to a
temporary MEDIA_ROOT removed at the end.
"""

import argparse
import gc
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="bench-pdf-media-"))
BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "haidian_governance.settings",
    "DJANGO_DEBUG": "false",
    "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
    "REDIS_URL": REDIS_URL,
    "CELERY_BROKER_URL": REDIS_URL,
    "MEDIA_ROOT": str(MEDIA_ROOT),
    "LOG_LEVEL": "WARNING",
    "COMPLIANCE_CHECK_ON_WRITE": "false",
}
os.environ.update(BENCH_ENV)

import django  # noqa: E402

django.setup()

import weasyprint  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db import connections as db_connections  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from core.models import Role, User  # noqa: E402
from reports import content, services  # noqa: E402
from reports.aggregates import add_months, month_start  # noqa: E402
from reports.management.commands.render_report import render_target  # noqa: E402
from reports.models import PENDING_STATUSES, ReportRun, ReportScope, ReportStatus  # noqa: E402
from reports.rendering.fetcher import PREFIX  # noqa: E402
from reports.rendering.pdf import render_pdf  # noqa: E402
from schools.models import School, SchoolDistrict  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from bench_pages import flush_redis, redis_db_lock  # noqa: E402  (shared: Redis db 11 is one per machine)

WORKER_READY_TIMEOUT = 90
RUN_TIMEOUT = 1800


def log(message: str) -> None:
    print(f"[bench_pdf] {message}", file=sys.stderr, flush=True)


def spread(values: list[float]) -> dict:
    return {"min": round(min(values), 4), "max": round(max(values), 4)}


# --- what to render ------------------------------------------------------------------------------------
def pick_month_and_school(today: date) -> tuple[date, School]:
    """The last complete month, and the school with the most records (decisions + communications) in it."""
    period = add_months(month_start(today), -1)
    end = add_months(period, 1)
    school = (
        School.objects.filter(is_active=True)
        .annotate(
            n=Count(
                "decisions", filter=Q(decisions__decided_on__gte=period, decisions__decided_on__lt=end), distinct=True
            )
            + Count(
                "communications",
                filter=Q(communications__occurred_at__date__gte=period, communications__occurred_at__date__lt=end),
                distinct=True,
            )
        )
        .order_by("-n", "code")
        .first()
    )
    if school is None:
        raise SystemExit("bench_pdf: the database has no school; populate it first (generate_dataset or seed_demo)")
    return period, school


def baseline_html(html: str) -> str:
    """The same document for WeasyPrint's default fetcher: its static URLs as file:// URLs of the same files."""
    return html.replace(PREFIX, (Path(settings.BASE_DIR) / "static").as_uri() + "/")


# --- 1. per-school report --------------------------------------------------------------------------------
def bench_school(period: date, school: School, today: date, repetitions: int) -> dict:
    target = content.ReportTarget(scope=ReportScope.SCHOOL, period=period, school=school)
    render_target(target, today=today)  # warm-up: templates, fonts, connection
    html = render_to_string("reports/pdf/report.html", content.report_context(target, today=today))
    plain = baseline_html(html)
    weasyprint.HTML(string=plain).write_pdf()
    project, baseline, data_s, pages = [], [], [], 0
    with CaptureQueriesContext(connection) as queries:
        content.report_context(target, today=today)
    for rep in range(repetitions):
        # alternate the order so that neither side always runs right after the other
        order = ("project", "baseline") if rep % 2 == 0 else ("baseline", "project")
        for side in order:
            gc.collect()  # each side starts from the same heap state
            start = time.perf_counter()
            if side == "project":
                context = content.report_context(target, today=today)
                middle = time.perf_counter()
                rendered = render_pdf(render_to_string("reports/pdf/report.html", context))
                project.append(time.perf_counter() - start)
                data_s.append(middle - start)
                pages = rendered.page_count
                if rendered.refused:
                    raise RuntimeError(f"the renderer refused {rendered.refused}")
            else:
                pdf = weasyprint.HTML(string=plain).write_pdf()
                baseline.append(time.perf_counter() - start)
                if not pdf.startswith(b"%PDF"):
                    raise RuntimeError("WeasyPrint wrote no PDF")
    p, b = statistics.median(project), statistics.median(baseline)
    return {
        "name": "pdf_school_report",
        "project_s": round(p, 4),
        "baseline_s": round(b, 4),
        "ratio": round(p / b, 3),
        "target_ratio": 1.2,
        "met": p / b <= 1.2,
        "repetitions": repetitions,
        "spread_s": {"project": spread(project), "baseline": spread(baseline)},
        "query_counts": {"school_report_context": len(queries)},
        "note": (
            f"{school.code} {school.name}, {period:%Y-%m}, {pages} pages, HTML {len(html)} chars; project = "
            f"report_context + template + render_pdf (static-only fetcher), of which data + template median "
            f"{statistics.median(data_s):.3f} s; baseline = weasyprint.HTML(string=same html).write_pdf() with the "
            "stylesheet loaded by WeasyPrint's default fetcher; sides alternate in each repetition; medians."
        ),
    }


# --- 2. district report on real workers ---------------------------------------------------------------


class Workers:
    """`celery worker` subprocesses on the pdf queue, started and stopped by pid."""

    def __init__(self, count: int, logdir: Path):
        self.count, self.logdir, self.processes, self.logs = count, logdir, [], []

    def __enter__(self):
        celery = str(Path(sys.executable).with_name("celery"))
        env = {**os.environ, "DB_CONN_MAX_AGE": "0"}
        for index in range(self.count):
            path = self.logdir / f"worker-{self.count}-{index}.log"
            self.logs.append(path)
            command = [
                celery, "-A", "haidian_governance", "worker", "-Q", "pdf,celery", "--concurrency", "1",
                "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
                "-n", f"benchpdf-{self.count}-{index}@%h",
            ]  # fmt: skip
            with path.open("wb") as out:
                self.processes.append(
                    subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
                )
        deadline = time.monotonic() + WORKER_READY_TIMEOUT
        while not all(" ready." in path.read_text(errors="replace") for path in self.logs):
            if any(p.poll() is not None for p in self.processes) or time.monotonic() > deadline:
                self.__exit__(None, None, None)
                tail = "\n".join(path.read_text(errors="replace")[-2000:] for path in self.logs)
                raise RuntimeError(f"celery workers did not start:\n{tail}")
            time.sleep(0.2)
        return self

    def __exit__(self, *exc):
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        return False


def district_user() -> User:
    user = User.objects.filter(role__in=(Role.DISTRICT_ADMIN, Role.DISTRICT_VIEWER), is_active=True).first()
    if user is None:
        user = User.objects.create(username="bench_district", role=Role.DISTRICT_VIEWER)
    return user


def time_run(user: User, period: date, **scope) -> float:
    """Request a fresh report and wait until a worker has rendered it; seconds from request to done."""
    start = time.perf_counter()
    run = services.report_run_request(user=user, period=period, **scope)
    deadline = time.monotonic() + RUN_TIMEOUT
    while True:
        run.refresh_from_db(fields=["status", "error"])
        if run.status == ReportStatus.DONE:
            return time.perf_counter() - start
        if run.status == ReportStatus.FAILED:
            raise RuntimeError(f"{run.scope} report failed: {run.error}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{run.scope} report did not finish in {RUN_TIMEOUT} s")
        time.sleep(0.1)


def warm_up(user: User, period: date, count: int) -> None:
    """One school report per worker at once, so that every worker child has imported and loaded its fonts."""
    schools = list(School.objects.filter(is_active=True).order_by("code")[:count])

    def one(school: School) -> float:
        try:
            return time_run(user, period, scope=ReportScope.SCHOOL, school=school)
        finally:
            db_connections.close_all()  # this thread's connection

    with ThreadPoolExecutor(count) as pool:
        list(pool.map(one, schools))


def typical_xuequ() -> tuple[SchoolDistrict, int]:
    rows = list(
        SchoolDistrict.objects.annotate(n=Count("schools", filter=Q(schools__is_active=True)))
        .filter(n__gt=0)
        .order_by("n", "code")
    )
    xuequ = rows[len(rows) // 2]  # the median 学区 by size
    return xuequ, xuequ.n


def bench_district(period: date, repetitions: int, logdir: Path) -> dict:
    """District report on 1 then 2 workers; on 1 worker also a 学区 report (seconds per school, linearity)."""
    user = district_user()
    # A run left pending by an interrupted benchmark would be reused by the next request and never finish.
    for stale in ReportRun.objects.filter(is_current=True, status__in=PENDING_STATUSES):
        services.report_run_fail(run_id=stale.pk, error="interrupted benchmark run")
    xuequ, xuequ_schools = typical_xuequ()
    result = {"xuequ": xuequ, "xuequ_schools": xuequ_schools}
    for count in (1, 2):
        flush_redis()
        with Workers(count, logdir):
            warm_up(user, period, count)
            if count == 1:
                result["xuequ_s"] = time_run(user, period, scope=ReportScope.XUEQU, school_district=xuequ)
                log(f"学区 report {xuequ.code} ({xuequ_schools} schools), 1 worker: {result['xuequ_s']:.2f} s")
            result[count] = [time_run(user, period, scope=ReportScope.DISTRICT) for _ in range(repetitions)]
        log(f"district report, {count} worker(s): {[round(t, 2) for t in result[count]]}")
    result["parts"] = len(content.part_keys(content.ReportTarget(scope=ReportScope.DISTRICT, period=period)))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (CI)")
    parser.add_argument("--out", required=True, help="JSON file to write the results to")
    parser.add_argument("--skip-workers", action="store_true", help="only the per-school report")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop workers / servers on the way out
    today = timezone.localdate()
    period, school = pick_month_and_school(today)
    logdir = Path(tempfile.mkdtemp(prefix="bench-pdf-logs-"))
    results = []
    try:
        log(f"per-school report: {school.code} {period:%Y-%m}")
        results.append(bench_school(period, school, today, repetitions=5 if args.quick else 11))
        log(f"pdf_school_report ratio {results[-1]['ratio']}")
        if not args.skip_workers:
            reps = 1 if args.quick else int(os.environ.get("BENCH_PDF_DISTRICT_REPS", "1"))
            with redis_db_lock():
                district = bench_district(period, reps, logdir)
                flush_redis()
            one, two, parts = district[1], district[2], district["parts"]
            t1, t2 = statistics.median(one), statistics.median(two)
            schools = School.objects.filter(is_active=True).count()
            per_school = (
                f"学区 {district['xuequ'].code}: {district['xuequ_schools']} schools in {district['xuequ_s']:.2f} s "
                f"= {district['xuequ_s'] / district['xuequ_schools']:.3f} s/school; district: {schools} schools in "
                f"{t1:.2f} s = {t1 / schools:.3f} s/school"
            )
            common = (
                f"{period:%Y-%m}, {schools} schools, {parts} parts (overview + one per 学区), time from request to "
                f"status done, workers `celery worker -Q pdf,celery --concurrency 1` on Redis db 11, warmed up "
                f"with one school report each"
            )
            results.append(
                {
                    "name": "district_pdf_1_worker",
                    "project_s": round(t1, 3),
                    "baseline_s": None,
                    "ratio": None,
                    "target_ratio": None,
                    "met": True,
                    "repetitions": reps,
                    "spread_s": spread(one),
                    "note": f"{common}. Reference for district_pdf_2_workers. Linearity (1 worker): {per_school}.",
                }
            )
            results.append(
                {
                    "name": "district_pdf_2_workers",
                    "project_s": round(t2, 3),
                    "baseline_s": round(t1, 3),
                    "ratio": round(t2 / t1, 3),
                    "target_ratio": 0.75,
                    "met": t2 / t1 <= 0.75,
                    "repetitions": reps,
                    "spread_s": spread(two),
                    "note": (
                        f"{common}; baseline = the same with 1 worker. On 2 cores the per-学区 parts split across "
                        "the two workers, so about 0.55-0.65 is expected (the overview part, the cover/contents and "
                        "the merge do not split; other processes share the cores)."
                    ),
                }
            )
    finally:
        shutil.rmtree(MEDIA_ROOT, ignore_errors=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(logdir, ignore_errors=True)
    for row in results:
        log(f"{row['name']}: project {row['project_s']} s, baseline {row['baseline_s']}, ratio {row['ratio']}")


if __name__ == "__main__":
    main()
