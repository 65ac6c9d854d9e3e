"""Write load through the API (issue 10 §5): 20 concurrent clients log communications and votes for a fixed time.

    DATABASE_URL=postgres://… .venv/bin/python bench/load_writes.py [--quick] [--seconds N] --out results-load.json
    make load        # the same, 60 s

Setup (in this process, before the clock starts): 20 active schools with a secretary and a principal in office,
one bench clerk account per school (`bench_w_<code>`) with a write token (`core.tokens.api_token_create`), and
per school one held 党组织会议 with every expected member present. Then gunicorn (2 workers, DEBUG off, Redis db 11
as broker and cache, API throttle raised with API_THROTTLE_RATE) serves 127.0.0.1:8772 and 20 threads, one per
school, write for a fixed time (60 s; --quick 15 s) with no think time, each request one of:

- `POST /api/v1/communications/` — a 三重一大 talk of the school's pair with a unique subject (2 in 3 requests);
- `POST /api/v1/agenda-items/` on the client's held meeting, then `POST /api/v1/agenda-items/<id>/votes/` with its
  ETag as If-Match: everyone present votes 赞成, the secretary speaks last (so the computed result is 通过).

Every 2xx answer's id is recorded. Afterwards the database is checked: every accepted communication exists with
its subject and both participants, every accepted vote is on its item (赞成 = members present, result 通过).
The run passes when there is no 5xx, no request error and every accepted write is there; p95 latency is reported.
Also written as the results entry `load_writes_api` (project_s = p95 of all write requests).
"""

import argparse
import json
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_pages import (  # noqa: E402
    Gunicorn,
    bench_user,
    django_setup,
    flush_redis,
    free_port,
    log,
    p95,
    redis_db_lock,
    schools_with_pairs,
)

PORT = 8772
CLIENTS = 20


def prepare(count: int) -> list[dict]:
    """One client per school: token, pair, a held meeting with everyone present."""
    from django.utils import timezone

    from core.models import Role
    from core.tokens import api_token_create
    from meetings import services
    from meetings.choices import AttendanceKind, AttendanceStatus
    from schools.choices import MeetingBody

    clients = []
    yesterday = timezone.localdate() - timedelta(days=1)
    for school, pair in schools_with_pairs(count * 3):
        user = bench_user(f"bench_w_{school.code}", role=Role.CLERK, school=school, school_district=None)
        try:
            meeting = services.meeting_create(
                user=user, school=school, body=MeetingBody.PARTY_COMMITTEE, title="压测党组织会议", date=yesterday
            )
            members = list(meeting.attendance.filter(kind=AttendanceKind.MEMBER).values_list("person_id", flat=True))
            if len(members) < 3:
                continue
            services.meeting_record_attendance(
                user=user, meeting=meeting, statuses=dict.fromkeys(members, (AttendanceStatus.PRESENT, ""))
            )
            meeting = services.meeting_mark_held(user=user, meeting=meeting)
        except Exception as exc:  # noqa: BLE001 - a school whose committee is not set up: take the next one
            log(f"skipping {school.code}: {exc}")
            continue
        _token, key = api_token_create(user=user, name="压测写入", can_write=True)
        clients.append(
            {
                "school": school.pk,
                "code": school.code,
                "token": key,
                "participants": [pair.secretary.pk, pair.principal.pk],
                "meeting": meeting.pk,
                "present": len(members),
            }
        )
        if len(clients) == count:
            break
    if len(clients) < count:
        log(f"only {len(clients)} schools could be prepared (wanted {count})")
    return clients


class Client(threading.Thread):
    """One API client: writes until `stop` is set; keeps latencies, status counts and accepted ids."""

    def __init__(self, index: int, base: str, config: dict, stop: threading.Event, run: str):
        super().__init__(daemon=True)
        self.index, self.base, self.config, self.stop, self.run_id = index, base, config, stop, run
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {config['token']}"
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.errors: list[str] = []
        self.communications: dict[int, str] = {}  # id -> subject
        self.votes: list[int] = []  # agenda item ids whose votes were accepted
        self.sequence = 0

    def call(self, method: str, path: str, **kwargs):
        start = time.perf_counter()
        try:
            response = self.session.request(method, f"{self.base}{path}", timeout=60, **kwargs)
        except requests.RequestException as exc:
            self.errors.append(f"{method} {path}: {exc}")
            return None
        self.latencies.append(time.perf_counter() - start)
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        if response.status_code >= 400 and len(self.errors) < 5:
            self.errors.append(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return response

    def log_communication(self):
        from django.utils import timezone

        self.sequence += 1
        subject = f"压测沟通 {self.run_id} {self.index}-{self.sequence}"
        payload = {
            "school": self.config["school"],
            "occurred_at": (timezone.now() - timedelta(hours=1)).isoformat(),
            "category": "sanzhong_yida",
            "timing": "before_decision",
            "subject": subject,
            "summary": "书记校长就压测事项交换意见。",
            "outcome": "consensus",
            "participants": self.config["participants"],
        }
        response = self.call("POST", "/api/v1/communications/", json=payload)
        if response is not None and 200 <= response.status_code < 300:
            self.communications[response.json()["id"]] = subject

    def record_votes(self):
        self.sequence += 1
        item = self.call(
            "POST",
            "/api/v1/agenda-items/",
            json={
                "meeting": self.config["meeting"],
                "title": f"压测议题 {self.index}-{self.sequence}",
                "category": "general",
            },
        )
        if item is None or not 200 <= item.status_code < 300:
            return
        present = self.config["present"]
        voted = self.call(
            "POST",
            f"/api/v1/agenda-items/{item.json()['id']}/votes/",
            json={
                "totals": {"for": present, "against": 0, "abstain": 0},
                "secretary_spoke_last": True,
                "result": "passed",
            },
            headers={"If-Match": item.headers.get("ETag", "")},
        )
        if voted is not None and 200 <= voted.status_code < 300:
            self.votes.append(voted.json()["id"])

    def run(self):
        while not self.stop.is_set():
            if self.sequence % 3 == 2:
                self.record_votes()
            else:
                self.log_communication()


def verify(clients: list[Client], configs: list[dict]) -> dict:
    """Every accepted write is in the database, as accepted."""
    from meetings.choices import ItemResult
    from meetings.models import AgendaItem, Communication

    expected = {pk: subject for c in clients for pk, subject in c.communications.items()}
    rows = {row.pk: row for row in Communication.objects.filter(pk__in=list(expected)).prefetch_related("participants")}
    missing_communications = [pk for pk in expected if pk not in rows]
    wrong_communications = []
    participants = {c.index: set(configs[c.index]["participants"]) for c in clients}
    for client in clients:
        for pk in client.communications:
            row = rows.get(pk)
            if row is not None and (
                row.subject != expected[pk] or {p.pk for p in row.participants.all()} != participants[client.index]
            ):
                wrong_communications.append(pk)
    items = {item.pk: item for item in AgendaItem.objects.filter(pk__in=[pk for c in clients for pk in c.votes])}
    missing_votes, wrong_votes = [], []
    for client in clients:
        for pk in client.votes:
            item = items.get(pk)
            if item is None:
                missing_votes.append(pk)
            elif item.result != ItemResult.PASSED or item.votes_for != configs[client.index]["present"]:
                wrong_votes.append(pk)
    return {
        "communications": len(expected),
        "votes": sum(len(c.votes) for c in clients),
        "missing": missing_communications + missing_votes,
        "wrong": wrong_communications + wrong_votes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="15 s instead of 60 s")
    parser.add_argument("--seconds", type=int, help="how long the clients write")
    parser.add_argument("--out", required=True, help="JSON file to write the results entry to")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop workers / servers on the way out
    seconds = args.seconds or (15 if args.quick else 60)
    django_setup()
    configs = prepare(CLIENTS)
    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    run_id = uuid.uuid4().hex[:8]
    stop = threading.Event()
    with redis_db_lock():
        flush_redis()
        with Gunicorn(free_port(PORT), workdir, API_THROTTLE_RATE="1000000/hour") as server:
            clients = [Client(i, server.url, config, stop, run_id) for i, config in enumerate(configs)]
            started = time.perf_counter()
            for client in clients:
                client.start()
            time.sleep(seconds)
            stop.set()
            for client in clients:
                client.join(timeout=120)
            elapsed = time.perf_counter() - started
            access_log_5xx = server.server_errors()
        flush_redis()
    latencies = [t for c in clients for t in c.latencies]
    statuses: dict[int, int] = {}
    for client in clients:
        for status, n in client.statuses.items():
            statuses[status] = statuses.get(status, 0) + n
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    request_errors = [e for c in clients for e in c.errors]
    check = verify(clients, configs)
    accepted = check["communications"] + check["votes"]
    met = (
        server_errors == 0
        and access_log_5xx == 0
        and not check["missing"]
        and not check["wrong"]
        and accepted > 0
        and all(status < 400 for status in statuses)
    )
    quantile = p95(latencies) if latencies else None
    result = {
        "name": "load_writes_api",
        "project_s": round(quantile, 4) if quantile is not None else None,
        "baseline_s": None,
        "ratio": None,
        "target_ratio": None,
        "met": met,
        "repetitions": 1,
        "spread_s": {
            "p50": round(statistics.median(latencies), 4) if latencies else None,
            "max": round(max(latencies), 4) if latencies else None,
        },
        "clients": len(clients),
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "accepted_communications": check["communications"],
        "accepted_votes": check["votes"],
        "missing_in_db": len(check["missing"]),
        "wrong_in_db": len(check["wrong"]),
        "server_errors_5xx": server_errors,
        "note": (
            f"{len(clients)} threads (one school and write token each, no think time) for {elapsed:.0f} s through "
            f"gunicorn -w 2 on 127.0.0.1: {len(latencies)} writes ({len(latencies) / elapsed:.1f}/s), statuses "
            f"{dict(sorted(statuses.items()))}; accepted {check['communications']} communications and "
            f"{check['votes']} votes, missing in the database afterwards: {len(check['missing'])}, different: "
            f"{len(check['wrong'])}; 5xx: {server_errors} (access log: {access_log_5xx}). p95 of every write "
            "request (communication, agenda item, votes)."
            + (f" First errors: {request_errors[:3]}" if request_errors else "")
        ),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps([result], ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    log(result["note"])
    shutil.rmtree(workdir, ignore_errors=True)
    if not met:
        sys.exit(1)


if __name__ == "__main__":
    main()
