"""The demo district loaded by `manage.py seed_demo`: real Haidian 学区 and school names, fictional people.

Everything is planned in memory first from a fixed random seed, then written with one upsert per model
keyed by codes (学区、集团、学校、人员), by (person, school, post, start) for appointments and by
(person, school, body, start) for memberships. A row that already holds the planned values is not
written again, so a second run changes nothing, not even the history tables.
"""

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import check_password, make_password
from django.db import models, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.models import DemoDataset, Role, User

from .choices import SOLE_POSTS, Gender, MeetingBody, PartyOrgType, Post, SchoolLevel, TalkPeriod
from .models import Appointment, CommitteeMembership, EducationGroup, Person, Policy, School, SchoolDistrict

DEFAULT_PASSWORD = "haidian2026"  # noqa: S105 - the published password of the demo accounts
SEED = 20260901
CHANGE_REASON = "seed_demo"
ONE_DAY = timedelta(days=1)

# --- Organisation -----------------------------------------------------------------------------------
DISTRICTS: tuple[tuple[str, str], ...] = (
    ("XQ01", "四季青学区"),
    ("XQ02", "学院路学区"),
    ("XQ03", "中关村学区"),
    ("XQ04", "上地学区"),
    ("XQ05", "海淀学区"),
    ("XQ06", "万寿路学区"),
    ("XQ07", "北下关学区"),
    ("XQ08", "羊坊店学区"),
    ("XQ09", "紫竹院学区"),
    ("XQ10", "燕园学区"),
)

GROUP_CODE = "JT01"
GROUP_NAME = "海淀实验小学教育集团"


@dataclass(frozen=True)
class SchoolSpec:
    code: str
    name: str
    level: str
    party_org_type: str
    district: str


P, J, N, C = SchoolLevel.PRIMARY, SchoolLevel.JUNIOR, SchoolLevel.NINE_YEAR, SchoolLevel.COMPLETE_SECONDARY
COMMITTEE, GENERAL, BRANCH = PartyOrgType.COMMITTEE, PartyOrgType.GENERAL_BRANCH, PartyOrgType.BRANCH

LEAD_SCHOOL = "HD001"  # 海淀实验小学, lead school of the group; the demo school accounts belong here
OTHER_SCHOOL = "HD002"  # 上地实验小学, in another 学区 (clerk_b)
COMBINED_SCHOOL = "HD022"  # 培星小学: 一肩挑, the same person is 书记 and 校长
VACANT_SCHOOL = "HD021"  # 北洼路小学: the principal left on VACANCY_SINCE - ONE_DAY, nobody since
VACANCY_SINCE = date(2026, 9, 1)

SCHOOLS: tuple[SchoolSpec, ...] = (
    # The lead school of an education group has a 党委 over the campuses' 党支部 (雁阵管理).
    SchoolSpec("HD001", "海淀实验小学", P, COMMITTEE, "XQ01"),
    SchoolSpec("HD002", "上地实验小学", P, GENERAL, "XQ04"),
    SchoolSpec("HD003", "北京石油学院附属小学", P, GENERAL, "XQ02"),
    SchoolSpec("HD004", "翠微小学", P, GENERAL, "XQ06"),
    SchoolSpec("HD005", "中关村第一小学", P, GENERAL, "XQ03"),
    SchoolSpec("HD006", "中关村第二小学", P, GENERAL, "XQ03"),
    SchoolSpec("HD007", "中关村第三小学", P, GENERAL, "XQ03"),
    SchoolSpec("HD008", "中国人民大学附属中学", C, COMMITTEE, "XQ05"),
    SchoolSpec("HD009", "北京大学附属中学", C, COMMITTEE, "XQ10"),
    SchoolSpec("HD010", "清华大学附属中学", C, COMMITTEE, "XQ02"),
    SchoolSpec("HD011", "北京一零一中学", C, COMMITTEE, "XQ10"),
    SchoolSpec("HD012", "北京理工大学附属中学", C, COMMITTEE, "XQ09"),
    SchoolSpec("HD013", "首都师范大学附属中学", C, COMMITTEE, "XQ07"),
    SchoolSpec("HD014", "北京市育英学校", N, COMMITTEE, "XQ06"),
    SchoolSpec("HD015", "北京市八一学校", N, COMMITTEE, "XQ05"),
    SchoolSpec("HD016", "玉泉小学", P, BRANCH, "XQ01"),
    SchoolSpec("HD017", "羊坊店中心小学", P, GENERAL, "XQ08"),
    SchoolSpec("HD018", "万泉小学", P, GENERAL, "XQ05"),
    SchoolSpec("HD019", "海淀区第二实验小学", P, GENERAL, "XQ08"),
    SchoolSpec("HD020", "七一小学", P, BRANCH, "XQ08"),
    SchoolSpec("HD021", "北洼路小学", P, BRANCH, "XQ09"),
    SchoolSpec("HD022", "培星小学", P, BRANCH, "XQ07"),
    SchoolSpec("HD023", "双榆树第一小学", P, BRANCH, "XQ03"),
    SchoolSpec("HD024", "海淀区民族小学", P, GENERAL, "XQ09"),
    SchoolSpec("HD025", "花园村第二小学", P, BRANCH, "XQ09"),
    SchoolSpec("HD026", "五一小学", P, GENERAL, "XQ06"),
    SchoolSpec("HD027", "图强第二小学", P, BRANCH, "XQ06"),
    SchoolSpec("HD028", "北京市十一学校", C, COMMITTEE, "XQ06"),
    SchoolSpec("HD029", "北京交通大学附属中学", C, COMMITTEE, "XQ07"),
    SchoolSpec("HD030", "北京市第二十中学", C, COMMITTEE, "XQ02"),
    SchoolSpec("HD031", "北京市中关村中学", C, COMMITTEE, "XQ03"),
    SchoolSpec("HD032", "北京市玉渊潭中学", C, GENERAL, "XQ08"),
    SchoolSpec("HD033", "北京市海淀区万寿寺中学", J, GENERAL, "XQ09"),
    SchoolSpec("HD034", "清华大学附属小学", P, GENERAL, "XQ10"),
    SchoolSpec("HD035", "北京大学附属小学", P, GENERAL, "XQ10"),
    SchoolSpec("HD036", "中国人民大学附属小学", P, GENERAL, "XQ05"),
    SchoolSpec("HD037", "北京科技大学附属小学", P, BRANCH, "XQ02"),
    SchoolSpec("HD038", "北京市第十九中学", C, COMMITTEE, "XQ05"),
)

# Campuses of the group: each run by an 执行校长 who is also its 支部书记.
CAMPUSES: tuple[SchoolSpec, ...] = (
    SchoolSpec("HD101", "海淀实验小学苏州街校区", P, BRANCH, "XQ05"),
    SchoolSpec("HD102", "海淀实验小学四季青校区", P, BRANCH, "XQ01"),
)
GROUP_FOUNDED = date(2021, 9, 1)

# --- People (fictional) -----------------------------------------------------------------------------
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶"
    "余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙段雷钱汤尹黎易常武乔贺赖龚文"
)


# Common two-character given names; combined with a surname at random they name no one in particular.
def _two_char_names(text: str) -> tuple[str, ...]:
    return tuple(text[i : i + 2] for i in range(0, len(text), 2))


GIVEN_MALE = _two_char_names(
    "志强建华晓东海涛文博立新振华国栋宏伟浩然明辉永刚建军卫东春生德明鹏飞晨阳立军伟民庆华志远"
    "思远嘉诚天宇博文云峰海峰建平卫国向阳光明新民长青国强振宇子健一鸣家乐宇航冠宇明杰泽宇晓光"
    "少华永强锦程宏亮文涛国华启航瑞峰铭远绍辉志明俊峰玉林保国兴华维民"
)
GIVEN_FEMALE = _two_char_names(
    "秀英丽华晓燕慧敏静怡雅琴淑华美玲玉兰红梅海燕丽娟桂芳雪梅婷婷佳慧思琪欣怡雨萱晓梅春燕艳华"
    "晓丽淑芬凤英燕萍晓霞立红颖慧雅婷晓琳璐瑶梦瑶佳琪诗涵若兰亚楠素芳翠萍秀兰海霞晓蕾爱华美华"
    "月华玉梅慧琳红霞瑞芳晓红文娟丽霞雪莲亚琴晓静婉婷冬梅春梅艳玲"
)

# Accounts that are not tied to a Person get fictional names as well (surname, given name).
USER_NAMES = {
    "district_admin": ("郑", "明远"),
    "district_viewer": ("孙", "慧敏"),
    "xuequ_viewer": ("何", "静怡"),
    "clerk": ("韩", "雨桐"),
    "clerk_b": ("邓", "子涵"),
}

DEPARTMENTS = (
    "教学处主任",
    "德育处主任",
    "总务处主任",
    "办公室主任",
    "科研室主任",
    "人力资源部主任",
    "学生发展中心主任",
    "课程中心主任",
    "安全保卫处主任",
    "信息中心主任",
    "年级组长",
    "教研组长",
)

BASELINES = (date(2019, 9, 1), date(2020, 3, 1), date(2020, 9, 1), date(2021, 9, 1))
# Last days in office of a predecessor; the successor starts the next day.
HANDOVERS = (
    date(2023, 1, 31),
    date(2023, 7, 31),
    date(2023, 8, 31),
    date(2024, 1, 31),
    date(2024, 7, 31),
    date(2024, 8, 31),
)

PARTY_COMMITTEE_POSTS = {
    Post.DEPUTY_SECRETARY,
    Post.COMMITTEE_MEMBER,
    Post.DISCIPLINE_SECRETARY,
    Post.UNION_CHAIR,
}
PRINCIPAL_OFFICE_POSTS = {Post.DEPUTY_PRINCIPAL, Post.DEPUTY_SECRETARY}


# --- Plan -------------------------------------------------------------------------------------------
@dataclass
class _Plan:
    rng: random.Random
    people: list[dict[str, Any]] = field(default_factory=list)
    appointments: list[dict[str, Any]] = field(default_factory=list)
    seats: dict[tuple, dict[str, Any]] = field(default_factory=dict)
    used_names: set[str] = field(default_factory=set)
    current: dict[tuple[str, str], str] = field(default_factory=dict)  # (school, post) -> person in office

    def person(self, note: str = "") -> str:
        gender = self.rng.choice((Gender.FEMALE, Gender.MALE))
        given_names = GIVEN_FEMALE if gender == Gender.FEMALE else GIVEN_MALE
        while True:
            name = self.rng.choice(SURNAMES) + self.rng.choice(given_names)
            if name not in self.used_names:
                break
        self.used_names.add(name)
        code = f"P{len(self.people) + 1:04d}"
        self.people.append({"code": code, "name": name, "gender": gender, "note": note})
        return code

    def appoint(self, person: str, school: str, post: str, start: date, end: date | None = None, note: str = ""):
        self.appointments.append(
            {"person": person, "school": school, "post": post, "start": start, "end": end, "note": note}
        )
        if end is None:
            self.current[(school, post)] = person

    def seat(self, person: str, school: str, body: str, start: date, end: date | None = None) -> None:
        # One person holding two posts (一肩挑) takes one seat, not two.
        self.seats.setdefault(
            (person, school, body, start),
            {"person": person, "school": school, "body": body, "start": start, "end": end},
        )


def _plan_school(
    plan: _Plan,
    spec: SchoolSpec,
    *,
    start: date,
    other_posts: list[str],
    party_size: int,
    office_size: int,
    combined: bool = False,
    principal_post: str = Post.PRINCIPAL,
    handovers: dict[str, date] | None = None,
    principal_leaves: date | None = None,
    reserved_party_seats: int = 0,
) -> None:
    """Appoint a school's pair and leaders, then seat them (and added members) in its two meeting bodies."""
    rng, code, handovers = plan.rng, spec.code, handovers or {}
    secretary = plan.person()
    pair = ((Post.SECRETARY, secretary), (principal_post, secretary if combined else plan.person()))
    for post, first in pair:
        if post in handovers:
            last_day = handovers[post]
            holders = [(first, start, last_day), (plan.person(), last_day + ONE_DAY, None)]
        elif post == principal_post and principal_leaves is not None:
            holders = [(first, start, principal_leaves)]
        else:
            holders = [(first, start, None)]
        for person, begin, end in holders:
            if end is None:
                note = "接任" if begin != start else ""
            else:
                note = "调任" if post in handovers else "调任，继任人选待定"
            plan.appoint(person, code, post, begin, end, note)
            for body in (MeetingBody.PARTY_COMMITTEE, MeetingBody.PRINCIPAL_OFFICE):
                plan.seat(person, code, body, begin, end)

    pair_seats = 1 if combined else 2
    party_members, office_members = pair_seats + reserved_party_seats, pair_seats
    first_deputy = True
    for post in other_posts:
        person = plan.person()
        plan.appoint(person, code, post, start)
        in_party = post in PARTY_COMMITTEE_POSTS or (post == Post.DEPUTY_PRINCIPAL and first_deputy)
        if post == Post.DEPUTY_PRINCIPAL:
            first_deputy = False
        if in_party:
            plan.seat(person, code, MeetingBody.PARTY_COMMITTEE, start)
            party_members += 1
        if post in PRINCIPAL_OFFICE_POSTS:
            plan.seat(person, code, MeetingBody.PRINCIPAL_OFFICE, start)
            office_members += 1

    departments = iter(rng.sample(DEPARTMENTS, len(DEPARTMENTS)))
    for _ in range(party_size - party_members):
        plan.seat(plan.person(f"党组织委员、{next(departments)}"), code, MeetingBody.PARTY_COMMITTEE, start)
    for _ in range(office_size - office_members):
        plan.seat(plan.person(next(departments)), code, MeetingBody.PRINCIPAL_OFFICE, start)


def _other_posts(rng: random.Random, org_type: str) -> list[str]:
    """The 2-4 school leaders besides the pair, by the size of the party organisation."""
    if org_type == PartyOrgType.COMMITTEE:
        posts = [Post.DEPUTY_SECRETARY, Post.DEPUTY_PRINCIPAL, Post.DISCIPLINE_SECRETARY]
        if rng.random() < 0.6:
            posts.insert(2, Post.DEPUTY_PRINCIPAL)
        return posts
    posts = [Post.DEPUTY_PRINCIPAL, Post.COMMITTEE_MEMBER]
    if org_type == PartyOrgType.GENERAL_BRANCH:
        posts.append(rng.choice((Post.DEPUTY_PRINCIPAL, Post.UNION_CHAIR, Post.DEPUTY_SECRETARY)))
    elif rng.random() < 0.4:
        posts.append(Post.UNION_CHAIR)
    return posts


def _body_sizes(rng: random.Random, org_type: str) -> tuple[int, int]:
    """(党组织会议, 校长办公会) sizes: 5-7 and 5-8 members."""
    if org_type == PartyOrgType.COMMITTEE:
        return 7, rng.choice((7, 8))
    if org_type == PartyOrgType.GENERAL_BRANCH:
        return rng.choice((5, 6, 7)), rng.choice((5, 6))
    return 5, rng.choice((5, 6))


def build_plan(seed: int = SEED) -> _Plan:
    """The whole demo district as plain rows; the same seed always gives the same rows."""
    plan = _Plan(rng=random.Random(seed))  # noqa: S311 - demo data, not security
    rng = plan.rng
    for surname, given in USER_NAMES.values():
        plan.used_names.add(surname + given)

    # About a third of the schools changed their 书记 or 校长 in 2023/2024 (the lead school among them).
    ordinary = [s.code for s in SCHOOLS if s.code not in {LEAD_SCHOOL, OTHER_SCHOOL, COMBINED_SCHOOL, VACANT_SCHOOL}]
    changed = {LEAD_SCHOOL, *rng.sample(ordinary, len(SCHOOLS) // 3 - 1)}

    for spec in SCHOOLS:
        start = date(2019, 9, 1) if spec.code == LEAD_SCHOOL else rng.choice(BASELINES)
        handovers: dict[str, date] = {}
        if spec.code == LEAD_SCHOOL:
            handovers[Post.PRINCIPAL] = date(2024, 8, 31)
        elif spec.code in changed:
            posts = [Post.SECRETARY, Post.PRINCIPAL] if rng.random() < 0.2 else [rng.choice(SOLE_POSTS)]
            for post, last_day in zip(posts, rng.sample(HANDOVERS, len(posts)), strict=True):
                handovers[post] = last_day
        party_size, office_size = _body_sizes(rng, spec.party_org_type)
        if spec.code == VACANT_SCHOOL:  # still at least five members once the principal has left
            party_size, office_size = party_size + 1, office_size + 1
        _plan_school(
            plan,
            spec,
            start=start,
            other_posts=_other_posts(rng, spec.party_org_type),
            party_size=party_size,
            office_size=office_size,
            combined=spec.code == COMBINED_SCHOOL,
            handovers=handovers,
            principal_leaves=VACANCY_SINCE - ONE_DAY if spec.code == VACANT_SCHOOL else None,
            reserved_party_seats=len(CAMPUSES) if spec.code == LEAD_SCHOOL else 0,
        )

    for spec in CAMPUSES:
        _plan_school(
            plan,
            spec,
            start=GROUP_FOUNDED,
            other_posts=[Post.DEPUTY_PRINCIPAL, Post.COMMITTEE_MEMBER],
            party_size=5,
            office_size=5,
            combined=True,
            principal_post=Post.EXECUTIVE_PRINCIPAL,
        )
        # 雁阵管理: each campus head sits on the lead school's 党委.
        head = plan.current[(spec.code, Post.EXECUTIVE_PRINCIPAL)]
        plan.seat(head, LEAD_SCHOOL, MeetingBody.PARTY_COMMITTEE, GROUP_FOUNDED)
    return plan


# --- Writing ----------------------------------------------------------------------------------------
def _upsert(
    model: type[models.Model], key: tuple[str, ...], rows: Iterable[dict[str, Any]], existing: models.QuerySet
) -> tuple[dict[tuple, models.Model], int, int]:
    """Create missing rows and update changed ones (with history); unchanged rows are left alone."""
    now = timezone.now()
    by_key = {tuple(getattr(obj, f) for f in key): obj for obj in existing}
    to_create, to_update, changed_fields = [], [], set()
    for row in rows:
        row_key = tuple(row[f] for f in key)
        obj = by_key.get(row_key)
        if obj is None:
            to_create.append(model(**row))
            continue
        diff = [name for name, value in row.items() if getattr(obj, name) != value]
        if diff:
            for name in diff:
                setattr(obj, name, row[name])
            obj.updated_at = now
            changed_fields.update(diff)
            to_update.append(obj)
    if to_create:
        bulk_create_with_history(to_create, model, default_change_reason=CHANGE_REASON)
    if to_update:
        fields = sorted(changed_fields | {"updated_at"})
        bulk_update_with_history(to_update, model, fields, default_change_reason=CHANGE_REASON)
    if to_create:
        by_key = {tuple(getattr(obj, f) for f in key): obj for obj in existing.all()}
    return by_key, len(to_create), len(to_update)


def _save_if_changed(obj: models.Model, values: dict[str, Any]) -> bool:
    changed = obj.pk is None
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    if changed:
        obj.save()
    return changed


def _seed_users(
    *,
    password: str,
    plan: _Plan,
    districts: dict[str, SchoolDistrict],
    schools: dict[str, School],
    person_pk: dict[str, int],
) -> tuple[int, int, int]:
    """The seven demo accounts; the password is hashed once and only rewritten when it does not match."""
    people = {p["code"]: p for p in plan.people}

    def person_fields(post: str) -> dict[str, Any]:
        code = plan.current[(LEAD_SCHOOL, post)]
        name = people[code]["name"]
        return {"person_id": person_pk[code], "last_name": name[0], "first_name": name[1:]}

    lead, other = schools[LEAD_SCHOOL].pk, schools[OTHER_SCHOOL].pk
    accounts = {
        "district_admin": {"role": Role.DISTRICT_ADMIN, "is_staff": True, "is_superuser": True},
        "district_viewer": {"role": Role.DISTRICT_VIEWER},
        "xuequ_viewer": {"role": Role.XUEQU_VIEWER, "school_district_id": districts["XQ01"].pk},
        "secretary": {"role": Role.SECRETARY, "school_id": lead, **person_fields(Post.SECRETARY)},
        "principal": {"role": Role.PRINCIPAL, "school_id": lead, **person_fields(Post.PRINCIPAL)},
        "clerk": {"role": Role.CLERK, "school_id": lead},
        "clerk_b": {"role": Role.CLERK, "school_id": other},
    }
    encoded: str | None = None
    verified: dict[str, bool] = {}  # one password check per distinct stored hash
    created = updated = 0
    existing = {user.username: user for user in User.objects.filter(username__in=accounts)}
    for username, values in accounts.items():
        surname, given = USER_NAMES.get(username, ("", ""))
        values = {
            "last_name": surname,
            "first_name": given,
            "is_staff": False,
            "is_superuser": False,
            "is_active": True,
            "school_district_id": None,
            "school_id": None,
            "person_id": None,
            **values,
        }
        user = existing.get(username) or User(username=username)
        if user.pk is None or user.password not in verified:
            verified[user.password] = user.pk is not None and check_password(password, user.password)
        if not verified[user.password]:
            encoded = encoded or make_password(password)
            values["password"] = encoded
        is_new = user.pk is None
        if _save_if_changed(user, values):
            created += is_new
            updated += not is_new
    return len(accounts), created, updated


def seed_demo(*, password: str = DEFAULT_PASSWORD) -> dict[str, int]:
    """Create or refresh the demo district; returns row counts of the demo data and of rows written."""
    plan = build_plan()
    created = updated = 0

    def tally(result):
        nonlocal created, updated
        by_key, new, changed = result
        created += new
        updated += changed
        return by_key

    with transaction.atomic():
        districts = tally(
            _upsert(
                SchoolDistrict,
                ("code",),
                ({"code": code, "name": name, "office_name": f"{name}管理中心"} for code, name in DISTRICTS),
                SchoolDistrict.objects.filter(code__in=[code for code, _ in DISTRICTS]),
            )
        )
        districts = {key[0]: obj for key, obj in districts.items()}
        groups = tally(
            _upsert(
                EducationGroup,
                ("code",),
                [{"code": GROUP_CODE, "name": GROUP_NAME}],
                EducationGroup.objects.filter(code=GROUP_CODE),
            )
        )
        group = groups[(GROUP_CODE,)]

        def school_row(spec: SchoolSpec, parent: School | None) -> dict[str, Any]:
            in_group = spec.code == LEAD_SCHOOL or parent is not None
            return {
                "code": spec.code,
                "name": spec.name,
                "level": spec.level,
                "party_org_type": spec.party_org_type,
                "district_id": districts[spec.district].pk,
                "group_id": group.pk if in_group else None,
                "parent_id": parent.pk if parent else None,
                "is_active": True,
            }

        codes = [s.code for s in SCHOOLS]
        schools = tally(
            _upsert(
                School,
                ("code",),
                (school_row(spec, None) for spec in SCHOOLS),
                School.objects.filter(code__in=codes),
            )
        )
        schools = {key[0]: obj for key, obj in schools.items()}
        campus_codes = [s.code for s in CAMPUSES]
        campuses = tally(
            _upsert(
                School,
                ("code",),
                (school_row(spec, schools[LEAD_SCHOOL]) for spec in CAMPUSES),
                School.objects.filter(code__in=campus_codes),
            )
        )
        schools.update({key[0]: obj for key, obj in campuses.items()})

        people = tally(
            _upsert(
                Person,
                ("code",),
                plan.people,
                Person.objects.filter(code__in=[p["code"] for p in plan.people]),
            )
        )
        person_pk = {key[0]: obj.pk for key, obj in people.items()}
        school_pks = [school.pk for school in schools.values()]

        def linked(row: dict[str, Any]) -> dict[str, Any]:
            row = dict(row)
            row["person_id"] = person_pk[row.pop("person")]
            row["school_id"] = schools[row.pop("school")].pk
            return row

        tally(
            _upsert(
                Appointment,
                ("person_id", "school_id", "post", "start"),
                [linked(row) for row in plan.appointments],
                Appointment.objects.filter(school_id__in=school_pks, person_id__in=list(person_pk.values())),
            )
        )
        tally(
            _upsert(
                CommitteeMembership,
                ("person_id", "school_id", "body", "start"),
                [linked(row) for row in plan.seats.values()],
                CommitteeMembership.objects.filter(school_id__in=school_pks, person_id__in=list(person_pk.values())),
            )
        )

        policy = Policy.objects.filter(school__isnull=True, effective_from=date(2022, 1, 1)).first()
        policy_new = policy is None
        if _save_if_changed(
            policy or Policy(school=None, effective_from=date(2022, 1, 1)),
            {
                "large_amount_threshold": Decimal("100000.00"),
                "minutes_due_days": 7,
                "regular_talk_period": TalkPeriod.MONTH,
                "emergency_log_hours": 24,
                "vacancy_days": 30,
                "legal_review_exempt_categories": [],
                "note": "全区通用制度参数（演示）",
            },
        ):
            created += policy_new
            updated += not policy_new

        users, users_created, users_updated = _seed_users(
            password=password, plan=plan, districts=districts, schools=schools, person_pk=person_pk
        )
        created += users_created
        updated += users_updated

        DemoDataset.objects.update_or_create(pk=1, defaults={"note": "seed_demo"})

    return {
        "districts": len(DISTRICTS),
        "groups": 1,
        "schools": len(SCHOOLS),
        "campuses": len(CAMPUSES),
        "people": len(plan.people),
        "appointments": len(plan.appointments),
        "memberships": len(plan.seats),
        "policies": 1,
        "users": users,
        "created": created,
        "updated": updated,
    }
