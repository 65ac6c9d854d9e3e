"""Excel import of schools, people and appointments: the page, the template and the all-or-nothing rule."""

import datetime
import io
import zipfile

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from schools import importing
from schools.choices import Gender, PartyOrgType, Post, SchoolLevel
from schools.importing import MAX_FILE_SIZE, build_template, import_workbook
from schools.models import Appointment, EducationGroup, Person, School, SchoolDistrict
from tests.factories import AppointmentFactory, PersonFactory, UserFactory

SCHOOL_HEADER = ["学校代码", "学校名称", "学段", "党组织类型", "学区", "教育集团", "本部学校代码", "地址"]
PERSON_HEADER = ["人员编号", "姓名", "性别", "备注"]
APPOINTMENT_HEADER = ["人员编号", "学校代码", "职务", "任职日期", "离任日期"]
IMPORT_URL = reverse("school_import")
TEMPLATE_URL = reverse("school_import_template")

pytestmark = pytest.mark.django_db


def workbook_bytes(sheets: dict[str, list[list]]) -> bytes:
    """An .xlsx with one sheet per entry; each value is the list of rows (header first)."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "导入.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def post_file(client, content: bytes, name: str = "导入.xlsx"):
    return client.post(IMPORT_URL, {"file": upload(content, name)})


def valid_sheets() -> dict[str, list[list]]:
    """A campus listed before its parent, a new 学区 and 教育集团, two people and three appointments."""
    return {
        "学校": [
            SCHOOL_HEADER,
            [
                "T002",
                "虚构实验小学北校区",
                "小学",
                "党支部",
                "虚构学区",
                "虚构教育集团",
                "T001",
                "虚构路 2 号",
            ],
            ["T001", "虚构实验小学", "小学", "党总支", "虚构学区", "虚构教育集团", None, "虚构路 1 号"],
        ],
        "人员": [PERSON_HEADER, ["TP01", "王虚构", "男", "示例"], ["TP02", "李虚构", "女", None]],
        "任职": [
            APPOINTMENT_HEADER,
            ["TP01", "T001", "书记", datetime.date(2021, 9, 1), None],  # an Excel date cell
            ["TP02", "T001", "校长", "2021-09-01", None],
            ["TP02", "T002", "执行校长", "2022-02-01", "2024-07-31"],
        ],
    }


@pytest.fixture
def no_writes(monkeypatch):
    """Fail the test if the import reaches its write phase: rejections must come from validation alone."""

    def refuse(*args, **kwargs):
        raise AssertionError("a rejected file must never reach the write phase")

    monkeypatch.setattr(importing, "_write", refuse)


def table_counts() -> dict[str, int]:
    models = (School, Person, Appointment, SchoolDistrict, EducationGroup)
    return {model.__name__: model.objects.count() for model in models}


# --- Successful imports ---------------------------------------------------------------------------


def test_get_shows_form_and_explanations(district_admin, login):
    response = login(district_admin).get(IMPORT_URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'enctype="multipart/form-data"' in content
    assert "csrfmiddlewaretoken" in content
    assert TEMPLATE_URL in content
    assert "本部学校代码" in content


def test_valid_file_imports_everything(district_admin, login):
    client = login(district_admin)
    response = post_file(client, workbook_bytes(valid_sheets()))
    assert response.status_code == 302
    assert response.url == IMPORT_URL

    district = SchoolDistrict.objects.get(name="虚构学区")
    assert district.code.startswith("XQ-")
    group = EducationGroup.objects.get(name="虚构教育集团")
    assert group.code.startswith("JT-")
    main = School.objects.get(code="T001")
    campus = School.objects.get(code="T002")
    assert (main.name, main.level, main.party_org_type) == (
        "虚构实验小学",
        SchoolLevel.PRIMARY,
        PartyOrgType.GENERAL_BRANCH,
    )
    assert main.district == district and main.group == group and main.parent is None
    assert campus.parent == main and campus.address == "虚构路 2 号"
    assert Person.objects.get(code="TP01").gender == Gender.MALE
    assert Person.objects.get(code="TP02").gender == Gender.FEMALE
    secretary = Appointment.objects.get(school=main, post=Post.SECRETARY)
    assert (secretary.person.code, secretary.start, secretary.end) == (
        "TP01",
        datetime.date(2021, 9, 1),
        None,
    )
    executive = Appointment.objects.get(school=campus)
    assert (executive.post, executive.end) == (Post.EXECUTIVE_PRINCIPAL, datetime.date(2024, 7, 31))
    assert Appointment.objects.count() == 3

    page = client.get(IMPORT_URL).content.decode()
    assert "导入完成" in page
    assert "学校：新增 2" in page
    assert "虚构学区" in page  # reported as a newly created 学区


def test_same_file_twice_is_idempotent(district_admin):
    content = workbook_bytes(valid_sheets())
    first = import_workbook(file=upload(content), user=district_admin)
    assert first.ok and first.schools.created == 2 and first.appointments.created == 3
    before = table_counts()

    second = import_workbook(file=upload(content), user=district_admin)

    assert second.ok
    assert table_counts() == before
    assert (second.schools.created, second.people.created, second.appointments.created) == (0, 0, 0)
    assert (second.schools.unchanged, second.people.unchanged, second.appointments.unchanged) == (2, 2, 3)
    assert second.new_districts == [] and second.new_groups == []


def test_reimport_updates_changed_rows(district_admin):
    import_workbook(file=upload(workbook_bytes(valid_sheets())), user=district_admin)
    sheets = valid_sheets()
    sheets["学校"][2][1] = "虚构实验小学（更名）"
    sheets["任职"][2][4] = "2024-07-31"  # the principal leaves

    result = import_workbook(file=upload(workbook_bytes(sheets)), user=district_admin)

    assert result.ok
    assert (result.schools.updated, result.appointments.updated) == (1, 1)
    assert School.objects.get(code="T001").name == "虚构实验小学（更名）"
    assert Appointment.objects.get(post=Post.PRINCIPAL).end == datetime.date(2024, 7, 31)
    assert School.objects.count() == 2 and Appointment.objects.count() == 3


def test_rows_may_refer_to_existing_school_and_person(district_admin, login, school_a):
    person = PersonFactory(code="DB01", name="赵虚构")
    sheets = {
        "学校": [
            SCHOOL_HEADER[:7],
            ["T010", "海淀实验小学虚构校区", "小学", "党支部", "四季青学区", None, "A001"],
        ],
        "任职": [APPOINTMENT_HEADER, ["DB01", "A001", "校长", "2020-09-01", None]],
    }
    response = post_file(login(district_admin), workbook_bytes(sheets))
    assert response.status_code == 302
    assert School.objects.get(code="T010").parent == school_a
    assert Appointment.objects.get(school=school_a).person == person
    assert SchoolDistrict.objects.filter(name="四季青学区").count() == 1


def test_handover_in_the_same_file_closes_the_old_principal(district_admin, school_a):
    old = AppointmentFactory(school=school_a, post=Post.PRINCIPAL, start=datetime.date(2018, 9, 1))
    sheets = {
        "人员": [PERSON_HEADER, ["NEW1", "钱虚构", None, None]],
        "任职": [
            APPOINTMENT_HEADER,
            [old.person.code, "A001", "校长", "2018-09-01", "2023-08-31"],
            ["NEW1", "A001", "校长", "2023-09-01", None],
        ],
    }
    result = import_workbook(file=upload(workbook_bytes(sheets)), user=district_admin)
    assert result.ok, result.errors
    old.refresh_from_db()
    assert old.end == datetime.date(2023, 8, 31)
    assert result.appointments.updated == 1 and result.appointments.created == 1


def test_template_imports_as_is(district_admin):
    result = import_workbook(file=upload(build_template()), user=district_admin)
    assert result.ok, result.errors
    assert (result.schools.created, result.people.created, result.appointments.created) == (1, 1, 1)


# --- Rejected imports: nothing is written -------------------------------------------------------


def test_one_bad_row_rejects_the_whole_file(district_admin, login, no_writes):
    sheets = valid_sheets()
    for n in range(20):
        sheets["学校"].append([f"G{n:03d}", f"虚构第{n}中学", "初中", "党委", "虚构学区", None, None, None])
    sheets["学校"].append(["G999", "虚构坏学校", "大学", "党委", "虚构学区", None, None, None])  # row 24
    sheets["人员"].append(["TP03", None, "男", None])  # row 4: no name
    before = table_counts()

    response = post_file(login(district_admin), workbook_bytes(sheets))

    assert response.status_code == 400
    assert table_counts() == before
    content = response.content.decode()
    assert "导入未执行：文件中有 2 处错误，请修改后重新上传。" in content
    assert "<td>学校</td><td>24</td>" in content
    assert "“学段”的值“大学”无效" in content
    assert "<td>人员</td><td>4</td>" in content
    assert "“姓名”不能为空。" in content


def test_overlapping_principals_in_the_file_are_rejected(district_admin, login, no_writes):
    sheets = valid_sheets()
    sheets["任职"].append(["TP01", "T001", "校长", "2023-09-01", None])  # row 5; TP02 is principal since 2021
    before = table_counts()

    response = post_file(login(district_admin), workbook_bytes(sheets))

    assert response.status_code == 400
    assert table_counts() == before
    errors = response.context["errors"]
    assert [(e.sheet, e.row) for e in errors] == [("任职", 5)]
    assert "第 3 行" in errors[0].message and "只能有一位校长" in errors[0].message


def test_same_person_overlapping_same_post_in_the_file_is_rejected(district_admin, no_writes):
    sheets = valid_sheets()
    sheets["任职"].append(["TP02", "T002", "执行校长", "2024-01-01", None])  # overlaps row 4
    result = import_workbook(file=upload(workbook_bytes(sheets)), user=district_admin)
    assert [e.row for e in result.errors] == [5]
    assert result.errors[0].message.startswith("该人员在此期间已担任本校同一职务（第 4 行")


def test_principal_overlapping_the_database_is_rejected(district_admin, login, school_a, no_writes):
    sitting = AppointmentFactory(school=school_a, post=Post.PRINCIPAL, start=datetime.date(2020, 9, 1))
    sheets = {
        "人员": [PERSON_HEADER, ["NEW1", "孙虚构", None, None]],
        "任职": [APPOINTMENT_HEADER, ["NEW1", "A001", "校长", "2023-09-01", None]],
    }
    before = table_counts()

    response = post_file(login(district_admin), workbook_bytes(sheets))

    assert response.status_code == 400
    assert table_counts() == before
    content = response.content.decode()
    assert f"海淀实验小学在此期间已有校长：{sitting.person.name}（2020-09-01 起）" in content
    assert "<td>任职</td><td>2</td>" in content


def test_final_check_rolls_back_everything(district_admin, school_a, monkeypatch):
    """If a clash slipped past validation, `appointment_validate` after writing undoes the whole import."""
    AppointmentFactory(school=school_a, post=Post.PRINCIPAL, start=datetime.date(2020, 9, 1))
    monkeypatch.setattr(importing, "_check_overlaps", lambda *args: None)
    sheets = valid_sheets()
    sheets["任职"].append(["TP01", "A001", "校长", "2023-09-01", None])  # row 5
    before = table_counts()

    result = import_workbook(file=upload(workbook_bytes(sheets)), user=district_admin)

    assert [(e.sheet, e.row) for e in result.errors] == [("任职", 5)]
    assert "海淀实验小学在此期间已有校长" in result.errors[0].message
    assert table_counts() == before


def test_deputy_posts_may_overlap(district_admin, school_a):
    AppointmentFactory(school=school_a, post=Post.DEPUTY_PRINCIPAL, start=datetime.date(2020, 9, 1))
    sheets = {
        "人员": [PERSON_HEADER, ["NEW1", "周虚构", None, None]],
        "任职": [APPOINTMENT_HEADER, ["NEW1", "A001", "副校长", "2023-09-01", None]],
    }
    assert import_workbook(file=upload(workbook_bytes(sheets)), user=district_admin).ok


def test_bad_date_unknown_post_and_end_before_start_are_rejected(district_admin, login, no_writes):
    sheets = valid_sheets()
    sheets["任职"] += [
        ["TP01", "T002", "校董", "2022-01-01", None],  # row 5
        ["TP01", "T002", "副书记", "2022/13/01", None],  # row 6
        ["TP01", "T002", "副校长", "2022-09-01", "2021-09-01"],  # row 7
    ]
    before = table_counts()

    response = post_file(login(district_admin), workbook_bytes(sheets))

    assert response.status_code == 400
    assert table_counts() == before
    errors = [(e.row, e.message) for e in response.context["errors"]]
    assert errors[0][0] == 5 and "“职务”的值“校董”无效" in errors[0][1]
    assert errors[1][0] == 6 and "“任职日期”的值“2022/13/01”不是有效日期" in errors[1][1]
    assert errors[2] == (7, "离任日期不能早于任职日期。")


def test_reference_and_duplicate_errors(district_admin, school_a, no_writes):
    sheets = valid_sheets()
    sheets["学校"] += [
        ["T003", "虚构自指学校", "高中", "党委", "虚构学区", None, "T003", None],  # row 4
        ["T001", "虚构重复学校", "高中", "党委", "虚构学区", None, None, None],  # row 5
        ["T004", "海淀实验小学", "小学", "党委", "虚构学区", None, "NOPE", None],  # row 6
    ]
    sheets["人员"].append(["TP01", "重复人员", None, None])  # row 4
    sheets["任职"].append(["NOBODY", "NOWHERE", "书记", "2022-01-01", None])  # row 5

    errors = import_workbook(file=upload(workbook_bytes(sheets)), user=district_admin).errors

    messages = {(e.sheet, e.row, e.message) for e in errors}
    assert ("学校", 4, "本部学校代码不能是本校自己的代码。") in messages
    assert ("学校", 5, "学校代码与第 3 行重复。") in messages
    assert ("学校", 6, "学校名称“海淀实验小学”已被学校代码 A001 使用。") in messages
    assert ("学校", 6, "本部学校代码“NOPE”不存在。") in messages
    assert ("人员", 4, "人员编号与第 2 行重复。") in messages
    assert ("任职", 5, "人员编号“NOBODY”不存在（文件和系统中均无）。") in messages
    assert ("任职", 5, "学校代码“NOWHERE”不存在（文件和系统中均无）。") in messages


def test_parent_cycle_is_rejected(district_admin, no_writes):
    sheets = {
        "学校": [
            SCHOOL_HEADER,
            ["C001", "虚构甲校", "小学", "党支部", "虚构学区", None, "C002", None],
            ["C002", "虚构乙校", "小学", "党支部", "虚构学区", None, "C001", None],
        ]
    }
    errors = import_workbook(file=upload(workbook_bytes(sheets)), user=district_admin).errors
    assert [e.row for e in errors] == [2, 3]
    assert all("本部关系形成循环" in e.message for e in errors)


def test_missing_required_column_is_rejected(district_admin):
    sheets = {"人员": [["人员编号", "性别"], ["TP01", "男"]]}
    errors = import_workbook(file=upload(workbook_bytes(sheets)), user=district_admin).errors
    assert [(e.sheet, e.row, e.message) for e in errors] == [("人员", 1, "缺少必填列：姓名。")]
    assert not Person.objects.exists()


def test_workbook_without_known_sheets_is_rejected(district_admin, login):
    response = post_file(login(district_admin), workbook_bytes({"Sheet1": [["a", "b"], [1, 2]]}))
    assert response.status_code == 400
    assert "没有名为“学校”“人员”“任职”的工作表" in response.content.decode()


def test_corrupt_xlsx_gives_400_with_chinese_message(district_admin, login):
    response = post_file(login(district_admin), b"PK\x03\x04 definitely not a workbook")
    assert response.status_code == 400
    content = response.content.decode()
    assert "无法读取文件：请上传有效的 Excel（.xlsx）文件" in content
    assert "导入未执行：文件中有 1 处错误" in content


def test_zip_that_is_not_a_workbook_gives_400(district_admin, login):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "你好")
    response = post_file(login(district_admin), buffer.getvalue())
    assert response.status_code == 400
    assert "无法读取文件" in response.content.decode()


def test_non_xlsx_extension_gives_400(district_admin, login):
    response = post_file(login(district_admin), b"a,b\n1,2\n", name="schools.csv")
    assert response.status_code == 400
    assert "请上传 .xlsx 格式的 Excel 文件" in response.content.decode()


def test_file_above_5_mb_is_rejected(district_admin, login):
    response = post_file(login(district_admin), b"0" * (MAX_FILE_SIZE + 1))
    assert response.status_code == 400
    assert "文件超过 5 MB" in response.content.decode()
    oversized = io.BytesIO(b"0" * (MAX_FILE_SIZE + 1))
    errors = import_workbook(file=oversized, user=district_admin).errors
    assert errors[0].message.startswith("文件超过 5 MB")


def test_post_without_file_gives_400(district_admin, login):
    response = login(district_admin).post(IMPORT_URL, {})
    assert response.status_code == 400


# --- Template download ----------------------------------------------------------------------------


def test_template_download(district_admin, login):
    response = login(district_admin).get(TEMPLATE_URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "%E5%AD%A6%E6%A0%A1" in disposition  # 学校… percent-encoded (RFC 5987)
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["学校", "人员", "任职"]
    assert [c.value for c in workbook["学校"][1]] == SCHOOL_HEADER
    assert [c.value for c in workbook["人员"][1]] == PERSON_HEADER
    assert [c.value for c in workbook["任职"][1]] == APPOINTMENT_HEADER
    assert all(workbook[name].max_row == 2 for name in workbook.sheetnames)


# --- Access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["clerk_a", "district_viewer", "xuequ_viewer", "principal_a"])
def test_other_roles_get_404(actor, request, login):
    client = login(request.getfixturevalue(actor))
    assert client.get(IMPORT_URL).status_code == 404
    assert client.get(TEMPLATE_URL).status_code == 404
    before = table_counts()
    assert post_file(client, workbook_bytes(valid_sheets())).status_code == 404
    assert table_counts() == before


def test_anonymous_is_redirected_to_login(client):
    for url in (IMPORT_URL, TEMPLATE_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_import_workbook_refuses_non_admins(clerk_a):
    with pytest.raises(PermissionDenied):
        import_workbook(file=upload(workbook_bytes(valid_sheets())), user=clerk_a)


def test_superuser_may_import(login):
    superuser = UserFactory(username="root_u", is_superuser=True, is_staff=True)
    assert login(superuser).get(IMPORT_URL).status_code == 200
    assert login(superuser).get(TEMPLATE_URL).status_code == 200
