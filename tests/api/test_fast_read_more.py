"""The fast read path on the decisions and schools resources: every list and record equals DRF's own output."""

import datetime
import decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from rest_framework import serializers as drf_serializers

from core.api import fastread
from decisions.api import serializers as decision_serializers
from decisions.choices import DecisionStatus, FindingSeverity, MatterCategory, ReviewConclusion, TaskStatus, Tier
from decisions.models import Consultation, DecisionTransition, Finding, LegalReview, MatterType, TaskProgress
from schools.api import serializers as school_serializers
from tests.factories import (
    AppointmentFactory,
    CommitteeMembershipFactory,
    CommunicationFactory,
    EducationGroupFactory,
    PersonFactory,
    TaskFactory,
)

RESOURCES = [
    "decisions",
    "consultations",
    "tasks",
    "findings",
    "matter-types",
    "school-districts",
    "groups",
    "schools",
    "people",
    "appointments",
    "memberships",
]


@pytest.fixture
def records(school_a, campus_a, school_b, district_admin):
    """Decisions with reviews, transitions, leaders and communications; tasks with progress; consultations; open
    and resolved findings; appointments and memberships — with and without the optional values."""
    today = timezone.localdate()
    school_a.group = EducationGroupFactory()
    school_a.save()
    for index, category in enumerate(MatterCategory):
        MatterType.objects.create(
            name=f"事项类型{index}",
            category=category,
            tier=list(Tier)[index % len(Tier)],
            bodies_required=["party_committee"] if index % 2 else [],
            staff_congress_review=bool(index % 2),
        )
    for index, school in enumerate((school_a, campus_a, school_b)):
        task = TaskFactory(
            decision__school=school,
            decision__amount=decimal.Decimal("1234.50") if index % 2 else None,
            decision__description="说明\u2028" if index else "",
            status=(TaskStatus.DONE, TaskStatus.OPEN, TaskStatus.DONE)[index] if index != 1 else TaskStatus.OPEN,
            done_on=today if index != 1 else None,
        )
        decision = task.decision
        leader = PersonFactory()
        decision.responsible_leaders.set([leader] if index else [])
        decision.communications.set([CommunicationFactory(school=school)] if index != 2 else [])
        LegalReview.objects.create(
            decision=decision,
            reviewer="法律顾问",
            reviewed_on=today - datetime.timedelta(days=index),
            conclusion=list(ReviewConclusion)[index % len(ReviewConclusion)],
            note="" if index else "无异议",
        )
        DecisionTransition.objects.create(decision=decision, to_status=DecisionStatus.DRAFT, by=district_admin)
        DecisionTransition.objects.create(
            decision=decision,
            from_status=DecisionStatus.DRAFT,
            to_status=DecisionStatus.IMPLEMENTING,
            note="决定实施",
            by=district_admin,
        )
        TaskProgress.objects.create(task=task, noted_on=today, text="推进中", author=district_admin)
        Consultation.objects.create(decision=decision, person=PersonFactory(), consulted_on=today, opinion="同意。")
        Finding.objects.create(
            rule="TASK_OVERDUE",
            severity=list(FindingSeverity)[index % len(FindingSeverity)],
            school=school,
            content_type=ContentType.objects.get_for_model(task),
            object_id=task.pk,
            message=f"“{task}”已逾期。",
            last_seen=timezone.now(),
            resolved_at=timezone.now() if index == 1 else None,
        )
        AppointmentFactory(school=school, person=leader)
        CommitteeMembershipFactory(school=school, person=leader)


@pytest.mark.parametrize("user_fixture", ["district_admin", "secretary_a"])
@pytest.mark.parametrize("resource", RESOURCES)
def test_lists_and_records_equal_drf_output(records, api, request, user_fixture, resource):
    client = api(request.getfixturevalue(user_fixture))
    fast = client.get(f"/api/v1/{resource}/", {"page_size": 500})
    with fastread.disabled():
        slow = client.get(f"/api/v1/{resource}/", {"page_size": 500})
    assert fast.status_code == slow.status_code == 200
    assert fast.content == slow.content
    rows = fast.json()["results"]
    assert rows
    for row in rows[:4]:
        one = client.get(f"/api/v1/{resource}/{row['id']}/")
        with fastread.disabled():
            one_slow = client.get(f"/api/v1/{resource}/{row['id']}/")
        assert one.status_code == 200 and one.content == one_slow.content


@pytest.mark.parametrize(
    "serializer_class",
    [
        decision_serializers.DecisionSerializer,
        decision_serializers.ConsultationSerializer,
        decision_serializers.TaskSerializer,
        decision_serializers.FindingSerializer,
        decision_serializers.MatterTypeSerializer,
        school_serializers.SchoolSerializer,
        school_serializers.PersonSerializer,
        school_serializers.AppointmentSerializer,
        school_serializers.CommitteeMembershipSerializer,
    ],
)
def test_serializers_compile_a_plan(serializer_class):
    assert fastread.plan_of(serializer_class) is not None
    assert isinstance(serializer_class(many=True), fastread.FastListSerializer)


def test_rows_are_built_by_the_plan(records, api, district_admin, monkeypatch):
    def refuse(self, instance):
        raise AssertionError(f"{type(self).__name__} took DRF's path")

    client = api(district_admin)
    monkeypatch.setattr(drf_serializers.Serializer, "to_representation", refuse)
    for resource in RESOURCES:
        assert client.get(f"/api/v1/{resource}/", {"page_size": 500}).status_code == 200, resource
