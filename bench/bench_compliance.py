"""Compliance engine (DESIGN §7): `run_rules()` — every rule over every school, findings stored and synced —
against raw SQL of the same checks (one statement per rule returning the breaching records, policy parameters
looked up per record as the engine does). The engine runs on an already checked database, so it opens and
resolves little: what is measured is checking, not inserting findings."""

import _common

ARGS = _common.parse_args(__doc__)
_common.setup_django(ARGS.quick)

from datetime import timedelta  # noqa: E402

from decisions.rules.pair_rules import MONTHS_CHECKED, WEEKS_CHECKED, _month_starts  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from decisions.rules.engine import run_rules  # noqa: E402
from schools.models import School  # noqa: E402

REPS = 3  # a full engine run takes tens of seconds on the 2000-school dataset
TODAY = timezone.localdate()
SANZHONG = "('major_decision', 'personnel', 'major_project', 'large_funds')"


def _policy(school: str, day: str, column: str) -> str:
    """The policy parameter in force for a school on a day: the school's own first, then the district's."""
    return f"""(SELECT pp.{column} FROM schools_policy pp
               WHERE (pp.school_id = {school} OR pp.school_id IS NULL) AND pp.effective_from <= {day}
               ORDER BY pp.school_id IS NULL, pp.effective_from DESC LIMIT 1)"""


ITEM_COUNTS = """
    SELECT i.id, m.school_id, i.category, i.result, i.votes_for,
           (SELECT count(*) FROM meetings_attendance a WHERE a.meeting_id = i.meeting_id AND a.kind = 'member') AS e,
           (SELECT count(*) FROM meetings_attendance a WHERE a.meeting_id = i.meeting_id AND a.kind = 'member'
              AND a.status = 'present') AS p
    FROM meetings_agendaitem i JOIN meetings_meeting m ON m.id = i.meeting_id
    WHERE i.result IN ('passed', 'rejected')"""
APPOINTED = """(SELECT max(a.person_id) FROM schools_appointment a WHERE a.school_id = s.id AND a.post IN {posts}
               AND a.start <= {day} AND (a."end" IS NULL OR a."end" >= {day}))"""

RULE_SQL = {
    "QUORUM": f"SELECT id, school_id FROM ({ITEM_COUNTS}) x WHERE p * 2 <= e",
    "QUORUM_PERSONNEL": f"SELECT id, school_id FROM ({ITEM_COUNTS}) x WHERE category = 'personnel' AND p * 3 < e * 2",
    "MAJORITY": f"""SELECT id, school_id FROM ({ITEM_COUNTS}) x
                    WHERE result = 'passed' AND (votes_for IS NULL OR votes_for * 2 <= e)""",
    "PRE_COMMUNICATION": f"""
        SELECT i.id, m.school_id FROM meetings_agendaitem i JOIN meetings_meeting m ON m.id = i.meeting_id
        WHERE i.category IN {SANZHONG} AND NOT EXISTS (
            SELECT 1 FROM meetings_agendaitem_pre_communications pc
            JOIN meetings_communication c ON c.id = pc.communication_id
            WHERE pc.agendaitem_id = i.id AND (c.occurred_at AT TIME ZONE 'Asia/Shanghai')::date <= m.date)""",
    "GATE_OVERRIDE": """
        SELECT i.id, m.school_id FROM meetings_agendaitem i JOIN meetings_meeting m ON m.id = i.meeting_id
        WHERE i.gate_override_reason <> ''""",
    "DISAGREEMENT_FORCED": """
        SELECT i.id, m.school_id FROM meetings_agendaitem i JOIN meetings_meeting m ON m.id = i.meeting_id
        WHERE i.result IN ('passed', 'rejected') AND (
            SELECT c.outcome FROM meetings_agendaitem_pre_communications pc
            JOIN meetings_communication c ON c.id = pc.communication_id WHERE pc.agendaitem_id = i.id
            ORDER BY c.occurred_at DESC, c.id DESC LIMIT 1) = 'disagreement'""",
    "SECRETARY_LAST": """
        SELECT i.id, m.school_id FROM meetings_agendaitem i JOIN meetings_meeting m ON m.id = i.meeting_id
        WHERE i.result IN ('passed', 'rejected') AND m.body = 'party_committee' AND i.secretary_spoke_last = false""",
    "RECUSAL": """
        SELECT DISTINCT i.id, m.school_id FROM meetings_vote v JOIN meetings_recusal r
            ON r.item_id = v.item_id AND r.person_id = v.person_id
        JOIN meetings_agendaitem i ON i.id = v.item_id JOIN meetings_meeting m ON m.id = i.meeting_id""",
    "STAFF_CONGRESS": """
        SELECT i.id, m.school_id FROM meetings_agendaitem i JOIN meetings_meeting m ON m.id = i.meeting_id
        WHERE i.touches_staff_interests AND i.result = 'passed' AND m.body <> 'staff_congress'
          AND NOT EXISTS (
            SELECT 1 FROM decisions_decision_agenda_items da
            JOIN decisions_decision_agenda_items da2 ON da2.decision_id = da.decision_id
            JOIN meetings_agendaitem i2 ON i2.id = da2.agendaitem_id
            JOIN meetings_meeting m2 ON m2.id = i2.meeting_id
            WHERE da.agendaitem_id = i.id AND m2.body = 'staff_congress')""",
    "MINUTES_LATE": f"""
        SELECT id, school_id FROM (
            SELECT m.id, m.school_id, m.date + {_policy("m.school_id", "m.date", "minutes_due_days")} AS due,
                   (m.finalised_at AT TIME ZONE 'Asia/Shanghai')::date AS signed
            FROM meetings_meeting m WHERE m.status <> 'preparing') x
        WHERE (signed IS NULL AND %(today)s > due) OR signed > due""",
    "WRONG_BODY": f"""
        SELECT d.id, d.school_id FROM decisions_decision d
        LEFT JOIN meetings_agendaitem i ON i.id = d.deciding_item_id LEFT JOIN meetings_meeting m ON m.id = i.meeting_id
        WHERE d.status IN ('decided', 'implementing', 'closed') AND d.outcome = 'passed'
          AND d.category IN {SANZHONG} AND (m.body IS NULL OR m.body <> 'party_committee')""",
    "AMOUNT_TIER": f"""
        SELECT d.id, d.school_id FROM decisions_decision d
        WHERE d.amount IS NOT NULL AND (d.category <> 'large_funds' OR d.tier <> 'collective')
          AND d.amount >= {
        _policy(
            "d.school_id",
            "COALESCE(d.decided_on, (d.created_at AT TIME ZONE 'Asia/Shanghai')::date)",
            "large_amount_threshold",
        )
    }""",
    "MEETING_ORDER": f"""
        SELECT id, school_id FROM (
            SELECT d.id, d.school_id, d.status,
                EXISTS (SELECT 1 FROM decisions_decision_agenda_items da JOIN meetings_agendaitem i2
                        ON i2.id = da.agendaitem_id JOIN meetings_meeting m2 ON m2.id = i2.meeting_id
                        WHERE da.decision_id = d.id AND m2.body = 'principal_office' AND m2.date <= m.date) AS prepared,
                EXISTS (SELECT 1 FROM decisions_decision_agenda_items da JOIN meetings_agendaitem i2
                        ON i2.id = da.agendaitem_id JOIN meetings_meeting m2 ON m2.id = i2.meeting_id
                        WHERE da.decision_id = d.id AND m2.body = 'principal_office' AND m2.date >= m.date) AS deployed
            FROM decisions_decision d JOIN meetings_agendaitem i ON i.id = d.deciding_item_id
            JOIN meetings_meeting m ON m.id = i.meeting_id
            WHERE d.status IN ('decided', 'implementing', 'closed') AND d.outcome = 'passed'
              AND d.category IN {SANZHONG} AND m.body = 'party_committee') x
        WHERE NOT prepared OR (NOT deployed AND status IN ('implementing', 'closed'))""",
    "LEGAL_REVIEW": f"""
        SELECT d.id, d.school_id FROM decisions_decision d
        WHERE d.status IN ('decided', 'implementing', 'closed') AND d.outcome = 'passed' AND d.category IN {SANZHONG}
          AND NOT EXISTS (SELECT 1 FROM decisions_legalreview r WHERE r.decision_id = d.id
                          AND r.reviewed_on <= d.decided_on)
          AND NOT ({_policy("d.school_id", "d.decided_on", "legal_review_exempt_categories")} ? d.category)""",
    "TASK_OVERDUE": """
        SELECT t.id, d.school_id FROM decisions_task t JOIN decisions_decision d ON d.id = t.decision_id
        WHERE t.due_on < %(today)s AND t.status <> 'done'""",
    "EMERGENCY_LATE": f"""
        SELECT c.id, c.school_id FROM meetings_communication c
        WHERE c.category = 'emergency' AND c.event_at IS NOT NULL
          AND c.occurred_at - c.event_at > make_interval(hours => {
        _policy("c.school_id", "(c.event_at AT TIME ZONE 'Asia/Shanghai')::date", "emergency_log_hours")
    })""",
    "PAIR_VACANCY": f"""
        SELECT school_id, post FROM (
            SELECT s.id AS school_id, v.post,
                   {_policy("s.id", "%(today)s", "vacancy_days")} AS lim,
                   COALESCE((SELECT max(a."end") + 1 FROM schools_appointment a WHERE a.school_id = s.id
                             AND a.post = ANY(v.posts) AND a."end" < %(today)s),
                            (s.created_at AT TIME ZONE 'Asia/Shanghai')::date) AS since
            FROM schools_school s CROSS JOIN (VALUES ('secretary', ARRAY['secretary']),
                 ('principal', ARRAY['principal', 'executive_principal'])) AS v(post, posts)
            WHERE s.is_active AND NOT EXISTS (
                SELECT 1 FROM schools_appointment a WHERE a.school_id = s.id AND a.post = ANY(v.posts)
                AND a.start <= %(today)s AND (a."end" IS NULL OR a."end" >= %(today)s))) x
        WHERE %(today)s - since > lim""",
    "REGULAR_TALK": f"""
        WITH periods(kind, first_day, last_day) AS (
            SELECT 'month', d::date, (d + interval '1 month' - interval '1 day')::date
            FROM generate_series(%(month0)s::date, %(month_last)s::date, interval '1 month') d
            UNION ALL
            SELECT 'week', w::date, (w + interval '6 day')::date
            FROM generate_series(%(week0)s::date, %(week_last)s::date, interval '1 week') w),
        checked AS (
            SELECT s.id AS school_id, p.kind, p.first_day, p.last_day,
                   {_policy("s.id", "p.last_day", "regular_talk_period")} AS period,
                   {APPOINTED.format(posts="('secretary')", day="p.last_day")} AS sec,
                   {APPOINTED.format(posts="('principal', 'executive_principal')", day="p.last_day")} AS pri
            FROM schools_school s CROSS JOIN periods p WHERE s.is_active)
        SELECT school_id, first_day FROM checked k
        WHERE period = kind AND sec IS NOT NULL AND pri IS NOT NULL AND sec <> pri AND NOT EXISTS (
            SELECT 1 FROM meetings_communication c WHERE c.school_id = k.school_id AND c.category = 'regular_talk'
            AND c.occurred_at >= (k.first_day::timestamp AT TIME ZONE 'Asia/Shanghai')
            AND c.occurred_at < ((k.last_day + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'))""",
}


def raw_rules() -> dict[str, int]:
    months = _month_starts(TODAY, MONTHS_CHECKED)
    this_monday = TODAY - timedelta(days=TODAY.weekday())
    params = {
        "today": TODAY,
        "month0": months[0],
        "month_last": months[-1],
        "week0": this_monday - timedelta(weeks=WEEKS_CHECKED),
        "week_last": this_monday - timedelta(weeks=1),
    }
    found = {}
    with connection.cursor() as cursor:
        for code, sql in RULE_SQL.items():
            cursor.execute(sql, params)
            found[code] = len(cursor.fetchall())
    return found


def engine() -> dict[str, int]:
    return run_rules(today=TODAY).by_rule


def main() -> None:
    engine()  # brings the stored findings up to date with today, so the runs below only check
    by_engine: dict[str, int] = {}
    queries = _common.count_queries(lambda: by_engine.update(engine()))
    some = list(School.objects.order_by("pk").values_list("pk", flat=True)[:10])
    counts = {
        "all_schools": queries,
        "ten_schools": _common.count_queries(lambda: run_rules(school_ids=some, today=TODAY)),
    }
    by_sql = raw_rules()
    differing = {code: (by_engine.get(code), n) for code, n in by_sql.items() if by_engine.get(code) != n}
    missing = sorted(set(by_engine) - set(by_sql))
    project, baseline = _common.side_by_side(engine, raw_rules, REPS, warmup=0)
    note = (
        f"run_rules() over all schools, {sum(by_engine.values())} breaches, {queries} queries; "
        "raw SQL: one statement per rule"
    )
    if differing:
        note += f"; counts differing engine/SQL: {differing}"
    if missing:
        note += f"; rules without SQL: {missing}"
    rows = [
        _common.result(
            "compliance_engine",
            project,
            baseline,
            target_ratio=2.0,
            note=note,
            breaches=by_engine,
            query_counts=counts,
            query_count_constant=counts["all_schools"] == counts["ten_schools"],
        )
    ]
    _common.write_results(ARGS.out, rows)


if __name__ == "__main__":
    main()
