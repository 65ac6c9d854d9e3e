"""制度依据 (/rules/): every rule with its source, quote and parameter in force, open findings counted in the
reader's scope; findings link to their rule; a policy change recomputes the findings computed under it."""

import datetime
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from core.rules import ORDER, RULES, SOURCES
from decisions.models import Finding
from haidian_governance.celery import app as celery_app
from meetings.choices import MeetingStatus
from schools.models import Policy, School
from tests.factories import MeetingFactory, PolicyFactory

D = datetime.date


def finding(school, rule="QUORUM", key=""):
    return Finding.objects.create(
        rule=rule,
        severity=RULES[rule].severity,
        school=school,
        content_type=ContentType.objects.get_for_model(School),
        object_id=school.pk,
        key=key,
        message=f"{rule} 测试提示",
        last_seen=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC),
    )


def test_every_rule_is_registered_with_its_text():
    assert list(RULES) == [code for code in ORDER if code in RULES]
    assert set(RULES) == set(ORDER)
    for code, rule in RULES.items():
        assert rule.title and rule.summary and rule.edge and rule.quote and rule.remedy, code
        assert rule.source in SOURCES, code
        for name in rule.parameters:
            assert Policy._meta.get_field(name), (code, name)


@pytest.mark.parametrize(
    "actor", ["district_admin", "district_viewer", "xuequ_viewer", "secretary_a", "principal_a", "clerk_b"]
)
def test_every_role_reads_the_rulebook(client, request, actor):
    client.force_login(request.getfixturevalue(actor))
    page = client.get(reverse("rule_list")).content.decode()
    for code, rule in RULES.items():
        assert f'id="rule-{code}"' in page
        assert rule.quote in page or rule.quote.replace("“", "&ldquo;") in page or code in page
    assert "中共中央办公厅" in page  # the 意见's issuer, quoted as the source
    assert "半数以上" in page


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(reverse("rule_list"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_unknown_rule_is_404(client, secretary_a):
    client.force_login(secretary_a)
    assert client.get(reverse("rule_detail", args=["NO_SUCH_RULE"])).status_code == 404
    assert client.get(reverse("rule_detail", args=["QUORUM"])).status_code == 200


def test_open_findings_are_counted_in_the_readers_scope(client, school_a, school_b, secretary_a, district_admin):
    finding(school_a)
    finding(school_b)
    resolved = finding(school_a, key="old")
    resolved.resolved_at = resolved.last_seen
    resolved.save()
    client.force_login(secretary_a)
    detail = client.get(reverse("rule_detail", args=["QUORUM"])).content.decode()
    assert "未整改 1 条" in detail and "?rule=QUORUM" in detail
    client.force_login(district_admin)
    assert "未整改 2 条" in client.get(reverse("rule_detail", args=["QUORUM"])).content.decode()


def test_parameter_in_force_and_since_when(client, school_a, secretary_a, district_admin):
    PolicyFactory(effective_from=D(2023, 9, 1), quorum_strict=False, minutes_due_working_days=3)
    PolicyFactory(school=school_a, effective_from=D(2024, 3, 1), quorum_strict=True)
    client.force_login(district_admin)
    district = client.get(reverse("rule_detail", args=["MINUTES_LATE"])).content.decode()
    assert "纪要签发时限（工作日）" in district and "3" in district and "全区制度参数，自 2023-09-01 起" in district
    client.force_login(secretary_a)
    own = client.get(reverse("rule_detail", args=["QUORUM"])).content.decode()
    assert "到会人数须超过半数" in own and "是" in own and f"{school_a.name}制度参数，自 2024-03-01 起" in own


def test_rulebook_query_count_does_not_grow_with_findings(
    client, school_a, district_admin, django_assert_max_num_queries
):
    for code in list(RULES)[:10]:
        finding(school_a, rule=code)
    client.force_login(district_admin)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("rule_list")).status_code == 200


def test_findings_link_to_their_rule(client, school_a, district_admin):
    finding(school_a, rule="MAJORITY")
    client.force_login(district_admin)
    page = client.get(reverse("finding_list")).content.decode()
    assert reverse("rule_detail", args=["MAJORITY"]) in page
    school_page = client.get(reverse("school_findings", args=[school_a.pk])).content.decode()
    assert reverse("rule_detail", args=["MAJORITY"]) in school_page


def test_policy_change_recomputes_findings_and_records_the_version(
    school_a, django_capture_on_commit_callbacks, settings, monkeypatch
):
    settings.COMPLIANCE_CHECK_ON_WRITE = True
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)  # the task in-process, with or without a broker
    # Held on Monday 2026-11-02, never signed: late under 2 working days.
    MeetingFactory(school=school_a, date=D(2026, 11, 2), status=MeetingStatus.HELD)
    with django_capture_on_commit_callbacks(execute=True):
        first = PolicyFactory(effective_from=D(2020, 1, 1), minutes_due_working_days=2)
    late = Finding.objects.get(rule="MINUTES_LATE", school=school_a, resolved_at__isnull=True)
    assert late.policy_id == first.pk
    # A school's own version in force from before the meeting: the engine recomputes the school's findings under it.
    with django_capture_on_commit_callbacks(execute=True):
        lenient = PolicyFactory(school=school_a, effective_from=D(2026, 1, 1), minutes_due_working_days=200)
    late.refresh_from_db()
    assert late.resolved_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        lenient.delete()
    reopened = Finding.objects.get(rule="MINUTES_LATE", school=school_a, resolved_at__isnull=True)
    assert reopened.policy_id == first.pk


def test_committed_rule_table_is_current():
    """docs/rulebook.md is the rule table as built; regenerate with `manage.py rulebook --out docs/rulebook.md`."""
    from pathlib import Path

    from django.core.management import call_command

    out = io.StringIO()
    call_command("rulebook", stdout=out)
    committed = Path(__file__).resolve().parents[2] / "docs" / "rulebook.md"
    assert committed.read_text(encoding="utf-8") == out.getvalue(), "docs/rulebook.md is stale: run manage.py rulebook"


def test_rules_api_lists_every_rule_with_scoped_counts(client, school_a, school_b, secretary_a, district_viewer):
    finding(school_a, rule="DUAL_POSTS")
    finding(school_b, rule="DUAL_POSTS")
    client.force_login(secretary_a)
    rows = client.get("/api/v1/rules/").json()
    assert [row["code"] for row in rows] == list(RULES)
    dual = client.get("/api/v1/rules/DUAL_POSTS/").json()
    assert dual["open_count"] == 1 and "双正职" in dual["quote"] and dual["source_kind"] == "北京市"
    client.force_login(district_viewer)
    assert client.get("/api/v1/rules/DUAL_POSTS/").json()["open_count"] == 2
    assert client.get("/api/v1/rules/NOPE/").status_code == 404


def test_finding_api_names_the_policy_version(client, school_a, district_admin):
    policy = PolicyFactory(effective_from=D(2024, 1, 1))
    row = finding(school_a)
    row.policy = policy
    row.save()
    client.force_login(district_admin)
    data = client.get(f"/api/v1/findings/{row.pk}/").json()
    assert data["policy"] == policy.pk and data["rule"] == "QUORUM"
