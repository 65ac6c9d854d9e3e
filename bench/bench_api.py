"""API benchmarks (DESIGN §7): one 100-row list page, and the `updated_since` sync of one day, each against raw
psycopg + orjson producing the same rows. The project side goes through the whole stack in-process (Django's
test Client: middleware, session auth, DRF, filters, cursor pagination, serializers, JSON renderer); the
baseline runs hand-written SQL on the same connection and serialises with orjson. Query counts are taken at
page sizes 100 and 500: they must not grow with the page size."""

import os

import _common

ARGS = _common.parse_args(__doc__)
# As deployed (docker-compose.yml): Redis is the cache of sessions, of the signed-in user and of throttling.
os.environ.setdefault("REDIS_URL", os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"))
_common.setup_django(ARGS.quick)

import zoneinfo  # noqa: E402
from datetime import datetime, timedelta  # noqa: E402

import orjson  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from meetings.choices import (  # noqa: E402
    AttendanceKind,
    AttendanceStatus,
    CommunicationCategory,
    CommunicationOutcome,
    CommunicationTiming,
    ItemResult,
    MatterCategory,
    MeetingStatus,
    PrincipalDecision,
    VoteChoice,
)
from meetings.models import Communication  # noqa: E402
from meetings.selectors import CONFIDENTIAL_TITLE  # noqa: E402
from schools.choices import MeetingBody  # noqa: E402

REPS = 5 if ARGS.quick else 15
LABELS = {
    "category": dict(CommunicationCategory.choices),
    "timing": dict(CommunicationTiming.choices),
    "outcome": dict(CommunicationOutcome.choices),
    "body": dict(MeetingBody.choices),
    "status": dict(MeetingStatus.choices),
    "kind": dict(AttendanceKind.choices),
    "attendance": dict(AttendanceStatus.choices),
    "item_category": dict(MatterCategory.choices),
    "result": dict(ItemResult.choices),
    "choice": dict(VoteChoice.choices),
    "principal_decision": dict(PrincipalDecision.choices),
}


LOCAL = zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _iso(value):
    """As the API writes a date, time or timestamp: timestamps in the portal's time zone (Asia/Shanghai)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        text = value.astimezone(LOCAL).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    return value.isoformat()


# --- raw baselines ------------------------------------------------------------------------------------
COMMUNICATIONS_SQL = """
SELECT c.id, c.school_id, c.occurred_at, c.category, c.timing, c.event_at, c.subject, c.summary, c.outcome,
       ARRAY(SELECT cp.person_id FROM meetings_communication_participants cp JOIN schools_person p
             ON p.id = cp.person_id WHERE cp.communication_id = c.id ORDER BY p.code) AS participants,
       c.logged_by_id, c.confirmed_by_id, c.confirmed_at, c.created_at, c.updated_at
FROM meetings_communication c {where}
ORDER BY c.updated_at DESC, c.id DESC LIMIT %s
"""


def raw_communications(limit: int, since=None) -> bytes:
    where, params = ("WHERE c.updated_at > %s", [since, limit]) if since else ("", [limit])
    with connection.cursor() as cursor:
        cursor.execute(COMMUNICATIONS_SQL.format(where=where), params)
        rows = cursor.fetchall()
    results = [
        {
            "id": r[0],
            "school": r[1],
            "occurred_at": _iso(r[2]),
            "category": r[3],
            "category_label": LABELS["category"][r[3]],
            "timing": r[4],
            "timing_label": LABELS["timing"][r[4]],
            "event_at": _iso(r[5]),
            "subject": r[6],
            "summary": r[7],
            "outcome": r[8],
            "outcome_label": LABELS["outcome"][r[8]],
            "participants": r[9],
            "logged_by": r[10],
            "confirmed_by": r[11],
            "confirmed_at": _iso(r[12]),
            "is_confirmed": r[12] is not None,
            "created_at": _iso(r[13]),
            "updated_at": _iso(r[14]),
        }
        for r in rows
    ]
    return orjson.dumps({"next": None, "previous": None, "results": results})


MEETINGS_SQL = """
SELECT m.id, m.school_id, m.body, m.title, m.date, m.start_time, m.place, m.notice_sent_at, m.chair_id, m.status,
       m.minutes,
       m.created_by_id, m.finalised_by_id, m.finalised_at,
       (SELECT count(*) FROM meetings_attendance a WHERE a.meeting_id = m.id AND a.kind = 'member'),
       (SELECT count(*) FROM meetings_attendance a WHERE a.meeting_id = m.id AND a.kind = 'member'
          AND a.status = 'present'),
       (SELECT count(*) FROM meetings_agendaitem i WHERE i.meeting_id = m.id),
       m.created_at, m.updated_at
FROM meetings_meeting m {where}
ORDER BY m.updated_at DESC, m.id DESC LIMIT %s
"""
ATTENDANCE_SQL = """
SELECT a.meeting_id, a.id, a.person_id, a.kind, a.status, a.leave_reason, a.updated_at
FROM meetings_attendance a JOIN schools_person p ON p.id = a.person_id
WHERE a.meeting_id = ANY(%s) ORDER BY a.kind, p.code
"""
ITEMS_SQL = """
SELECT i.meeting_id, i.id, i."order", i.title, i.proposer_id, i.category, i.touches_staff_interests,
       i.is_confidential, ARRAY(SELECT pc.communication_id FROM meetings_agendaitem_pre_communications pc
                                JOIN meetings_communication c ON c.id = pc.communication_id
                                WHERE pc.agendaitem_id = i.id ORDER BY c.occurred_at DESC, c.id DESC),
       i.gate_override_reason, i.secretary_spoke_last, i.votes_for, i.votes_against, i.votes_abstain,
       ARRAY(SELECT ARRAY[v.person_id::text, v.choice] FROM meetings_vote v WHERE v.item_id = i.id ORDER BY v.id),
       ARRAY(SELECT ARRAY[r.person_id::text, r.reason] FROM meetings_recusal r WHERE r.item_id = i.id ORDER BY r.id),
       i.result, i.deferral_reason, i.minutes, i.created_at, i.updated_at,
       i.lead_member_id, i.added_at_meeting, i.chair_consented, i.principal_decision, i.views_heard
FROM meetings_agendaitem i WHERE i.meeting_id = ANY(%s) ORDER BY i.meeting_id, i."order"
"""
DELIBERATIONS_SQL = """
SELECT d.item_id, d.id, d.held_on, d.circle,
       ARRAY(SELECT dp.person_id FROM meetings_deliberation_participants dp JOIN schools_person p ON p.id = dp.person_id
             WHERE dp.deliberation_id = d.id ORDER BY p.code, p.id),
       d.note, d.created_at
FROM meetings_deliberation d JOIN meetings_agendaitem i ON i.id = d.item_id
WHERE i.meeting_id = ANY(%s) ORDER BY d.held_on, d.id
"""


def raw_meetings(limit: int, since=None) -> bytes:
    where, params = ("WHERE m.updated_at > %s", [since, limit]) if since else ("", [limit])
    with connection.cursor() as cursor:
        cursor.execute(MEETINGS_SQL.format(where=where), params)
        rows = cursor.fetchall()
        ids = [r[0] for r in rows]
        cursor.execute(ATTENDANCE_SQL, [ids])
        attendance = cursor.fetchall()
        cursor.execute(ITEMS_SQL, [ids])
        items = cursor.fetchall()
        cursor.execute(DELIBERATIONS_SQL, [ids])
        deliberations = cursor.fetchall()
    by_meeting = {r[0]: {"attendance": [], "items": []} for r in rows}
    school_of = {r[0]: r[1] for r in rows}
    body_of = {r[0]: r[2] for r in rows}
    deliberations_of: dict[int, list] = {}
    for d in deliberations:
        deliberations_of.setdefault(d[0], []).append(
            {
                "id": d[1],
                "held_on": _iso(d[2]),
                "circle": d[3],
                "participants": d[4],
                "note": d[5],
                "created_at": _iso(d[6]),
            }
        )
    for a in attendance:
        by_meeting[a[0]]["attendance"].append(
            {
                "id": a[1],
                "person": a[2],
                "kind": a[3],
                "kind_label": LABELS["kind"][a[3]],
                "status": a[4],
                "status_label": LABELS["attendance"].get(a[4], ""),
                "leave_reason": a[5],
                "updated_at": _iso(a[6]),
            }
        )
    for i in items:
        # The benchmark reads as a district account: outside every school, so confidential items (干部任免) are
        # redacted as the API redacts them (meetings.selectors.redact_items, AgendaItemSerializer).
        hidden = i[7]
        by_meeting[i[0]]["items"].append(
            {
                "id": i[1],
                "meeting": i[0],
                "school": school_of[i[0]],
                "order": i[2],
                "title": CONFIDENTIAL_TITLE if hidden else i[3],
                "proposer": None if hidden else i[4],
                "lead_member": None if hidden else i[21],
                "added_at_meeting": i[22],
                "chair_consented": i[23],
                "category": i[5],
                "category_label": LABELS["item_category"][i[5]],
                "touches_staff_interests": None if hidden else i[6],
                "is_confidential": i[7],
                "redacted": hidden,
                "pre_communications": [] if hidden else i[8],
                "gate_override_reason": "" if hidden else i[9],
                "secretary_spoke_last": i[10],
                "votes_for": i[11],
                "votes_against": i[12],
                "votes_abstain": i[13],
                "votes": []
                if hidden
                else [{"person": int(p), "choice": c, "choice_label": LABELS["choice"][c]} for p, c in i[14] or []],
                "recusals": [] if hidden else [{"person": int(p), "reason": reason} for p, reason in i[15] or []],
                "deliberations": [] if hidden else deliberations_of.get(i[1], []),
                "result": i[16],
                "result_label": LABELS["result"][i[16]],
                "decision_method": "principal" if body_of[i[0]] == MeetingBody.PRINCIPAL_OFFICE else "vote",
                "principal_decision": i[24],
                "principal_decision_label": LABELS["principal_decision"].get(i[24], ""),
                "views_heard": "" if hidden else i[25],
                "deferral_reason": "" if hidden else i[17],
                "minutes": "" if hidden else i[18],
                "created_at": _iso(i[19]),
                "updated_at": _iso(i[20]),
            }
        )
    results = [
        {
            "id": r[0],
            "school": r[1],
            "body": r[2],
            "body_label": LABELS["body"][r[2]],
            "title": r[3],
            "date": _iso(r[4]),
            "start_time": _iso(r[5]),
            "place": r[6],
            "notice_sent_at": _iso(r[7]),
            "chair": r[8],
            "status": r[9],
            "status_label": LABELS["status"][r[9]],
            "minutes": r[10],
            "created_by": r[11],
            "finalised_by": r[12],
            "finalised_at": _iso(r[13]),
            "expected_count": r[14],
            "present_count": r[15],
            "item_count": r[16],
            **by_meeting[r[0]],
            "created_at": _iso(r[17]),
            "updated_at": _iso(r[18]),
        }
        for r in rows
    ]
    return orjson.dumps({"next": None, "previous": None, "results": results})


# --- project side -------------------------------------------------------------------------------------
CLIENT = Client()
CLIENT.force_login(_common.bench_user())


def api_get(url: str, params: dict) -> bytes:
    response = CLIENT.get(url, params)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return response.content


def api_sync(url: str, since) -> int:
    """Follow the cursor pages of an `updated_since` pull to the end; returns the number of rows."""
    response = CLIENT.get(url, {"updated_since": since.isoformat(), "page_size": 500})
    rows = 0
    while True:
        assert response.status_code == 200, (url, response.status_code)
        page = response.json()
        rows += len(page["results"])
        if not page["next"]:
            return rows
        response = CLIENT.get(page["next"])


def raw_sync(raw, since) -> int:
    return len(orjson.loads(raw(1_000_000, since))["results"])


def main() -> None:
    rows = []
    for resource, raw in (("communications", raw_communications), ("meetings", raw_meetings)):
        url = f"/api/v1/{resource}/"
        api_get(url, {"page_size": 1})  # warm: the session and the signed-in user are then read from the cache
        same = orjson.loads(api_get(url, {"page_size": 100}))["results"] == orjson.loads(raw(100))["results"]
        assert same, f"{resource}: the baseline must write the rows the API writes"
        counts = {
            f"page_{size}": _common.count_queries(lambda size=size, url=url: api_get(url, {"page_size": size}))
            for size in (100, 500)
        }
        project, baseline = _common.side_by_side(
            lambda url=url: api_get(url, {"page_size": 100}), lambda raw=raw: raw(100), REPS
        )
        rows.append(
            _common.result(
                f"api_list_{resource}_100",
                project,
                baseline,
                target_ratio=3.0,
                note=f"GET {url}?page_size=100 (test Client, session auth) vs raw psycopg + orjson of the same rows",
                query_counts=counts,
                # Django skips a prefetch query when a page has no related rows at all (no votes, say), so a
                # page may need a query or two fewer; an N+1 would add hundreds between 100 and 500 rows.
                query_count_constant=counts["page_500"] <= counts["page_100"] + 2,
            )
        )

    latest = Communication.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
    since = latest - timedelta(days=1)

    def project_sync() -> int:
        return api_sync("/api/v1/communications/", since) + api_sync("/api/v1/meetings/", since)

    def baseline_sync() -> int:
        return raw_sync(raw_communications, since) + raw_sync(raw_meetings, since)

    synced = project_sync()
    assert synced == baseline_sync(), "the project and the baseline must pull the same rows"
    project, baseline = _common.side_by_side(project_sync, baseline_sync, REPS)
    rows.append(
        _common.result(
            "api_sync_one_day",
            project,
            baseline,
            target_ratio=3.0,
            note=f"updated_since = last change − 1 day: {synced} communications and meetings, pages of 500",
            rows=synced,
        )
    )
    _common.write_results(ARGS.out, rows)


if __name__ == "__main__":
    main()
