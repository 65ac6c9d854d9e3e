"""Excel exports: the filtered rows of each list (all of them, not one page), Chinese headers, the filters in
the first rows, the user's scope and a query count independent of the number of rows."""

import datetime
from io import BytesIO

import openpyxl
import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.exports import XLSX_CONTENT_TYPE
from decisions.choices import DecisionStatus, FindingSeverity
from decisions.exports import DECISION_HEADERS, FINDING_HEADERS
from decisions.models import Finding
from decisions.rules import run_rules
from meetings.choices import CommunicationCategory, ItemResult, MatterCategory
from meetings.exports import COMMUNICATION_HEADERS, MEETING_HEADERS
from reports.exports import SLICE_HEADERS
from schools.choices import MeetingBody, Post
from schools.exports import HEADERS as SCHOOL_HEADERS
from tests.factories import (
    AgendaItemFactory,
    AppointmentFactory,
    AttendanceFactory,
    CommunicationFactory,
    DecisionFactory,
    MeetingFactory,
    PersonFactory,
    SchoolFactory,
)


# --- helpers ----------------------------------------------------------------------------------------
def _trim(row) -> tuple:
    values = list(row)
    while values and values[-1] is None:
        values.pop()
    return tuple(values)


def export(client, name: str, headers: list[str], sheet: int = 0, **params):
    """(title, filter rows as (label, value), data rows) of one sheet; checks the headers on the way."""
    response = client.get(reverse(name), {**params, "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(BytesIO(b"".join(response.streaming_content)))
    rows = [_trim(row) for row in workbook.worksheets[sheet].iter_rows(values_only=True)]
    title = rows[0][0]
    header_at = rows.index(tuple(headers))
    assert rows[header_at - 1] == ()  # an empty row between the filters and the table
    filters = [row[1:] for row in rows[1 : header_at - 1]]
    assert all(row[0] == "筛选条件" for row in rows[1 : header_at - 1])
    return title, filters, rows[header_at + 1 :]


def page(client, name: str, **params):
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    return response.context


# --- schools ----------------------------------------------------------------------------------------
def test_school_export_equals_the_filtered_list(district_admin, login, school_a, campus_a, school_b):
    secretary = PersonFactory(name="张书记")
    AppointmentFactory(school=school_a, person=secretary, post=Post.SECRETARY, start=datetime.date(2022, 1, 1))
    client = login(district_admin)

    title, filters, rows = export(client, "school_list", SCHOOL_HEADERS, district=school_a.district_id)

    context = page(client, "school_list", district=school_a.district_id)
    assert title == "学校名单"
    assert filters == [("学区", "四季青学区")]
    assert [row[0] for row in rows] == [school.code for school, _ in context["rows"]] == ["A001", "A002"]
    assert rows[0][1] == "海淀实验小学" and rows[0][7:] == ("张书记", "校长空缺")
    assert rows[1][2] == "海淀实验小学"  # the campus names its school
    assert "B001" not in {row[0] for row in rows}


def test_export_without_filters_says_none(district_admin, login, school_a):
    _, filters, rows = export(login(district_admin), "school_list", SCHOOL_HEADERS)
    assert filters == [("无",)]
    assert len(rows) == 1


def test_export_has_all_rows_not_only_the_page(district_admin, login, district_a):
    SchoolFactory.create_batch(55, district=district_a)
    client = login(district_admin)
    _, _, rows = export(client, "school_list", SCHOOL_HEADERS, page=2)
    assert len(rows) == page(client, "school_list")["page"].paginator.count == 55


# --- communications ---------------------------------------------------------------------------------
def test_communication_export_equals_the_filtered_list(district_admin, login, school_a, school_b):
    participant = PersonFactory(name="李校长")
    CommunicationFactory.create_batch(3, school=school_a, participants=[participant])
    CommunicationFactory(school=school_a, category=CommunicationCategory.REGULAR_TALK)
    CommunicationFactory(school=school_b)
    client = login(district_admin)
    params = {"school": school_a.pk, "category": CommunicationCategory.SANZHONG_YIDA}

    title, filters, rows = export(client, "communication_list", COMMUNICATION_HEADERS, **params)

    listed = page(client, "communication_list", **params)["page"].object_list
    assert title == "沟通记录（四沟通）"
    assert filters == [("学校", "海淀实验小学"), ("沟通类别", CommunicationCategory.SANZHONG_YIDA.label)]
    assert [row[4] for row in rows] == [c.subject for c in listed]
    assert len(rows) == 3
    assert {row[5] for row in rows} == {"李校长"}
    assert {row[7] for row in rows} == {"待确认"}


def test_clerk_b_export_never_contains_school_a(clerk_b, login, school_a, school_b):
    CommunicationFactory.create_batch(2, school=school_a, subject="A校沟通")
    own = CommunicationFactory(school=school_b)
    client = login(clerk_b)

    _, _, rows = export(client, "communication_list", COMMUNICATION_HEADERS)
    assert [row[4] for row in rows] == [own.subject]
    assert {row[1] for row in rows} == {"上地实验小学"}

    # asking for school A is an invalid filter choice, never A's rows
    _, filters, rows = export(client, "communication_list", COMMUNICATION_HEADERS, school=school_a.pk)
    assert filters == [("无",)]
    assert "A校沟通" not in {row[4] for row in rows}


def test_export_query_count_does_not_grow_with_rows(district_admin, login, school_a):
    people = PersonFactory.create_batch(2)
    CommunicationFactory.create_batch(3, school=school_a, participants=people)
    client = login(district_admin)
    export(client, "communication_list", COMMUNICATION_HEADERS)  # warm caches (session, content types)
    with CaptureQueriesContext(connection) as three:
        _, _, rows = export(client, "communication_list", COMMUNICATION_HEADERS)
    assert len(rows) == 3

    CommunicationFactory.create_batch(27, school=school_a, participants=people)
    export(client, "communication_list", COMMUNICATION_HEADERS)  # the writes changed the data version: re-warm
    with CaptureQueriesContext(connection) as thirty:
        _, _, rows = export(client, "communication_list", COMMUNICATION_HEADERS)
    assert len(rows) == 30
    assert len(thirty) == len(three), [q["sql"] for q in thirty.captured_queries]


# --- meetings ---------------------------------------------------------------------------------------
def test_meeting_export_equals_the_filtered_list(district_admin, login, school_a, school_b):
    meetings = MeetingFactory.create_batch(3, school=school_a, body=MeetingBody.PARTY_COMMITTEE)
    AttendanceFactory(meeting=meetings[0])
    AgendaItemFactory.create_batch(2, meeting=meetings[0])
    MeetingFactory(school=school_a, body=MeetingBody.PRINCIPAL_OFFICE)
    MeetingFactory(school=school_b)
    client = login(district_admin)
    params = {"school": school_a.pk, "body": MeetingBody.PARTY_COMMITTEE}

    title, filters, rows = export(client, "meeting_list", MEETING_HEADERS, **params)

    listed = page(client, "meeting_list", **params)["page"].object_list
    assert title == "会议"
    assert filters == [("学校", "海淀实验小学"), ("会议类型", MeetingBody.PARTY_COMMITTEE.label)]
    assert [row[4] for row in rows] == [meeting.title for meeting in listed]
    assert len(rows) == 3
    first = next(row for row in rows if row[4] == meetings[0].title)
    assert first[5] == 1 and first[7] == 2  # 应到, 议题数 as on the page


# --- decisions and findings -------------------------------------------------------------------------
def test_decision_export_equals_the_filtered_list(district_admin, login, school_a, school_b):
    DecisionFactory.create_batch(2, school=school_a, status=DecisionStatus.DRAFT)
    DecisionFactory(school=school_a, status=DecisionStatus.DECIDED, outcome="passed", decided_on=timezone.localdate())
    DecisionFactory(school=school_b, status=DecisionStatus.DRAFT)
    client = login(district_admin)
    params = {"xuequ": school_a.district_id, "status": DecisionStatus.DRAFT}

    title, filters, rows = export(client, "decision_list", DECISION_HEADERS, **params)

    listed = page(client, "decision_list", **params)["page"].object_list
    assert title == "决策事项"
    assert filters == [("学区", "四季青学区"), ("状态", DecisionStatus.DRAFT.label)]
    assert [row[3] for row in rows] == [d.title for d in listed]
    assert len(rows) == 2
    assert {row[1] for row in rows} == {"海淀实验小学"}


def _finding(subject, school, severity, message):
    return Finding.objects.create(
        rule="TASK_OVERDUE",
        severity=severity,
        school=school,
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        message=message,
        key=message,
        last_seen=timezone.now(),
    )


def test_finding_export_equals_the_filtered_list(district_admin, login, school_a, school_b):
    decision = DecisionFactory(school=school_a)
    for index in range(3):
        _finding(decision, school_a, FindingSeverity.VIOLATION, f"A校违规{index}")
    _finding(decision, school_a, FindingSeverity.WARNING, "A校提醒")
    _finding(DecisionFactory(school=school_b), school_b, FindingSeverity.VIOLATION, "B校违规")
    Finding.objects.filter(message="A校违规0").update(resolved_at=timezone.now())  # not open: not listed
    client = login(district_admin)
    params = {"school": school_a.pk, "severity": FindingSeverity.VIOLATION}

    title, filters, rows = export(client, "finding_list", FINDING_HEADERS, **params)

    listed = page(client, "finding_list", **params)["rows"]
    assert title == "未整改合规提示"
    assert filters == [("学校", "海淀实验小学"), ("级别", FindingSeverity.VIOLATION.label)]
    assert [row[4] for row in rows] == [f.message for f in listed] == ["A校违规2", "A校违规1"]
    assert {row[6] for row in rows} == {ContentType.objects.get_for_model(decision).name}


def test_confidential_titles_stay_redacted_in_the_finding_export(district_admin, login, school_a):
    meeting = MeetingFactory(school=school_a)
    item = AgendaItemFactory(
        meeting=meeting,
        title="任命某某为副校长",
        category=MatterCategory.PERSONNEL,
        is_confidential=True,
        result=ItemResult.PASSED,
    )
    AttendanceFactory(meeting=meeting)
    AttendanceFactory.create_batch(2, meeting=meeting, status="absent")
    run_rules(school_ids=[school_a.pk], codes=["QUORUM_PERSONNEL"])
    assert Finding.objects.filter(object_id=item.pk).exists()
    client = login(district_admin)

    _, _, rows = export(client, "finding_list", FINDING_HEADERS)

    listed = page(client, "finding_list")["rows"]
    assert [row[4] for row in rows] == [f.message for f in listed]
    assert rows and all("任命某某" not in row[4] and "保密议题" in row[4] for row in rows)


# --- dashboard --------------------------------------------------------------------------------------
def test_dashboard_export_has_the_district_and_group_tables(district_admin, login, school_a, campus_a, school_b):
    client = login(district_admin)
    params = {"from": "2025-01-01", "to": "2025-12-31"}

    title, filters, rows = export(client, "district_dashboard", ["学区", *SLICE_HEADERS], **params)

    context = page(client, "district_dashboard", **params)
    assert title == "各学区"
    assert filters == [("起始日期", "2025-01-01"), ("截止日期", "2025-12-31")]
    expected = [(row.figures.name, row.figures.schools) for row in context["district_rows"]]
    assert [(row[0], row[1]) for row in rows] == expected == [("四季青学区", 2), ("上地学区", 1)]
    title, filters, rows = export(client, "district_dashboard", ["教育集团", *SLICE_HEADERS], sheet=1, **params)
    assert title == "各教育集团"
    assert [row[0] for row in rows] == [row.figures.name for row in context["group_rows"]]


def test_dashboard_export_writes_the_chosen_filters(district_admin, login, school_a, school_b):
    _, filters, rows = export(
        login(district_admin), "district_dashboard", ["学区", *SLICE_HEADERS], district=school_a.district_id
    )
    assert filters[2:] == [("学区", "四季青学区")]
    assert [row[0] for row in rows] == ["四季青学区"]


@pytest.mark.parametrize(
    "name", ["school_list", "communication_list", "meeting_list", "decision_list", "finding_list", "district_dashboard"]
)
def test_list_pages_link_to_the_export(name, district_admin, login, school_a):
    body = login(district_admin).get(reverse(name), {"page": "1", "school": school_a.pk}).content.decode()
    assert "导出 Excel" in body
    assert "format=xlsx" in body and "page=1" not in body.split("导出 Excel")[0].rsplit("<a", 1)[1]


def _rows_of(kind: str, school, count: int) -> None:
    for _ in range(count):
        if kind == "school_list":
            new = SchoolFactory(district=school.district)
            AppointmentFactory(school=new, post=Post.SECRETARY, start=datetime.date(2022, 1, 1))
        elif kind == "meeting_list":
            AttendanceFactory(meeting=MeetingFactory(school=school))
        elif kind == "decision_list":
            DecisionFactory(school=school)
        else:
            decision = DecisionFactory(school=school)
            _finding(decision, school, FindingSeverity.VIOLATION, f"提示{decision.pk}")


@pytest.mark.parametrize(
    ("name", "headers"),
    [
        ("school_list", SCHOOL_HEADERS),
        ("meeting_list", MEETING_HEADERS),
        ("decision_list", DECISION_HEADERS),
        ("finding_list", FINDING_HEADERS),
    ],
)
def test_every_export_query_count_does_not_grow_with_rows(name, headers, district_admin, login, school_a):
    client = login(district_admin)
    _rows_of(name, school_a, 2 if name == "school_list" else 3)  # with school A itself: 3 schools
    export(client, name, headers)  # warm caches (session, content types)
    with CaptureQueriesContext(connection) as three:
        _, _, rows = export(client, name, headers)
    assert len(rows) == 3

    _rows_of(name, school_a, 27)
    export(client, name, headers)  # the writes changed the data version: the user and layout flags are re-read
    with CaptureQueriesContext(connection) as thirty:
        _, _, rows = export(client, name, headers)
    assert len(rows) == 30
    assert len(thirty) == len(three), [q["sql"] for q in thirty.captured_queries]


@pytest.mark.parametrize(
    ("name", "headers"), [("communication_list", COMMUNICATION_HEADERS), ("meeting_list", MEETING_HEADERS)]
)
def test_month_filter_is_written_as_year_month(name, headers, district_admin, login, school_a):
    _, filters, _ = export(login(district_admin), name, headers, month="2025-03")
    assert filters == [("月份", "2025-03")]
