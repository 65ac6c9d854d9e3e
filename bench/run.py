"""`bench/run.py [--quick] [--only NAME]`: prepare the benchmark database, run every `bench/bench_*.py`, merge
their results and (full mode) regenerate the table of `docs/benchmarks.md`. See bench/README.md.

Full mode uses the database of DATABASE_URL (default haidian_bench) with `generate_dataset --schools 2000
--years 3`; quick mode (CI) uses `<name>_quick` with 200 schools × 1 year and exits non-zero only when a script
crashes or a query count grows with the data or page size. A database is reused when it holds a dataset of the
same parameters (the marker `generate_dataset …` that the generator stores), and rebuilt otherwise."""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
import _common  # noqa: E402

FULL = {"schools": 2000, "years": 3, "seed": 1}
QUICK = {"schools": 200, "years": 1, "seed": 1}
DOC = ROOT / "docs" / "benchmarks.md"
TABLE_START, TABLE_END = "<!-- bench:results:start -->", "<!-- bench:results:end -->"


def database_url(quick: bool) -> str:
    url = os.environ.get("DATABASE_URL") or _common.DEFAULT_DATABASE_URL
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "haidian_bench"
    if quick and not name.endswith("_quick"):
        name = f"{name}_quick"
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin_connection(url: str) -> psycopg.Connection:
    parts = urlsplit(url)
    return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)


def _marker(url: str) -> str | None:
    try:
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT note FROM core_demodataset WHERE note LIKE 'generate_dataset %%' ORDER BY id DESC LIMIT 1"
            ).fetchone()
            return row[0] if row else None
    except psycopg.Error:
        return None


def _manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, check=True)


def prepare_database(url: str, params: dict, env: dict) -> None:
    name = urlsplit(url).path.lstrip("/")
    wanted = f"generate_dataset schools={params['schools']} years={params['years']} seed={params['seed']} "
    marker = _marker(url)
    if marker and marker.startswith(wanted):
        print(f"[bench] 复用数据库 {name}（{marker}）", flush=True)
        _manage(env, "migrate", "--noinput", "-v", "0")
        return
    if not (name.startswith("haidian_bench") or name.startswith("h_benchdata_")):
        raise SystemExit(f"[bench] 拒绝重建非基准数据库 {name}（名称须以 haidian_bench 开头）")
    print(f"[bench] 重建数据库 {name} 并生成数据集 {params}", flush=True)
    with _admin_connection(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    _manage(env, "migrate", "--noinput", "-v", "0")
    started = time.monotonic()
    _manage(env, "generate_dataset", *[f"--{key}={value}" for key, value in params.items()])
    print(f"[bench] 数据集生成用时 {time.monotonic() - started:.0f} 秒", flush=True)


# Scripts that write: they run on a copy of the database, dropped afterwards. What load_writes.py and
# bench_freshness.py add (thousands of communications, votes and findings a minute) would otherwise stay, and
# every later run would measure another dataset: a bigger "one day" to sync, other rows on the API's first pages.
WRITERS = ("load_writes", "bench_freshness")


@contextmanager
def scratch_copy(url: str) -> Iterator[str]:
    """The URL of `<name>_scratch`, a copy of the database (CREATE DATABASE … TEMPLATE), dropped on the way out."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    copy = f"{name}_scratch"
    with _admin_connection(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{name}" STRATEGY FILE_COPY')
    try:
        yield urlunsplit(parts._replace(path=f"/{copy}"))
    finally:
        with _admin_connection(url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')


def machine(url: str) -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in line)
    with psycopg.connect(url) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "postgresql": pg,
        "python": platform.python_version(),
        "load_average": os.getloadavg(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def run_scripts(quick: bool, only: str | None, env: dict) -> tuple[list[dict], list[str]]:
    rows, crashed = [], []
    # load_writes.py (issue 10's write load test) is not a ratio benchmark but reports the same way.
    for script in [*sorted(BENCH.glob("bench_*.py")), BENCH / "load_writes.py"]:
        if only and only not in script.stem:
            continue
        out = BENCH / f".out-{script.stem}{'-quick' if quick else ''}.json"
        out.unlink(missing_ok=True)
        command = [sys.executable, str(script), "--out", str(out), *(["--quick"] if quick else [])]
        print(f"[bench] {script.name} …", flush=True)
        started = time.monotonic()
        if script.stem in WRITERS:
            with scratch_copy(env["DATABASE_URL"]) as copy:
                code = subprocess.run(command, cwd=BENCH, env={**env, "DATABASE_URL": copy}).returncode
        else:
            code = subprocess.run(command, cwd=BENCH, env=env).returncode
        took = time.monotonic() - started
        if code != 0 or not out.exists():
            print(f"[bench] {script.name} 失败（退出码 {code}）", flush=True)
            crashed.append(script.name)
            continue
        for row in json.loads(out.read_text(encoding="utf-8")):
            row["script"] = script.name
            rows.append(row)
        out.unlink()
        print(f"[bench] {script.name} 完成，用时 {took:.0f} 秒", flush=True)
    return rows, crashed


def merge(path: Path, rows: list[dict], scripts_run: set[str]) -> list[dict]:
    old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    kept = [row for row in old if row.get("script") not in scripts_run]
    merged = kept + rows
    path.write_text(json.dumps(merged, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return merged


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def table(rows: list[dict], info: dict, params: dict) -> str:
    lines = [
        TABLE_START,
        f"Measured {info['date']} on {info['cpu']}, {info['cores']} cores, {info['ram_gb']} GB RAM, "
        f"PostgreSQL {info['postgresql']}, Python {info['python']}; load average at start "
        f"{', '.join(f'{x:.1f}' for x in info['load_average'])} (the machine is shared: ratios are measured "
        "side by side in one run, project and baseline interleaved, so both see the same load). "
        f"Dataset: `generate_dataset --schools {params['schools']} --years {params['years']} --seed {params['seed']}`.",
        "",
        "| benchmark | project (median) | baseline (median) | ratio | target | met | reps | query counts |",
        "|---|---:|---:|---:|---:|:---:|---:|---|",
    ]
    for row in rows:
        counts = row.get("query_counts")
        shown = ", ".join(f"{k}: {v}" for k, v in counts.items()) if counts else "—"
        if row.get("query_count_constant") is not None:
            shown += " (constant)" if row["query_count_constant"] else " (GROWS)"
        lines.append(
            f"| `{row['name']}` | {_ms(row['project_s'])} | {_ms(row['baseline_s'])} | {_ratio(row)} | "
            f"{_target(row)} | {_met(row, '✅', '❌')} | {row['repetitions']} | {shown} |"
        )
    lines += ["", "Notes per benchmark:", ""]
    lines += [f"- `{row['name']}`: {row.get('note', '')}" for row in rows]
    lines.append(TABLE_END)
    return "\n".join(lines)


def _ratio(row: dict) -> str:
    return "—" if row.get("ratio") is None else f"{row['ratio']:.2f}×"


def _target(row: dict) -> str:
    return "—" if row.get("target_ratio") is None else f"≤ {row['target_ratio']}×"


def _met(row: dict, yes: str, no: str) -> str:
    """Reference rows (e.g. the one-worker district PDF) have no target: neither met nor missed."""
    return "—" if row.get("met") is None else (yes if row["met"] else no)


def write_doc(text: str) -> None:
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else f"# Benchmarks\n\n{TABLE_START}\n{TABLE_END}\n"
    if TABLE_START not in doc:
        doc += f"\n{TABLE_START}\n{TABLE_END}\n"
    head, rest = doc.split(TABLE_START, 1)
    tail = rest.split(TABLE_END, 1)[1]
    DOC.write_text(head + text + tail, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="CI mode: 200 schools × 1 year, fewer repetitions")
    parser.add_argument("--only", help="run only the scripts whose name contains this (e.g. api, dashboard)")
    args = parser.parse_args()
    started = time.monotonic()
    params = QUICK if args.quick else FULL
    url = database_url(args.quick)
    env = {**os.environ, **_common.bench_env(args.quick), "DATABASE_URL": url}
    env.update({key: value for key, value in _common.BENCH_ENV.items() if key not in os.environ})
    prepare_database(url, params, env)
    info = machine(url)
    rows, crashed = run_scripts(args.quick, args.only, env)
    scripts_run = {row["script"] for row in rows}
    path = BENCH / ("results-quick.json" if args.quick else "results.json")
    merged = merge(path, rows, scripts_run)
    growing = [row["name"] for row in rows if row.get("query_count_constant") is False]
    if not args.quick:
        write_doc(table(merged, info, params))
    print(f"[bench] 结果写入 {path.relative_to(ROOT)}；总用时 {time.monotonic() - started:.0f} 秒", flush=True)
    for row in rows:
        print(f"  {row['name']}: ratio {_ratio(row)} (target {_target(row)}) {_met(row, 'met', 'NOT met')}")
    if crashed:
        print(f"[bench] 失败的脚本：{', '.join(crashed)}", flush=True)
    if growing:
        print(f"[bench] 查询数随数据量或页大小增长：{', '.join(growing)}", flush=True)
    if args.quick:
        return 1 if crashed or growing else 0
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
