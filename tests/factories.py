"""factory-boy factories for every model; tests build their data with these."""

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from core.models import Role, User
from decisions.choices import DecisionStatus, Tier
from decisions.models import Decision, Task
from meetings.choices import (
    AttendanceKind,
    AttendanceStatus,
    CommunicationCategory,
    CommunicationOutcome,
    CommunicationTiming,
    MatterCategory,
)
from meetings.models import AgendaItem, Attendance, Communication, Meeting
from schools.choices import MeetingBody, PartyOrgType, Post, SchoolLevel
from schools.models import (
    Appointment,
    CommitteeMembership,
    EducationGroup,
    Person,
    Policy,
    School,
    SchoolDistrict,
)

PASSWORD = "correct-horse-42"


class SchoolDistrictFactory(DjangoModelFactory):
    class Meta:
        model = SchoolDistrict
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"XQ{n:03d}")
    name = factory.Sequence(lambda n: f"测试学区{n}")
    office_name = factory.LazyAttribute(lambda o: f"{o.name}管理中心")


class EducationGroupFactory(DjangoModelFactory):
    class Meta:
        model = EducationGroup

    code = factory.Sequence(lambda n: f"JT{n:03d}")
    name = factory.Sequence(lambda n: f"测试教育集团{n}")


class SchoolFactory(DjangoModelFactory):
    class Meta:
        model = School

    code = factory.Sequence(lambda n: f"S{n:05d}")
    name = factory.Sequence(lambda n: f"测试第{n}小学")
    level = SchoolLevel.PRIMARY
    party_org_type = PartyOrgType.BRANCH
    district = factory.SubFactory(SchoolDistrictFactory)


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    code = factory.Sequence(lambda n: f"P{n:06d}")
    name = factory.Sequence(lambda n: f"测试人员{n}")


class AppointmentFactory(DjangoModelFactory):
    class Meta:
        model = Appointment

    person = factory.SubFactory(PersonFactory)
    school = factory.SubFactory(SchoolFactory)
    post = Post.DEPUTY_PRINCIPAL
    start = datetime.date(2022, 9, 1)
    end = None


class CommitteeMembershipFactory(DjangoModelFactory):
    class Meta:
        model = CommitteeMembership

    person = factory.SubFactory(PersonFactory)
    school = factory.SubFactory(SchoolFactory)
    body = MeetingBody.PARTY_COMMITTEE
    start = datetime.date(2022, 9, 1)


class PolicyFactory(DjangoModelFactory):
    class Meta:
        model = Policy

    effective_from = datetime.date(2022, 1, 1)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.DISTRICT_VIEWER
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CommunicationFactory(DjangoModelFactory):
    """A communication row as stored; tests of the rules create through the services instead."""

    class Meta:
        model = Communication
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory)
    occurred_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=3))
    category = CommunicationCategory.SANZHONG_YIDA
    timing = CommunicationTiming.BEFORE_DECISION
    subject = factory.Sequence(lambda n: f"沟通事项{n}")
    summary = "双方充分交换意见。"
    outcome = CommunicationOutcome.CONSENSUS
    logged_by = factory.SubFactory(UserFactory, role=Role.DISTRICT_ADMIN)

    @factory.post_generation
    def participants(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.participants.set(extracted)


class MeetingFactory(DjangoModelFactory):
    class Meta:
        model = Meeting

    school = factory.SubFactory(SchoolFactory)
    body = MeetingBody.PARTY_COMMITTEE
    title = factory.Sequence(lambda n: f"第{n}次党组织会议")
    date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=1))
    created_by = factory.SubFactory(UserFactory, role=Role.DISTRICT_ADMIN)


class AgendaItemFactory(DjangoModelFactory):
    class Meta:
        model = AgendaItem

    meeting = factory.SubFactory(MeetingFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"议题{n}")
    category = MatterCategory.GENERAL


class AttendanceFactory(DjangoModelFactory):
    class Meta:
        model = Attendance

    meeting = factory.SubFactory(MeetingFactory)
    person = factory.SubFactory(PersonFactory)
    kind = AttendanceKind.MEMBER
    status = AttendanceStatus.PRESENT


class DecisionFactory(DjangoModelFactory):
    class Meta:
        model = Decision
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory)
    title = factory.Sequence(lambda n: f"决策事项{n}")
    category = MatterCategory.MAJOR_PROJECT
    tier = Tier.COLLECTIVE
    created_by = factory.SubFactory(UserFactory, role=Role.DISTRICT_ADMIN)

    @factory.post_generation
    def agenda_items(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.agenda_items.set(extracted)


class TaskFactory(DjangoModelFactory):
    class Meta:
        model = Task

    decision = factory.SubFactory(
        DecisionFactory,
        status=DecisionStatus.IMPLEMENTING,
        outcome="passed",
        decided_on=factory.LazyFunction(timezone.localdate),
    )
    title = factory.Sequence(lambda n: f"督办任务{n}")
    owner = factory.SubFactory(PersonFactory)
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))


# --- h4 ---
class DeliberationFactory(DjangoModelFactory):
    """酝酿 of a 干部任免 item before its meeting."""

    class Meta:
        model = "meetings.Deliberation"

    item = factory.SubFactory(AgendaItemFactory, category=MatterCategory.PERSONNEL)
    held_on = factory.LazyAttribute(lambda o: o.item.meeting.date - datetime.timedelta(days=3))
    circle = "党组织班子成员"


class ImplementationReportFactory(DjangoModelFactory):
    """The principal's report on a decision's implementation to the 党组织."""

    class Meta:
        model = "decisions.ImplementationReport"

    decision = factory.SubFactory(DecisionFactory)
    reported_on = factory.LazyFunction(timezone.localdate)
    reporter = factory.SubFactory(PersonFactory)
    summary = "各项任务已按期完成。"
