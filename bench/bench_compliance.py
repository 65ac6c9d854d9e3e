"""Compliance engine (DESIGN §3, §7): `run_rules()` — every rule over every school, findings stored and synced —
against raw SQL of the same checks (one statement per rule returning the breaching records, policy parameters
looked up per record as the engine does, MINUTES_LATE on the same official calendar passed in as an array of
working days). The engine runs on an already checked database, so it opens and resolves little: what is
measured is checking, not inserting findings."""

import _common

ARGS = _common.parse_args(__doc__)
_common.setup_django(ARGS.quick)

from datetime import date, timedelta  # noqa: E402

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from core.workdays import CalendarNotCovered, is_working_day  # noqa: E402
from decisions.rules.engine import run_rules  # noqa: E402
from meetings.rules.periods import complete_periods  # noqa: E402
from schools.models import School  # noqa: E402

REPS = 3  # a full engine run takes tens of seconds on the 2000-school dataset
TODAY = timezone.localdate()
TZ = "'Asia/Shanghai'"
SANZHONG = "('major_decision', 'personnel', 'major_project', 'large_funds')"
PRE_COMMUNICATION = "('major_decision', 'personnel', 'major_project', 'large_funds', 'important')"
QUORUM_BODIES = "('party_committee', 'principal_office', 'joint')"
VOTING_BODIES = "('party_committee', 'staff_congress', 'joint')"
DONE = "('decided', 'implementing', 'closed')"


def _policy(school: str, day: str, column: str, default: str) -> str:
    """The policy parameter in force for a school on a day: the school's own first, then the district's, then
    the built-in default."""
    return f"""COALESCE((SELECT pp.{column} FROM schools_policy pp
               WHERE (pp.school_id = {school} OR pp.school_id IS NULL) AND pp.effective_from <= {day}
               ORDER BY pp.school_id IS NULL, pp.effective_from DESC LIMIT 1), {default})"""


def _local_date(column: str) -> str:
    return f"({column} AT TIME ZONE {TZ})::date"


def _holder(school: str, post: str, day: str) -> str:
    return f"""(SELECT a.person_id FROM schools_appointment a WHERE a.school_id = {school} AND a.post = '{post}'
               AND a.start <= {day} AND (a."end" IS NULL OR a."end" >= {day}) ORDER BY a.start, a.id LIMIT 1)"""


def _pair(school: str, day: str) -> str:
    """The pair as `schools.selectors.pair_people_on` picks it: the earliest appointment of each post in office."""
    principal = f"COALESCE({_holder(school, 'principal', day)}, {_holder(school, 'executive_principal', day)})"
    return f"{_holder(school, 'secretary', day)} AS sec, {principal} AS pri"


ITEM_COUNTS = """
    SELECT i.id, m.school_id, m.date, m.body, i.category, i.result, i.votes_for,
           (SELECT count(*) FROM meetings_attendance a WHERE a.meeting_id = i.meeting_id AND a.kind = 'member') AS e,
           (SELECT count(*) FROM meetings_attendance a WHERE a.meeting_id = i.meeting_id AND a.kind = 'member'
              AND a.status = 'present') AS p,
           (SELECT count(*) FROM meetings_recusal r WHERE r.item_id = i.id) AS recused
    FROM meetings_agendaitem i JOIN meetings_meeting m ON m.id = i.meeting_id
    WHERE i.result IN ('passed', 'rejected')"""
ITEMS = "meetings_agendaitem i JOIN meetings_meeting m ON m.id = i.meeting_id"
DECIDED_SANZHONG = f"d.status IN {DONE} AND d.outcome = 'passed' AND d.category IN {SANZHONG}"
PERIODS = """periods(kind, key, first_day, last_day) AS (
            SELECT * FROM unnest(%(period_kinds)s::text[], %(period_keys)s::text[], %(period_starts)s::date[],
                                 %(period_ends)s::date[]))"""
CONGRESS_APPROVAL = """EXISTS (
            SELECT 1 FROM decisions_decision_agenda_items da
            JOIN decisions_decision_agenda_items da2 ON da2.decision_id = da.decision_id
            JOIN meetings_agendaitem i2 ON i2.id = da2.agendaitem_id JOIN meetings_meeting m2 ON m2.id = i2.meeting_id
            WHERE da.agendaitem_id = x.id AND m2.body = 'staff_congress' AND i2.result = 'passed' AND m2.date <= x.date
              AND (SELECT count(*) FROM meetings_attendance a WHERE a.meeting_id = m2.id AND a.kind = 'member'
                   AND a.status = 'present') * 3
                  >= (SELECT count(*) FROM meetings_attendance a WHERE a.meeting_id = m2.id AND a.kind = 'member') * 2
              AND i2.votes_for * 2 > (SELECT count(*) FROM meetings_attendance a WHERE a.meeting_id = m2.id
                   AND a.kind = 'member' AND (NOT x.of_all AND a.status = 'present' OR x.of_all)))"""

RULE_SQL = {
    "QUORUM": f"""
        SELECT id, school_id FROM ({ITEM_COUNTS}) x
        WHERE (body IN {QUORUM_BODIES} AND (e = 0 OR p * 2 < e
               OR (p * 2 = e AND {_policy("school_id", "date", "quorum_strict", "false")})))
           OR (body = 'staff_congress' AND p * 3 < e * 2)""",
    "QUORUM_PERSONNEL": f"""
        SELECT id, school_id FROM ({ITEM_COUNTS}) x
        WHERE body IN {QUORUM_BODIES} AND p * 3 < e * 2
          AND COALESCE(NULLIF({_policy("school_id", "date", "personnel_quorum_categories", "'[]'::jsonb")},
                              '[]'::jsonb), '["personnel"]'::jsonb) ? category""",
    "MAJORITY": f"""
        SELECT id, school_id FROM (
            SELECT x.*, CASE WHEN body = 'staff_congress' THEN
                        CASE WHEN {_policy("school_id", "date", "staff_congress_pass_of_all", "true")} THEN e ELSE p END
                   ELSE CASE WHEN {_policy("school_id", "date", "recused_count_in_expected", "true")} THEN e
                        ELSE e - recused END END AS base
            FROM ({ITEM_COUNTS}) x WHERE result = 'passed' AND body IN {VOTING_BODIES}) y
        WHERE NOT (base > 0 AND COALESCE(votes_for, 0) * 2 > base)""",
    "WRONG_BODY": f"""
        SELECT d.id, d.school_id FROM decisions_decision d
        LEFT JOIN meetings_agendaitem i ON i.id = d.deciding_item_id LEFT JOIN meetings_meeting m ON m.id = i.meeting_id
        WHERE {DECIDED_SANZHONG} AND NOT d.is_emergency AND (m.body IS NULL OR m.body <> 'party_committee')""",
    "PRE_COMMUNICATION": f"""
        SELECT i.id, m.school_id FROM {ITEMS}
        WHERE i.category IN {PRE_COMMUNICATION} AND m.status <> 'preparing' AND NOT EXISTS (
            SELECT 1 FROM meetings_agendaitem_pre_communications pc
            JOIN meetings_communication c ON c.id = pc.communication_id
            WHERE pc.agendaitem_id = i.id AND c.confirmed_at IS NOT NULL
              AND (c.occurred_at AT TIME ZONE {TZ}) < m.date + COALESCE(m.start_time, time '00:00'))""",
    "DISAGREEMENT_FORCED": f"""
        SELECT i.id, m.school_id FROM {ITEMS}
        WHERE i.gate_override_reason = '' AND (
            SELECT c.outcome FROM meetings_agendaitem_pre_communications pc
            JOIN meetings_communication c ON c.id = pc.communication_id
            WHERE pc.agendaitem_id = i.id AND c.occurred_at <= i.created_at
            ORDER BY c.occurred_at DESC, c.id DESC LIMIT 1) = 'disagreement'""",
    "GATE_OVERRIDE": f"SELECT i.id, m.school_id FROM {ITEMS} WHERE i.gate_override_reason <> ''",
    "PERSONNEL_DELIBERATION": f"""
        SELECT i.id, m.school_id FROM {ITEMS}
        WHERE i.category = 'personnel' AND m.body IN ('party_committee', 'joint') AND m.status <> 'preparing'
          AND NOT EXISTS (SELECT 1 FROM meetings_deliberation dl WHERE dl.item_id = i.id AND dl.held_on <= m.date)""",
    "AGENDA_NOTICE": f"""
        SELECT m.id, m.school_id FROM meetings_meeting m
        WHERE m.body IN {QUORUM_BODIES} AND m.status <> 'preparing'
          AND (m.notice_sent_at IS NULL OR {_local_date("m.notice_sent_at")}
               > m.date - {_policy("m.school_id", "m.date", "notice_days", "1")})
        UNION ALL
        SELECT i.id, m.school_id FROM {ITEMS}
        WHERE i.added_at_meeting AND (NOT i.chair_consented OR i.category IN {SANZHONG})""",
    "SECRETARY_LAST": f"""
        SELECT i.id, m.school_id FROM {ITEMS}
        WHERE i.result IN ('passed', 'rejected') AND m.body = 'party_committee' AND i.secretary_spoke_last = false""",
    "RECUSAL": """
        SELECT DISTINCT i.id, m.school_id FROM meetings_vote v JOIN meetings_recusal r
            ON r.item_id = v.item_id AND r.person_id = v.person_id
        JOIN meetings_agendaitem i ON i.id = v.item_id JOIN meetings_meeting m ON m.id = i.meeting_id""",
    "ABSENT_LEAD": f"""
        SELECT i.id, m.school_id FROM {ITEMS}
        WHERE i.result IN ('passed', 'rejected') AND i.lead_member_id IS NOT NULL AND EXISTS (
            SELECT 1 FROM meetings_attendance a WHERE a.meeting_id = i.meeting_id AND a.person_id = i.lead_member_id
            AND a.kind = 'member' AND a.status <> 'present')""",
    "STAFF_CONGRESS": f"""
        SELECT id, school_id FROM (
            SELECT i.id, m.school_id, m.date,
                   {_policy("m.school_id", "m.date", "staff_congress_pass_of_all", "true")} AS of_all
            FROM {ITEMS}
            WHERE i.touches_staff_interests AND i.result = 'passed' AND m.body <> 'staff_congress') x
        WHERE NOT {CONGRESS_APPROVAL}""",
    "AMOUNT_TIER": f"""
        WITH amounts AS (
            SELECT d.id, d.school_id, d.category, d.tier, d.amount, COALESCE(d.same_matter_as_id, d.id) AS matter,
                   COALESCE(d.decided_on, {_local_date("d.created_at")}) AS day
            FROM decisions_decision d WHERE d.amount IS NOT NULL),
        checked AS (
            SELECT a.*, {_policy("a.school_id", "a.day", "amount_split_days", "90")} AS split_days,
                   {_policy("a.school_id", "a.day", "large_amount_threshold", "100000")} AS threshold
            FROM amounts a WHERE NOT (a.category = 'large_funds' AND a.tier = 'collective'))
        SELECT c.id, c.school_id FROM checked c
        JOIN amounts o ON o.matter = c.matter AND o.day BETWEEN c.day - c.split_days AND c.day
        GROUP BY c.id, c.school_id, c.threshold HAVING sum(o.amount) >= c.threshold""",
    "LEGAL_REVIEW": f"""
        SELECT d.id, d.school_id FROM decisions_decision d
        WHERE {DECIDED_SANZHONG} AND NOT d.is_emergency
          AND COALESCE((SELECT r.conclusion FROM decisions_legalreview r WHERE r.decision_id = d.id
                        AND r.reviewed_on <= d.decided_on ORDER BY r.reviewed_on DESC, r.id DESC LIMIT 1),
                       'unlawful') = 'unlawful'
          AND NOT ({_policy("d.school_id", "d.decided_on", "legal_review_exempt_categories", "'[]'::jsonb")}
                   ? d.category)""",
    "MEETING_ORDER": f"""
        WITH decided AS (
            SELECT d.id, d.school_id, d.status, d.decided_on,
                   {_policy("d.school_id", "d.decided_on", "meeting_order_exempt_categories", "'[]'::jsonb")}
                       ? d.category AS exempt
            FROM decisions_decision d JOIN meetings_agendaitem i ON i.id = d.deciding_item_id
            JOIN meetings_meeting m ON m.id = i.meeting_id
            WHERE {DECIDED_SANZHONG} AND NOT d.is_emergency AND m.body = 'party_committee'),
        office AS NOT MATERIALIZED (
            SELECT da.decision_id, m2.id AS meeting_id, m2.date FROM decisions_decision_agenda_items da
            JOIN meetings_agendaitem i2 ON i2.id = da.agendaitem_id JOIN meetings_meeting m2 ON m2.id = i2.meeting_id
            WHERE m2.body = 'principal_office')
        SELECT k.id, k.school_id FROM decided k
        WHERE (NOT k.exempt AND NOT EXISTS (
                   SELECT 1 FROM office o WHERE o.decision_id = k.id AND o.date <= k.decided_on))
           OR (k.status IN ('implementing', 'closed') AND NOT EXISTS (
                   SELECT 1 FROM office o WHERE o.decision_id = k.id AND o.date >= k.decided_on
                   AND (k.exempt OR EXISTS (
                       SELECT 1 FROM office p WHERE p.decision_id = k.id AND p.date <= k.decided_on
                       AND p.meeting_id <> o.meeting_id))))""",
    "MINUTES_LATE": f"""
        WITH days AS (
            SELECT d::date AS d, d::date = ANY(%(workdays)s::date[]) AS work
            FROM generate_series(%(calendar_first)s::date, %(calendar_last)s::date, interval '1 day') d),
        cal AS (SELECT d, work, count(*) FILTER (WHERE work) OVER (ORDER BY d) AS n FROM days),
        meetings AS (
            SELECT m.id, m.school_id, m.date, {_local_date("m.finalised_at")} AS signed,
                   {_policy("m.school_id", "m.date", "minutes_due_working_days", "2")} AS k
            FROM meetings_meeting m WHERE m.status <> 'preparing')
        SELECT x.id, x.school_id FROM meetings x JOIN cal c ON c.d = x.date
        JOIN cal due ON due.work AND due.n = c.n + x.k
        WHERE (x.signed IS NULL AND %(today)s > due.d) OR x.signed > due.d""",
    "TASK_OVERDUE": """
        SELECT t.id, d.school_id FROM decisions_task t JOIN decisions_decision d ON d.id = t.decision_id
        WHERE t.due_on < %(today)s AND t.status <> 'done'""",
    "REPORT_BACK": f"""
        SELECT d.id, d.school_id FROM decisions_decision d
        WHERE d.status = 'closed' AND d.category IN {SANZHONG}
          AND NOT EXISTS (SELECT 1 FROM decisions_implementationreport r WHERE r.decision_id = d.id)""",
    "EMERGENCY_DECISION": """
        SELECT id, school_id FROM (
            SELECT d.id, d.school_id, d.decided_on,
                   (SELECT m.date FROM meetings_meeting m WHERE m.school_id = d.school_id
                    AND m.body = 'party_committee' AND m.status <> 'preparing' AND m.date > d.decided_on
                    ORDER BY m.date, m.id LIMIT 1) AS next_meeting
            FROM decisions_decision d WHERE d.is_emergency AND d.decided_on IS NOT NULL) x
        WHERE next_meeting IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM decisions_decision_agenda_items da JOIN meetings_agendaitem i ON i.id = da.agendaitem_id
            JOIN meetings_meeting m ON m.id = i.meeting_id
            WHERE da.decision_id = x.id AND m.body = 'party_committee' AND m.date > x.decided_on
              AND m.date <= x.next_meeting)""",
    "REGULAR_TALK": f"""
        WITH {PERIODS},
        kinds(prefix, categories) AS (VALUES ('daily', ARRAY['daily_talk', 'regular_talk']),
                                             ('deep', ARRAY['regular_talk'])),
        checked AS (
            SELECT s.id AS school_id, p.kind, p.key, p.first_day, p.last_day,
                   {_policy("s.id", "p.last_day", "daily_talk_period", "'week'")} AS daily_period,
                   {_policy("s.id", "p.last_day", "regular_talk_period", "'month'")} AS deep_period,
                   {_pair("s.id", "p.last_day")}
            FROM schools_school s CROSS JOIN periods p WHERE s.is_active)
        SELECT k.school_id, t.prefix, k.key FROM checked k CROSS JOIN kinds t
        WHERE k.sec IS NOT NULL AND k.pri IS NOT NULL AND k.sec <> k.pri
          AND CASE t.prefix WHEN 'daily' THEN k.daily_period ELSE k.deep_period END = k.kind
          AND NOT EXISTS (
            SELECT 1 FROM meetings_communication c WHERE c.school_id = k.school_id AND c.category = ANY(t.categories)
            AND c.occurred_at >= (k.first_day::timestamp AT TIME ZONE {TZ})
            AND c.occurred_at < ((k.last_day + 1)::timestamp AT TIME ZONE {TZ}))""",
    "EMERGENCY_LATE": f"""
        SELECT c.id, c.school_id FROM meetings_communication c
        WHERE c.category = 'emergency' AND c.event_at IS NOT NULL
          AND c.occurred_at - c.event_at > make_interval(hours => {
        _policy("c.school_id", _local_date("c.event_at"), "emergency_log_hours", "24")
    })""",
    "MEETING_FREQUENCY": f"""
        WITH {PERIODS},
        checked AS (
            SELECT s.id AS school_id, p.kind, p.key, p.first_day, p.last_day,
                   {_policy("s.id", "p.last_day", "meeting_period", "'month'")} AS period
            FROM schools_school s CROSS JOIN periods p
            WHERE s.is_active AND p.first_day >= {_local_date("s.created_at")})
        SELECT k.school_id, b.body, k.key FROM checked k
        CROSS JOIN (VALUES ('party_committee'), ('principal_office')) AS b(body)
        WHERE k.period = k.kind AND NOT EXISTS (
            SELECT 1 FROM meetings_meeting m WHERE m.school_id = k.school_id AND m.body = b.body
            AND m.status <> 'preparing' AND m.date BETWEEN k.first_day AND k.last_day AND m.date < %(today)s)""",
    "PAIR_VACANCY": f"""
        SELECT school_id, post FROM (
            SELECT s.id AS school_id, v.post,
                   {_policy("s.id", "%(today)s", "vacancy_days", "30")} AS lim,
                   COALESCE((SELECT max(a."end") + 1 FROM schools_appointment a WHERE a.school_id = s.id
                             AND a.post = ANY(v.posts) AND a."end" < %(today)s),
                            {_local_date("s.created_at")}) AS since
            FROM schools_school s CROSS JOIN (VALUES ('secretary', ARRAY['secretary']),
                 ('principal', ARRAY['principal', 'executive_principal'])) AS v(post, posts)
            WHERE s.is_active AND NOT EXISTS (
                SELECT 1 FROM schools_appointment a WHERE a.school_id = s.id AND a.post = ANY(v.posts)
                AND a.start <= %(today)s AND (a."end" IS NULL OR a."end" >= %(today)s))) x
        WHERE %(today)s - since + 1 > lim""",
    "DUAL_POSTS": f"""
        SELECT school_id FROM (
            SELECT s.id AS school_id, {_pair("s.id", "%(today)s::date")}
            FROM schools_school s WHERE s.is_active AND s.party_org_type IN ('committee', 'general_branch')) x
        WHERE sec IS NOT NULL AND sec = pri""",
}


def _calendar(first: date) -> tuple[list[date], date]:
    """The working days on the official calendar from `first` to the last day it covers."""
    days, day = [], first
    while True:
        try:
            if is_working_day(day):
                days.append(day)
        except CalendarNotCovered:
            return days, day - timedelta(days=1)
        day += timedelta(days=1)


def _params() -> dict:
    periods = complete_periods(TODAY)
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(date) FROM meetings_meeting")
        first = cursor.fetchone()[0] or TODAY
    workdays, last = _calendar(first)
    return {
        "today": TODAY,
        "period_kinds": [str(p.kind) for p in periods],
        "period_keys": [p.key for p in periods],
        "period_starts": [p.start for p in periods],
        "period_ends": [p.end for p in periods],
        "workdays": workdays,
        "calendar_first": first,
        "calendar_last": last,
    }


PARAMS: dict = {}  # filled once before timing (periods and the official calendar are not what is measured)


def raw_rules() -> dict[str, int]:
    params = PARAMS
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
    PARAMS.update(_params())
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
