"""District dashboard (DESIGN §7): every figure of `reports.selectors.district_dashboard` for a district user
over the default period (the last 12 months), against the raw aggregate SQL the same figures need, run on the
same connection. The query count is taken for the whole district and for one 学区: it must be the same."""

import _common

ARGS = _common.parse_args(__doc__)
_common.setup_django(ARGS.quick)

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from decisions.models import Decision  # noqa: E402
from meetings.models import AgendaItem  # noqa: E402
from reports.selectors import DashboardScope, default_period, district_dashboard  # noqa: E402
from schools.models import SchoolDistrict  # noqa: E402

REPS = 5 if ARGS.quick else 11
TODAY = timezone.localdate()
DATE_FROM, DATE_TO = default_period(TODAY)
SCOPE = DashboardScope(date_from=DATE_FROM, date_to=DATE_TO)
USER = _common.bench_user()

SQL = {
    "schools": """
        SELECT s.id, s.is_active, s.district_id, d.code, d.name, s.group_id, g.code, g.name
        FROM schools_school s JOIN schools_schooldistrict d ON d.id = s.district_id
        LEFT JOIN schools_educationgroup g ON g.id = s.group_id ORDER BY d.code, s.code""",
    "pairs": """
        WITH p AS (
            SELECT school_id, max(person_id) FILTER (WHERE post = 'secretary') AS sec,
                   max(person_id) FILTER (WHERE post IN ('principal', 'executive_principal')) AS pri
            FROM schools_appointment
            WHERE start <= %(to)s AND ("end" IS NULL OR "end" >= %(to)s)
              AND post IN ('secretary', 'principal', 'executive_principal')
            GROUP BY school_id)
        SELECT s.district_id, s.group_id, count(*),
               count(*) FILTER (WHERE p.sec IS NOT NULL AND p.pri IS NOT NULL),
               count(*) FILTER (WHERE p.sec IS NULL OR p.pri IS NULL),
               count(*) FILTER (WHERE p.sec = p.pri)
        FROM schools_school s LEFT JOIN p ON p.school_id = s.id WHERE s.is_active GROUP BY 1, 2""",
    "communications": """
        SELECT s.district_id, s.group_id, c.category, count(*)
        FROM meetings_communication c JOIN schools_school s ON s.id = c.school_id
        WHERE c.occurred_at >= %(start_at)s AND c.occurred_at < %(end_at)s GROUP BY 1, 2, 3""",
    "meetings": """
        SELECT s.district_id, s.group_id, m.body, count(*)
        FROM meetings_meeting m JOIN schools_school s ON s.id = m.school_id
        WHERE m.date >= %(from)s AND m.date <= %(to)s GROUP BY 1, 2, 3""",
    "decisions": """
        SELECT s.district_id, s.group_id, d.category, count(*),
               count(*) FILTER (WHERE NOT EXISTS (
                   SELECT 1 FROM decisions_finding f WHERE f.resolved_at IS NULL
                   AND f.content_type_id = %(decision_ct)s AND f.object_id = d.id)
                 AND NOT EXISTS (
                   SELECT 1 FROM decisions_finding f WHERE f.resolved_at IS NULL
                   AND f.content_type_id = %(item_ct)s AND f.object_id = d.deciding_item_id))
        FROM decisions_decision d JOIN schools_school s ON s.id = d.school_id
        WHERE d.category IN ('major_decision', 'personnel', 'major_project', 'large_funds')
          AND d.decided_on >= %(from)s AND d.decided_on <= %(to)s GROUP BY 1, 2, 3""",
    "findings": """
        SELECT s.district_id, s.group_id, f.rule, count(*)
        FROM decisions_finding f JOIN schools_school s ON s.id = f.school_id
        WHERE f.resolved_at IS NULL GROUP BY 1, 2, 3""",
    "overdue": """
        SELECT s.district_id, s.group_id, count(*)
        FROM decisions_task t JOIN decisions_decision d ON d.id = t.decision_id
        JOIN schools_school s ON s.id = d.school_id
        WHERE t.due_on < %(today)s AND t.status <> 'done' GROUP BY 1, 2""",
    "top_schools": """
        SELECT s.id, s.code, s.name, d.name, count(f.id) AS n
        FROM schools_school s JOIN schools_schooldistrict d ON d.id = s.district_id
        JOIN decisions_finding f ON f.school_id = s.id AND f.resolved_at IS NULL
        GROUP BY s.id, d.name ORDER BY n DESC, s.code LIMIT 20""",
    "trend_communications": """
        SELECT date_trunc('month', occurred_at AT TIME ZONE 'Asia/Shanghai'), count(*)
        FROM meetings_communication WHERE occurred_at >= %(trend_start)s AND occurred_at < %(end_at)s GROUP BY 1""",
    "trend_meetings": """
        SELECT date_trunc('month', date), count(*) FROM meetings_meeting
        WHERE date >= %(trend_from)s AND date <= %(to)s GROUP BY 1""",
    "trend_decisions": """
        SELECT date_trunc('month', decided_on), count(*) FROM decisions_decision
        WHERE category IN ('major_decision', 'personnel', 'major_project', 'large_funds')
          AND decided_on >= %(trend_from)s AND decided_on <= %(to)s GROUP BY 1""",
    "trend_findings": """
        SELECT date_trunc('month', first_seen AT TIME ZONE 'Asia/Shanghai'), count(*)
        FROM decisions_finding WHERE first_seen >= %(trend_start)s AND first_seen < %(end_at)s GROUP BY 1""",
}


def raw_dashboard() -> dict:
    months = SCOPE.trend_months()
    params = {
        "from": DATE_FROM,
        "to": DATE_TO,
        "today": TODAY,
        "start_at": SCOPE.start_at,
        "end_at": SCOPE.end_at,
        "trend_from": months[0],
        "trend_start": DashboardScope(date_from=months[0], date_to=DATE_TO).start_at,
        "decision_ct": ContentType.objects.get_for_model(Decision).pk,
        "item_ct": ContentType.objects.get_for_model(AgendaItem).pk,
    }
    figures = {}
    with connection.cursor() as cursor:
        for name, sql in SQL.items():
            cursor.execute(sql, params)
            figures[name] = cursor.fetchall()
    return figures


def project_dashboard():
    return district_dashboard(user=USER, scope=SCOPE, today=TODAY)


def main() -> None:
    one_district = DashboardScope(
        date_from=DATE_FROM, date_to=DATE_TO, district_id=SchoolDistrict.objects.order_by("pk").first().pk
    )
    counts = {
        "whole_district": _common.count_queries(project_dashboard),
        "one_xuequ": _common.count_queries(lambda: district_dashboard(user=USER, scope=one_district, today=TODAY)),
    }
    dashboard = project_dashboard()
    raw = raw_dashboard()
    assert dashboard.total.communications_total == sum(row[3] for row in raw["communications"])
    assert dashboard.total.open_findings == sum(row[3] for row in raw["findings"])
    project, baseline = _common.side_by_side(project_dashboard, raw_dashboard, REPS)
    rows = [
        _common.result(
            "district_dashboard",
            project,
            baseline,
            target_ratio=1.5,
            note="reports.selectors.district_dashboard (all figures, 12 months, district user) vs "
            f"{len(SQL)} raw aggregate SQL statements",
            query_counts=counts,
            query_count_constant=counts["whole_district"] == counts["one_xuequ"],
        )
    ]
    _common.write_results(ARGS.out, rows)


if __name__ == "__main__":
    main()
