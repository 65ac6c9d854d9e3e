from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from core.models import DemoDataset, Role, User
from schools.choices import MeetingBody, Post
from schools.models import Appointment, EducationGroup, School, SchoolDistrict
from schools.selectors import memberships_on, pair_history, pairs_on

DEMO_PASSWORD = "haidian2026"
ACCOUNTS = ("district_admin", "district_viewer", "xuequ_viewer", "secretary", "principal", "clerk", "clerk_b")


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.fixture
def seeded(db):
    return seed()


def test_seed_creates_a_district_with_schools_and_a_group(seeded):
    assert "演示数据已就绪" in seeded
    assert SchoolDistrict.objects.count() >= 4
    sijiqing = SchoolDistrict.objects.get(name="四季青学区")
    assert sijiqing.office_name == "四季青学区管理中心"
    assert School.objects.filter(parent__isnull=True).count() >= 30

    lead = School.objects.get(name="海淀实验小学")
    shangdi = School.objects.get(name="上地实验小学")
    assert lead.district == sijiqing
    assert shangdi.district.name == "上地学区"

    group = EducationGroup.objects.get(name="海淀实验小学教育集团")
    campuses = School.objects.filter(parent=lead, group=group)
    assert campuses.count() >= 2
    assert lead.group == group
    assert DemoDataset.objects.filter(note="seed_demo").exists()


def test_seed_twice_leaves_the_same_rows(seeded):
    before = row_counts()
    output = seed()
    assert row_counts() == before
    assert "本次新建 0 条、更新 0 条记录" in output


def test_exactly_one_combined_and_one_vacant_school_today(seeded):
    today = timezone.localdate()
    pairs = pairs_on(schools=School.objects.all(), on=today)
    schools = {school.pk: school for school in School.objects.all()}
    ordinary = [pair for pk, pair in pairs.items() if schools[pk].parent_id is None]

    combined = [schools[pair.school_id].name for pair in ordinary if pair.is_combined]
    vacant = [schools[pair.school_id].name for pair in pairs.values() if pair.is_vacant]
    assert len(combined) == 1
    assert len(vacant) == 1
    assert not {"海淀实验小学", "上地实验小学"} & {*combined, *vacant}
    assert pairs[School.objects.get(name=vacant[0]).pk].vacancy_label == "校长空缺"

    # Each campus is run by an 执行校长 who is also its 书记 (一肩挑 on the campus).
    for campus in School.objects.filter(parent__isnull=False):
        pair = pairs[campus.pk]
        assert pair.is_combined
        assert pair.principal_post == Post.EXECUTIVE_PRINCIPAL


def test_pair_history_has_successions(seeded):
    lead = School.objects.get(name="海淀实验小学")
    history = pair_history(school=lead)
    assert len(history) >= 2
    assert history[0].end is not None and history[1].start == history[0].end + timedelta(days=1)
    with_succession = [s for s in School.objects.filter(parent__isnull=True) if len(pair_history(school=s)) >= 2]
    assert len(with_succession) >= 10


def test_every_school_has_its_leaders_and_meeting_bodies(seeded):
    today = timezone.localdate()
    for school in School.objects.all():
        posts = set(Appointment.objects.filter(school=school).values_list("post", flat=True))
        assert Post.SECRETARY in posts
        assert posts & {Post.PRINCIPAL, Post.EXECUTIVE_PRINCIPAL}
        party = memberships_on(school=school, body=MeetingBody.PARTY_COMMITTEE, on=today).count()
        office = memberships_on(school=school, body=MeetingBody.PRINCIPAL_OFFICE, on=today).count()
        assert 5 <= party <= 7, school.name
        assert 5 <= office <= 8, school.name


def test_demo_accounts_have_their_roles_and_scopes(seeded):
    today = timezone.localdate()
    lead = School.objects.get(name="海淀实验小学")
    pair = pairs_on(schools=[lead], on=today)[lead.pk]
    users = {user.username: user for user in User.objects.filter(username__in=ACCOUNTS)}
    assert set(users) == set(ACCOUNTS)
    admin = users["district_admin"]
    assert admin.role == Role.DISTRICT_ADMIN and admin.is_staff and admin.is_superuser
    assert users["district_viewer"].role == Role.DISTRICT_VIEWER
    assert users["xuequ_viewer"].school_district.name == "四季青学区"
    assert users["secretary"].school == lead and users["secretary"].person == pair.secretary
    assert users["principal"].school == lead and users["principal"].person == pair.principal
    assert users["clerk"].school == lead
    assert users["clerk_b"].school.name == "上地实验小学"
    assert all(user.last_name and user.first_name for user in users.values())


def test_every_demo_account_can_log_in(seeded, client):
    for username in ACCOUNTS:
        response = client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        client.logout()


def test_password_option_resets_the_passwords(seeded, client):
    output = seed(password="other")
    assert "更新 7 条" in output
    wrong = client.post("/accounts/login/", {"username": "clerk", "password": DEMO_PASSWORD})
    assert wrong.status_code == 200
    response = client.post("/accounts/login/", {"username": "clerk", "password": "other"})
    assert response.status_code == 302


def test_pages_show_the_demo_banner(seeded, client):
    response = client.post("/accounts/login/", {"username": "district_viewer", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    page = client.get("/schools/")
    assert page.status_code == 200
    assert "演示数据" in page.content.decode()
