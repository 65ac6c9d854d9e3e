"""学区, 教育集团, 学校, people, their appointments, meeting-body memberships and rule parameters."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel

from .choices import Gender, MeetingBody, PartyOrgType, Post, SchoolLevel, TalkPeriod


def personnel_quorum_default() -> list[str]:
    return ["personnel"]


def meeting_order_exempt_default() -> list[str]:
    return ["personnel", "party_building"]


class SchoolDistrict(TimeStampedModel):
    """学区: a group of neighbouring schools run by a 学区管理中心."""

    code = models.CharField("学区代码", max_length=32, unique=True)
    name = models.CharField("学区名称", max_length=64, unique=True)
    office_name = models.CharField("管理机构", max_length=128, blank=True, help_text="如：四季青学区管理中心")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "学区"
        verbose_name_plural = "学区"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class EducationGroup(TimeStampedModel):
    """教育集团: several schools or campuses under one lead school."""

    code = models.CharField("集团代码", max_length=32, unique=True)
    name = models.CharField("集团名称", max_length=128, unique=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "教育集团"
        verbose_name_plural = "教育集团"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class School(TimeStampedModel):
    """学校 or 校区/分校 (a campus has a parent school). Every record of the portal belongs to one."""

    code = models.CharField("学校代码", max_length=32, unique=True)
    name = models.CharField("学校名称", max_length=128, unique=True)
    level = models.CharField("学段", max_length=32, choices=SchoolLevel.choices)
    party_org_type = models.CharField("党组织类型", max_length=32, choices=PartyOrgType.choices)
    district = models.ForeignKey(SchoolDistrict, verbose_name="学区", on_delete=models.PROTECT, related_name="schools")
    group = models.ForeignKey(
        EducationGroup,
        verbose_name="教育集团",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="schools",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="上级学校（本部）",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campuses",
        help_text="校区或分校填写其本部学校。",
    )
    address = models.CharField("地址", max_length=200, blank=True)
    is_active = models.BooleanField("在办", default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "学校"
        verbose_name_plural = "学校"
        ordering = ["code"]
        indexes = [models.Index(fields=["district", "code"]), models.Index(fields=["group", "code"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("school_detail", args=[self.pk])


class Person(TimeStampedModel):
    """A member of a school's leadership or a meeting body (fictional in the demo data)."""

    code = models.CharField("人员编号", max_length=32, unique=True)
    name = models.CharField("姓名", max_length=64)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        ordering = ["code"]
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("person_detail", args=[self.pk])


class Appointment(TimeStampedModel):
    """任职: a person holds a post in a school from `start` until `end` (inclusive; empty = in office)."""

    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="appointments")
    school = models.ForeignKey(School, verbose_name="学校", on_delete=models.PROTECT, related_name="appointments")
    post = models.CharField("职务", max_length=32, choices=Post.choices)
    start = models.DateField("任职日期")
    end = models.DateField("离任日期", null=True, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "任职"
        verbose_name_plural = "任职"
        ordering = ["school", "start", "post"]
        indexes = [models.Index(fields=["school", "post", "start"])]
        constraints = [
            models.CheckConstraint(
                name="appointment_end_after_start", condition=Q(end__isnull=True) | Q(end__gte=F("start"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.school} · {self.get_post_display()}"


class CommitteeMembership(TimeStampedModel):
    """班子成员: who is an expected (应到) member of a school's meeting body, and when."""

    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="memberships")
    school = models.ForeignKey(School, verbose_name="学校", on_delete=models.PROTECT, related_name="memberships")
    body = models.CharField("会议类型", max_length=32, choices=MeetingBody.choices)
    start = models.DateField("起始日期")
    end = models.DateField("终止日期", null=True, blank=True)
    portfolio = models.CharField(
        "分管工作", max_length=200, blank=True, help_text="如：教学、德育、后勤与财务（ABSENT_LEAD 规则据此提示）。"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "会议组成人员"
        verbose_name_plural = "会议组成人员"
        ordering = ["school", "body", "start"]
        indexes = [models.Index(fields=["school", "body", "start"])]
        constraints = [
            models.CheckConstraint(
                name="membership_end_after_start", condition=Q(end__isnull=True) | Q(end__gte=F("start"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.school} · {self.get_body_display()}"


class Policy(TimeStampedModel):
    """制度参数: thresholds the compliance rules use, in force from a date (district-wide or one school)."""

    school = models.ForeignKey(
        School,
        verbose_name="适用学校",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="policies",
        help_text="留空表示全区通用；填写则只对该校生效并优先于全区参数。",
    )
    effective_from = models.DateField("生效日期")
    large_amount_threshold = models.DecimalField(
        "大额度资金标准（元）",
        max_digits=14,
        decimal_places=2,
        default=Decimal("100000"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    quorum_strict = models.BooleanField(
        "到会人数须超过半数",
        default=False,
        help_text="意见原文为“半数以上”（恰好半数即可开会）；本校议事规则写“超过半数”时勾选。（QUORUM）",
    )
    personnel_quorum_categories = models.JSONField(
        "须三分之二以上到会的事项类别",
        default=personnel_quorum_default,
        blank=True,
        help_text="事项类别代码列表，默认只有干部任免（personnel）。（QUORUM_PERSONNEL）",
    )
    recused_count_in_expected = models.BooleanField(
        "回避人员计入应到人数",
        default=True,
        help_text="不勾选时，回避人员不计入该议题的应到人数。（RECUSAL、MAJORITY）",
    )
    staff_congress_pass_of_all = models.BooleanField(
        "教代会以全体代表过半数通过",
        default=True,
        help_text="不勾选时以出席代表过半数通过（部分学校教代会章程的写法）。（STAFF_CONGRESS）",
    )
    notice_days = models.PositiveSmallIntegerField(
        "会议通知及材料提前天数", default=1, help_text="议题材料至少提前几天送达参会人员。（AGENDA_NOTICE）"
    )
    minutes_due_working_days = models.PositiveSmallIntegerField(
        "纪要签发时限（工作日）", default=2, help_text="按国家法定节假日和调休安排计算工作日。（MINUTES_LATE）"
    )
    daily_talk_period = models.CharField(
        "日常沟通频次", max_length=8, choices=TalkPeriod.choices, default=TalkPeriod.WEEK, help_text="（REGULAR_TALK）"
    )
    regular_talk_period = models.CharField(
        "一对一深度对话频次",
        max_length=8,
        choices=TalkPeriod.choices,
        default=TalkPeriod.MONTH,
        help_text="（REGULAR_TALK）",
    )
    meeting_period = models.CharField(
        "党组织会议、校长办公会召开频次",
        max_length=8,
        choices=TalkPeriod.choices,
        default=TalkPeriod.MONTH,
        help_text="（MEETING_FREQUENCY）",
    )
    large_amount_threshold = models.DecimalField(
        "大额度资金标准（元）",
        max_digits=14,
        decimal_places=2,
        default=Decimal("100000"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="本区默认值；学校议事规则多为 5,000–50,000 元。（AMOUNT_TIER）",
    )
    amount_split_days = models.PositiveSmallIntegerField(
        "同一事项拆分合并计算天数", default=90, help_text="同一事项分次决策的金额在此期限内合并计算。（AMOUNT_TIER）"
    )
    emergency_log_hours = models.PositiveSmallIntegerField(
        "突发事件沟通登记时限（小时）", default=24, help_text="（EMERGENCY_LATE）"
    )
    vacancy_days = models.PositiveSmallIntegerField(
        "书记或校长空缺时限（天）", default=30, help_text="（PAIR_VACANCY）"
    )
    legal_review_exempt_categories = models.JSONField(
        "免于合法性审查的事项类别",
        default=list,
        blank=True,
        help_text="三重一大类别代码列表，通常为空。（LEGAL_REVIEW）",
    )
    meeting_order_exempt_categories = models.JSONField(
        "无须校长办公会研究提出的事项类别",
        default=meeting_order_exempt_default,
        blank=True,
        help_text="默认干部任免（personnel）和党的建设（party_building）。（MEETING_ORDER）",
    )
    note = models.CharField("说明", max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "制度参数"
        verbose_name_plural = "制度参数"
        ordering = ["-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["effective_from"],
                condition=Q(school__isnull=True),
                name="policy_district_unique_date",
            ),
            models.UniqueConstraint(fields=["school", "effective_from"], name="policy_school_unique_date"),
        ]

    def __str__(self) -> str:
        scope = self.school.name if self.school_id else "全区"
        return f"{scope} 自 {self.effective_from:%Y-%m-%d} 起"
