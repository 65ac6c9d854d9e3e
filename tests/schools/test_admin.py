"""District admins manage the register in the Django admin; every change keeps who, when and what."""

import datetime

from django.urls import reverse

from core.models import Role, User
from schools.choices import PartyOrgType, Post, SchoolLevel
from schools.models import Appointment
from tests.factories import AppointmentFactory, PersonFactory


def _school_form(school, **changes):
    data = {
        "code": school.code,
        "name": school.name,
        "level": school.level,
        "party_org_type": school.party_org_type,
        "district": school.district_id,
        "group": "",
        "parent": "",
        "address": "",
        "is_active": "on",
    }
    data.update(changes)
    return data


def test_change_is_recorded_with_user_and_previous_value(district_admin, login, school_a):
    client = login(district_admin)
    response = client.post(
        reverse("admin:schools_school_change", args=[school_a.pk]),
        _school_form(school_a, name="海淀实验小学（新校名）", party_org_type=PartyOrgType.GENERAL_BRANCH),
    )
    assert response.status_code == 302

    latest, previous = school_a.history.all()[:2]
    assert latest.history_user == district_admin
    assert latest.history_type == "~"
    assert latest.name == "海淀实验小学（新校名）"
    assert previous.name == "海淀实验小学"
    delta = latest.diff_against(previous)
    assert {change.field for change in delta.changes} == {"name", "party_org_type"}
    history_page = client.get(reverse("admin:schools_school_history", args=[school_a.pk]))
    assert "海淀实验小学（新校名）" in history_page.content.decode()


def test_overlapping_principal_is_refused_in_admin(district_admin, login, school_a):
    AppointmentFactory(school=school_a, post=Post.PRINCIPAL, start=datetime.date(2022, 9, 1))
    newcomer = PersonFactory()

    response = login(district_admin).post(
        reverse("admin:schools_appointment_add"),
        {
            "person": newcomer.pk,
            "school": school_a.pk,
            "post": Post.PRINCIPAL,
            "start": "2024-09-01",
            "end": "",
        },
    )

    assert response.status_code == 200
    assert "已有校长" in response.content.decode()
    assert Appointment.objects.filter(person=newcomer).count() == 0


def test_end_before_start_is_refused_in_admin(district_admin, login, school_a):
    response = login(district_admin).post(
        reverse("admin:schools_appointment_add"),
        {
            "person": PersonFactory().pk,
            "school": school_a.pk,
            "post": Post.DEPUTY_PRINCIPAL,
            "start": "2024-09-01",
            "end": "2024-08-01",
        },
    )
    assert "离任日期不能早于任职日期" in response.content.decode()
    assert not Appointment.objects.exists()


def test_user_with_school_role_needs_a_school(district_admin, login):
    response = login(district_admin).post(
        reverse("admin:core_user_add"),
        {
            "username": "new_clerk",
            "password1": "Xq9!long-pass",
            "password2": "Xq9!long-pass",
            "role": Role.CLERK,
        },
    )
    assert response.status_code == 200
    assert "必须选择所属学校" in response.content.decode()
    assert not User.objects.filter(username="new_clerk").exists()


def test_user_created_with_role_and_school(district_admin, login, school_a):
    response = login(district_admin).post(
        reverse("admin:core_user_add"),
        {
            "username": "new_clerk",
            "password1": "Xq9!long-pass",
            "password2": "Xq9!long-pass",
            "role": Role.CLERK,
            "school": school_a.pk,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="new_clerk")
    assert (user.role, user.school) == (Role.CLERK, school_a)
    assert user.history.first().history_user == district_admin


def test_school_level_choices_are_chinese(district_admin, login):
    body = login(district_admin).get(reverse("admin:schools_school_add")).content.decode()
    assert SchoolLevel.NINE_YEAR.label in body and "党组织类型" in body
