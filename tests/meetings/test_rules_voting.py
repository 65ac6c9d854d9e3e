"""Rulebook v2 at the voting bodies and at the 校长办公会 (DESIGN §3 QUORUM, QUORUM_PERSONNEL, MAJORITY, "no vote").

Every edge from both sides: the service refuses (or computes) before it writes, and `run_rules` flags an imported
record (a factory-made decided item) that breaks the same rule.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from decisions.models import Finding
from decisions.rules import run_rules
from meetings.choices import ItemResult, MatterCategory, PrincipalDecision
from meetings.models import AgendaItem, Recusal
from meetings.services import agenda_item_defer, agenda_item_record_principal_decision, agenda_item_record_votes
from meetings.services.agenda import agenda_item_update
from schools.choices import MeetingBody
from tests.factories import AgendaItemFactory, HeldMeetingFactory, PolicyFactory

PARTY = MeetingBody.PARTY_COMMITTEE
OFFICE = MeetingBody.PRINCIPAL_OFFICE
CONGRESS = MeetingBody.STAFF_CONGRESS
JOINT = MeetingBody.JOINT


def flagged(code: str, item: AgendaItem) -> bool:
    run_rules(codes=[code], school_ids=[item.meeting.school_id])
    return Finding.objects.filter(rule=code, object_id=item.pk, resolved_at__isnull=True).exists()


def item_at(school, body, roster, **item_fields) -> AgendaItem:
    return AgendaItemFactory(meeting=HeldMeetingFactory(school=school, body=body, roster=roster), **item_fields)


def vote(user, item, votes_for, against=0, **kwargs) -> AgendaItem:
    spoke = True if item.meeting.body == PARTY else None
    return agenda_item_record_votes(
        user=user, item=item, totals=(votes_for, against, 0), secretary_spoke_last=spoke, **kwargs
    )


def decided(school, body, roster, *, votes_for, result=ItemResult.PASSED, **item_fields) -> AgendaItem:
    """An imported record: stored as it came, never through the services."""
    return item_at(
        school, body, roster, votes_for=votes_for, votes_against=0, votes_abstain=0, result=result, **item_fields
    )


# --- QUORUM: 半数以上 ------------------------------------------------------------------------------------------
def test_exactly_half_present_is_quorate(school_a, secretary_a):
    item = item_at(school_a, PARTY, (4, 2))
    assert vote(secretary_a, item, 2, 0).result == ItemResult.REJECTED  # quorate; 2 of 4 is not 超过半数
    assert not flagged("QUORUM", item)


def test_below_half_present_is_refused_and_an_imported_decision_flagged(school_a, secretary_a):
    item = item_at(school_a, PARTY, (4, 1))
    with pytest.raises(ValidationError, match="实到 1 人，未达到应到人数半数以上"):
        vote(secretary_a, item, 1)
    item.refresh_from_db()
    assert item.result == ItemResult.PENDING and item.votes_for is None
    assert flagged("QUORUM", decided(school_a, PARTY, (4, 1), votes_for=1))
    assert not flagged("QUORUM", decided(school_a, PARTY, (4, 2), votes_for=2, result=ItemResult.REJECTED))


def test_strict_policy_makes_exactly_half_not_quorate(school_a, secretary_a):
    PolicyFactory(school=school_a, quorum_strict=True)
    item = item_at(school_a, PARTY, (4, 2))
    with pytest.raises(ValidationError, match="未达到应到人数超过半数"):
        vote(secretary_a, item, 2)
    assert flagged("QUORUM", decided(school_a, PARTY, (4, 2), votes_for=2, result=ItemResult.REJECTED))
    assert vote(secretary_a, item_at(school_a, PARTY, (4, 3)), 3).result == ItemResult.PASSED


# --- QUORUM_PERSONNEL: 三分之二以上 ------------------------------------------------------------------------------
def test_personnel_item_needs_two_thirds_present(school_a, secretary_a):
    ok = item_at(school_a, PARTY, (6, 4), category=MatterCategory.PERSONNEL)
    assert vote(secretary_a, ok, 4).result == ItemResult.PASSED
    assert not flagged("QUORUM_PERSONNEL", ok)
    short = item_at(school_a, PARTY, (6, 3), category=MatterCategory.PERSONNEL)
    with pytest.raises(ValidationError, match="三分之二以上"):
        vote(secretary_a, short, 3)
    imported = decided(school_a, PARTY, (6, 3), votes_for=3, category=MatterCategory.PERSONNEL)
    assert flagged("QUORUM_PERSONNEL", imported)


def test_policy_adds_categories_to_the_two_thirds_quorum(school_a, secretary_a):
    PolicyFactory(school=school_a, personnel_quorum_categories=["personnel", "major_project"])
    item = item_at(school_a, PARTY, (6, 3), category=MatterCategory.MAJOR_PROJECT)
    with pytest.raises(ValidationError, match="三分之二以上"):
        vote(secretary_a, item, 3)
    general = item_at(school_a, PARTY, (6, 3))  # 半数以上 is enough for a category the policy does not list
    assert vote(secretary_a, general, 3).result == ItemResult.REJECTED


# --- MAJORITY: 超过半数 of 应到 ----------------------------------------------------------------------------------
@pytest.mark.parametrize("body", [PARTY, JOINT])
def test_exactly_half_of_expected_in_favour_is_rejected(school_a, secretary_a, body):
    assert vote(secretary_a, item_at(school_a, body, (6, 6)), 3, 3).result == ItemResult.REJECTED
    assert vote(secretary_a, item_at(school_a, body, (6, 6)), 4, 2).result == ItemResult.PASSED


def test_claimed_pass_with_half_the_votes_is_refused(school_a, secretary_a):
    with pytest.raises(ValidationError, match="未通过"):
        vote(secretary_a, item_at(school_a, PARTY, (6, 6)), 3, claimed_result=ItemResult.PASSED)


def test_imported_pass_with_half_the_votes_is_flagged(school_a):
    assert flagged("MAJORITY", decided(school_a, PARTY, (6, 6), votes_for=3))
    assert not flagged("MAJORITY", decided(school_a, PARTY, (6, 6), votes_for=4))


# --- recusals and the majority base --------------------------------------------------------------------------
def _with_recusal(user, school, votes_for):
    item = item_at(school, PARTY, (6, 6))
    return vote(user, item, votes_for, recusals={item.meeting.members[5].pk: "近亲属"})


def test_recused_member_counts_in_expected_by_default(school_a, secretary_a):
    # base 6: 3 of the 5 who may vote is not 超过半数
    assert _with_recusal(secretary_a, school_a, 3).result == ItemResult.REJECTED
    assert _with_recusal(secretary_a, school_a, 4).result == ItemResult.PASSED


def test_recused_member_left_out_of_the_base_by_policy(school_a, secretary_a):
    PolicyFactory(school=school_a, recused_count_in_expected=False)
    # base 5: 3 is 超过半数, 2 is not
    assert _with_recusal(secretary_a, school_a, 3).result == ItemResult.PASSED
    assert _with_recusal(secretary_a, school_a, 2).result == ItemResult.REJECTED


def test_majority_rule_reads_the_recusal_policy(school_a):
    imported = decided(school_a, PARTY, (6, 6), votes_for=3)
    Recusal.objects.create(item=imported, person=imported.meeting.members[5], reason="近亲属")
    assert flagged("MAJORITY", imported)
    PolicyFactory(school=school_a, recused_count_in_expected=False)
    assert not flagged("MAJORITY", imported)


# --- 教代会: ⅔ of 代表 present, passed by more than half of all 代表 ----------------------------------------------
def test_staff_congress_needs_two_thirds_of_representatives(school_a, secretary_a):
    assert vote(secretary_a, item_at(school_a, CONGRESS, (30, 20)), 16).result == ItemResult.PASSED
    with pytest.raises(ValidationError, match="实到 19 人，未达到应到人数三分之二以上"):
        vote(secretary_a, item_at(school_a, CONGRESS, (30, 19)), 19)
    assert flagged("QUORUM", decided(school_a, CONGRESS, (30, 19), votes_for=19))
    assert not flagged("QUORUM", decided(school_a, CONGRESS, (30, 20), votes_for=16))


def test_staff_congress_passes_by_more_than_half_of_all_representatives(school_a, secretary_a):
    assert vote(secretary_a, item_at(school_a, CONGRESS, (30, 20)), 16).result == ItemResult.PASSED
    assert vote(secretary_a, item_at(school_a, CONGRESS, (30, 20)), 15).result == ItemResult.REJECTED
    assert flagged("MAJORITY", decided(school_a, CONGRESS, (30, 20), votes_for=15))
    assert not flagged("MAJORITY", decided(school_a, CONGRESS, (30, 20), votes_for=16))


def test_staff_congress_policy_off_counts_those_present(school_a, secretary_a):
    PolicyFactory(school=school_a, staff_congress_pass_of_all=False)
    # 20 present: 11 is 超过半数 of them, 10 is not
    assert vote(secretary_a, item_at(school_a, CONGRESS, (30, 20)), 11).result == ItemResult.PASSED
    assert vote(secretary_a, item_at(school_a, CONGRESS, (30, 20)), 10).result == ItemResult.REJECTED
    assert not flagged("MAJORITY", decided(school_a, CONGRESS, (30, 20), votes_for=11))
    assert flagged("MAJORITY", decided(school_a, CONGRESS, (30, 20), votes_for=10))


# --- 校长办公会: the principal decides --------------------------------------------------------------------------
def decide(user, item, decision=PrincipalDecision.AGREE, views="各位副校长均表示同意。", reason=""):
    return agenda_item_record_principal_decision(
        user=user, item=item, principal_decision=decision, views_heard=views, reason=reason
    )


@pytest.mark.parametrize(
    ("decision", "result"),
    [
        (PrincipalDecision.AGREE, ItemResult.PASSED),
        (PrincipalDecision.DISAGREE, ItemResult.REJECTED),
        (PrincipalDecision.DEFER, ItemResult.DEFERRED),
    ],
)
def test_principal_decision_sets_the_result(school_a, principal_a, decision, result):
    item = decide(principal_a, item_at(school_a, OFFICE, (5, 3)), decision, reason="待调研")
    assert (item.principal_decision, item.result, item.views_heard) == (decision, result, "各位副校长均表示同意。")
    assert item.deferral_reason == ("待调研" if decision == PrincipalDecision.DEFER else "")
    assert item.history.count() == 2


def test_principal_decision_with_no_votes_raises_nothing(school_a, principal_a):
    item = decide(principal_a, item_at(school_a, OFFICE, (4, 2)))
    assert item.votes_for is None
    for code in ("QUORUM", "QUORUM_PERSONNEL", "MAJORITY"):
        assert not flagged(code, item)


def test_principal_decision_needs_quorum_views_and_a_reason(school_a, principal_a):
    with pytest.raises(ValidationError, match="实到 1 人，未达到应到人数半数以上"):
        decide(principal_a, item_at(school_a, OFFICE, (4, 1)))
    item = item_at(school_a, OFFICE, (4, 2))
    with pytest.raises(ValidationError) as exc:
        decide(principal_a, item, PrincipalDecision.DEFER, views="  ")
    assert set(exc.value.message_dict) == {"views_heard", "deferral_reason"}
    with pytest.raises(ValidationError, match="请选择校长决定"):
        decide(principal_a, item, "passed")
    item.refresh_from_db()
    assert (item.result, item.principal_decision, item.views_heard) == (ItemResult.PENDING, "", "")
    # 暂缓 decides nothing, so a meeting short of quorum may defer
    short = decide(principal_a, item_at(school_a, OFFICE, (4, 1)), PrincipalDecision.DEFER, reason="人数不足")
    assert short.result == ItemResult.DEFERRED


def test_principal_decision_only_at_a_held_principal_office(school_a, principal_a):
    with pytest.raises(ValidationError, match="只有校长办公会"):
        decide(principal_a, item_at(school_a, PARTY, (5, 5)))
    preparing = AgendaItemFactory(meeting=HeldMeetingFactory(school=school_a, body=OFFICE, status="preparing"))
    with pytest.raises(ValidationError, match="会议召开"):
        decide(principal_a, preparing)


def test_imported_principal_office_pass_without_quorum_is_flagged(school_a):
    imported = item_at(school_a, OFFICE, (4, 1), principal_decision=PrincipalDecision.AGREE, result=ItemResult.PASSED)
    assert flagged("QUORUM", imported)
    assert not flagged("MAJORITY", imported)


def test_legacy_votes_at_principal_office_are_views_only(school_a, principal_a):
    item = item_at(school_a, OFFICE, (5, 5))
    item = vote(principal_a, item, 5)
    assert (item.result, item.votes_for) == (ItemResult.PENDING, 5)
    item = decide(principal_a, item, PrincipalDecision.DISAGREE)
    item = vote(principal_a, item, 5, claimed_result=ItemResult.PASSED)  # claimed result not compared there
    assert (item.result, item.principal_decision) == (ItemResult.REJECTED, PrincipalDecision.DISAGREE)
    assert not flagged("MAJORITY", item)


def test_update_keeps_the_principal_decision(school_a, principal_a):
    item = decide(principal_a, item_at(school_a, OFFICE, (5, 5)), PrincipalDecision.AGREE)
    item = vote(principal_a, item, 0, 5)  # 表态 all against: counted nowhere
    item = agenda_item_update(user=principal_a, item=item, title="改名")
    assert item.result == ItemResult.PASSED


def test_defer_at_principal_office_clears_the_decision(school_a, principal_a):
    item = decide(principal_a, item_at(school_a, OFFICE, (5, 5)), PrincipalDecision.AGREE)
    item = agenda_item_defer(user=principal_a, item=item, reason="议题材料不全")
    assert (item.result, item.principal_decision) == (ItemResult.DEFERRED, "")


# --- pages --------------------------------------------------------------------------------------------------
def _count(client, url) -> int:
    client.get(url)  # warm caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_meeting_page_records_the_principal_decision(school_a, principal_a, login):
    item = item_at(school_a, OFFICE, (4, 2))
    client = login(principal_a)
    page = client.get(reverse("meeting_detail", args=[item.meeting_id])).content.decode()
    assert "校长决定：<strong" in page and "待决定" in page and "登记校长决定" in page
    assert reverse("item_principal_decision", args=[item.meeting_id, item.pk]) in page
    assert ">登记表决</a>" not in page
    url = reverse("item_principal_decision", args=[item.meeting_id, item.pk])
    response = client.post(url, {"views_heard": "副校长均同意。", "principal_decision": "agree"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.result, item.principal_decision, item.votes_for) == (ItemResult.PASSED, "agree", None)
    page = client.get(reverse("meeting_detail", args=[item.meeting_id])).content.decode()
    assert '校长决定：<strong class="mtg-result-passed">同意</strong>' in page and "副校长均同意。" in page
    assert not flagged("QUORUM", item) and not flagged("MAJORITY", item)


def test_principal_decision_page_errors_are_400_in_chinese(school_a, principal_a, login):
    item = item_at(school_a, OFFICE, (4, 1))
    url = reverse("item_principal_decision", args=[item.meeting_id, item.pk])
    response = login(principal_a).post(url, {"views_heard": "", "principal_decision": "defer"})
    assert response.status_code == 400
    assert "这个字段是必填项" in response.content.decode() or "必填" in response.content.decode()
    response = login(principal_a).post(url, {"views_heard": "意见", "principal_decision": "agree"})
    assert response.status_code == 400 and "未达到应到人数半数以上" in response.content.decode()
    item.refresh_from_db()
    assert item.result == ItemResult.PENDING
    party = item_at(school_a, PARTY, (4, 4))
    url = reverse("item_principal_decision", args=[party.meeting_id, party.pk])
    assert login(principal_a).post(url, {"views_heard": "意见", "principal_decision": "agree"}).status_code == 404


def test_votes_page_at_principal_office_records_views_only(school_a, principal_a, login):
    item = item_at(school_a, OFFICE, (4, 4))
    url = reverse("item_votes", args=[item.meeting_id, item.pk])
    page = login(principal_a).get(url).content.decode()
    assert "仅作为与会人员的表态记录" in page and "登记表态" in page
    data = {"mode": "totals", "votes_for": 4, "votes_against": 0, "votes_abstain": 0}
    response = login(principal_a).post(url, data, follow=True)
    assert "结果以校长决定为准" in response.content.decode()
    item.refresh_from_db()
    assert (item.votes_for, item.result) == (4, ItemResult.PENDING)


def test_staff_congress_page_shows_representatives(school_a, principal_a, login):
    item = item_at(school_a, CONGRESS, (30, 20))
    page = login(principal_a).get(reverse("meeting_detail", args=[item.meeting_id])).content.decode()
    assert "代表 30 人，出席 20 人（须三分之二以上）" in page
    page = login(principal_a).get(reverse("item_votes", args=[item.meeting_id, item.pk])).content.decode()
    assert "代表 30 人，出席 20 人（须三分之二以上）" in page


def test_principal_office_page_query_count_does_not_grow_with_items(school_a, principal_a, login):
    few = HeldMeetingFactory(school=school_a, body=OFFICE, roster=(4, 4))
    many = HeldMeetingFactory(school=school_a, body=OFFICE, roster=(4, 4))
    AgendaItemFactory.create_batch(2, meeting=few, views_heard="意见", principal_decision="agree", result="passed")
    AgendaItemFactory.create_batch(8, meeting=many, views_heard="意见", principal_decision="agree", result="passed")
    client = login(principal_a)
    assert _count(client, reverse("meeting_detail", args=[few.pk])) == _count(
        client, reverse("meeting_detail", args=[many.pk])
    )


def test_reports_show_the_principal_decision_instead_of_a_vote_count(school_a, principal_a):
    from reports.content import item_outcome

    office = decide(principal_a, item_at(school_a, OFFICE, (4, 4)), PrincipalDecision.DISAGREE)
    office = vote(principal_a, office, 4)  # 表态 only
    label, text = item_outcome(office)
    assert label == "校长决定" and text.startswith("不同意") and "赞成" not in text
    label, text = item_outcome(vote(principal_a, item_at(school_a, PARTY, (4, 4)), 3))
    assert (label, text) == ("表决", "赞成 3，反对 0，弃权 0；结果：通过；书记末位表态：是")
