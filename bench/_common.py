"""Shared helpers of the benchmark scripts: Django setup with production-like settings, timing of the project
side and its raw baseline interleaved in one run (both suffer the same machine load), results in the contract
shape of bench/README.md."""

import argparse
import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/haidian_bench"
QUICK_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/haidian_bench_quick"

# Production-like settings (DEBUG off: no query log, no debug toolbar cost); nothing here is secret.
BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "haidian_governance.settings",
    "DJANGO_DEBUG": "false",
    "SECRET_KEY": "bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "DJANGO_SECURE_COOKIES": "false",
    "DJANGO_STATIC_MANIFEST": "false",
    "DJANGO_HSTS_SECONDS": "0",
    "API_THROTTLE_RATE": "1000000/hour",
}


def parse_args(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="CI mode: fewer repetitions (200-school dataset)")
    parser.add_argument("--out", required=True, help="where to write the JSON list of results")
    return parser.parse_args()


def bench_env(quick: bool = False) -> dict[str, str]:
    env = dict(BENCH_ENV)
    env["DATABASE_URL"] = os.environ.get("DATABASE_URL") or (QUICK_DATABASE_URL if quick else DEFAULT_DATABASE_URL)
    return env


def setup_django(quick: bool = False) -> None:
    for key, value in bench_env(quick).items():
        os.environ.setdefault(key, value)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def timed(fn: Callable[[], object]) -> float:
    gc.collect()
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def side_by_side(project: Callable, baseline: Callable, repetitions: int, warmup: int = 1) -> tuple[list, list]:
    """Alternate project and baseline runs (after warm-up runs of each) so that both see the same load."""
    for _ in range(warmup):
        project()
        baseline()
    project_times, baseline_times = [], []
    for index in range(repetitions):
        if index % 2:
            baseline_times.append(timed(baseline))
            project_times.append(timed(project))
        else:
            project_times.append(timed(project))
            baseline_times.append(timed(baseline))
    return project_times, baseline_times


def spread(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    quartiles = statistics.quantiles(ordered, n=4) if len(ordered) > 1 else [ordered[0]] * 3
    return {
        "min": round(ordered[0], 6),
        "p25": round(quartiles[0], 6),
        "p75": round(quartiles[2], 6),
        "max": round(ordered[-1], 6),
    }


def result(
    name: str,
    project_times: list[float],
    baseline_times: list[float],
    *,
    target_ratio: float,
    note: str = "",
    query_counts: dict[str, int] | None = None,
    query_count_constant: bool | None = None,
    **extra,
) -> dict:
    project_s = statistics.median(project_times)
    baseline_s = statistics.median(baseline_times)
    ratio = project_s / baseline_s if baseline_s else float("inf")
    row = {
        "name": name,
        "project_s": round(project_s, 6),
        "baseline_s": round(baseline_s, 6),
        "ratio": round(ratio, 3),
        "target_ratio": target_ratio,
        "met": ratio <= target_ratio,
        "repetitions": len(project_times),
        "spread_s": {"project": spread(project_times), "baseline": spread(baseline_times)},
        "note": note,
        **extra,
    }
    if query_counts is not None:
        row["query_counts"] = query_counts
        row["query_count_constant"] = bool(query_count_constant)
    return row


def count_queries(fn: Callable[[], object]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


def bench_user(role: str = "district_admin"):
    """A district account of the benchmark (created once; it cannot log in with a password)."""
    from core.models import User

    user, _ = User.objects.get_or_create(
        username=f"bench_{role}", defaults={"role": role, "last_name": "基准测试", "first_name": "账号"}
    )
    return user


def write_results(path: str, rows: list[dict]) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for row in rows:
        mark = "met" if row["met"] else "NOT met"
        print(
            f"{row['name']}: project {row['project_s'] * 1000:.1f} ms, baseline {row['baseline_s'] * 1000:.1f} ms, "
            f"ratio {row['ratio']:.2f} (target ≤ {row['target_ratio']}) {mark}"
        )
