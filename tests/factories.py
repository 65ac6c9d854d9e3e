"""factory-boy factories for every model; tests build their data with these."""

import datetime

import factory
from factory.django import DjangoModelFactory

from core.models import Role, User
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
