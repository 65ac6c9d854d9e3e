"""四沟通 communications and meetings with attendance, agenda items (议题), votes and recusals."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from core.models import BaseModel, TimeStampedModel
from schools.choices import MeetingBody
from schools.models import Person, School

from .choices import (
    AttendanceKind,
    AttendanceStatus,
    CommunicationCategory,
    CommunicationOutcome,
    CommunicationTiming,
    ItemResult,
    MatterCategory,
    MeetingStatus,
    PrincipalDecision,
    VoteChoice,
)


class Communication(TimeStampedModel):
    """沟通记录: the secretary and principal talk before acting (四沟通) or in their regular 一对一 talk."""

    school = models.ForeignKey(School, verbose_name="学校", on_delete=models.PROTECT, related_name="communications")
    occurred_at = models.DateTimeField("沟通时间")
    category = models.CharField("沟通类别", max_length=32, choices=CommunicationCategory.choices)
    timing = models.CharField("沟通时机", max_length=32, choices=CommunicationTiming.choices)
    event_at = models.DateTimeField("事件发生时间", null=True, blank=True, help_text="突发事件必填。")
    subject = models.CharField("主题", max_length=200)
    summary = models.TextField("沟通内容")
    outcome = models.CharField("沟通结果", max_length=32, choices=CommunicationOutcome.choices)
    participants = models.ManyToManyField(Person, verbose_name="参与人", related_name="communications")
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    history = HistoricalRecords(m2m_fields=[participants])

    class Meta:
        verbose_name = "沟通记录"
        verbose_name_plural = "沟通记录"
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["school", "occurred_at"]),
            models.Index(fields=["school", "category", "occurred_at"]),
            models.Index(fields=["occurred_at", "id"], name="communication_occurred_id"),  # list, newest first
        ]
        constraints = [
            models.CheckConstraint(
                name="communication_emergency_has_event_time",
                condition=~Q(category=CommunicationCategory.EMERGENCY) | Q(event_at__isnull=False),
            ),
            models.CheckConstraint(
                name="communication_confirmation_complete",
                condition=Q(confirmed_by__isnull=True, confirmed_at__isnull=True)
                | Q(confirmed_by__isnull=False, confirmed_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("communication_detail", args=[self.pk])

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class Meeting(TimeStampedModel):
    """会议: a 党组织会议, 校长办公会, 教代会 or 党政联席会 with its expected members stored at creation."""

    school = models.ForeignKey(School, verbose_name="学校", on_delete=models.PROTECT, related_name="meetings")
    body = models.CharField("会议类型", max_length=32, choices=MeetingBody.choices)
    title = models.CharField("会议名称", max_length=200)
    date = models.DateField("会议日期")
    start_time = models.TimeField("开始时间", null=True, blank=True)
    place = models.CharField("地点", max_length=200, blank=True)
    notice_sent_at = models.DateTimeField(
        "通知及材料送达时间", null=True, blank=True, help_text="会议通知和议题材料送达参会人员的时间。（AGENDA_NOTICE）"
    )
    chair = models.ForeignKey(
        Person, verbose_name="主持人", on_delete=models.PROTECT, null=True, blank=True, related_name="chaired_meetings"
    )
    status = models.CharField("状态", max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.PREPARING)
    minutes = models.TextField("会议纪要", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT, related_name="+"
    )
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签发人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    finalised_at = models.DateTimeField("定稿时间", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "会议"
        verbose_name_plural = "会议"
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["school", "date"]),
            models.Index(fields=["school", "body", "date"]),
            models.Index(fields=["date", "id"], name="meeting_date_id"),  # the district's list, newest first
        ]
        constraints = [
            models.CheckConstraint(
                name="meeting_finalised_is_signed",
                condition=~Q(status=MeetingStatus.FINALISED)
                | Q(finalised_by__isnull=False, finalised_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("meeting_detail", args=[self.pk])

    @property
    def is_finalised(self) -> bool:
        return self.status == MeetingStatus.FINALISED


class Attendance(TimeStampedModel):
    """出席: one expected member (应到) or non-voting attendee (列席) of a meeting."""

    meeting = models.ForeignKey(Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="attendances")
    kind = models.CharField("身份", max_length=16, choices=AttendanceKind.choices, default=AttendanceKind.MEMBER)
    status = models.CharField("出席情况", max_length=16, choices=AttendanceStatus.choices, blank=True)
    leave_reason = models.CharField("请假事由", max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "出席情况"
        verbose_name_plural = "出席情况"
        ordering = ["kind", "person__code"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="attendance_unique_person"),
            models.CheckConstraint(
                name="attendance_leave_has_reason",
                condition=~Q(status=AttendanceStatus.LEAVE) | ~Q(leave_reason=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_status_display() or '未登记'}"


class AgendaItem(TimeStampedModel):
    """议题: what a meeting decides, the communication it rests on, the votes and the computed result."""

    meeting = models.ForeignKey(Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField("序号")
    title = models.CharField("议题", max_length=200)
    proposer = models.ForeignKey(
        Person, verbose_name="提议人", on_delete=models.PROTECT, null=True, blank=True, related_name="proposed_items"
    )
    category = models.CharField("事项类别", max_length=32, choices=MatterCategory.choices)
    lead_member = models.ForeignKey(
        Person,
        verbose_name="分管领导",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_items",
        help_text="议题所属工作的分管班子成员；其未出席时一般不研究决定。（ABSENT_LEAD）",
    )
    added_at_meeting = models.BooleanField("临时动议", default=False, help_text="会上临时提出、未随通知送达的议题。")
    chair_consented = models.BooleanField("主持人同意临时动议", default=False)
    touches_staff_interests = models.BooleanField("涉及教职工切身利益", default=False)
    is_confidential = models.BooleanField("保密", default=False, help_text="干部任免议题默认保密，校外人员只见统计。")
    pre_communications = models.ManyToManyField(
        Communication, verbose_name="会前沟通", blank=True, related_name="agenda_items"
    )
    gate_override_reason = models.TextField("主持人上会说明", blank=True)
    secretary_spoke_last = models.BooleanField("书记末位表态", null=True, blank=True)
    votes_for = models.PositiveSmallIntegerField("赞成票", null=True, blank=True)
    votes_against = models.PositiveSmallIntegerField("反对票", null=True, blank=True)
    votes_abstain = models.PositiveSmallIntegerField("弃权票", null=True, blank=True)
    views_heard = models.TextField("与会人员意见", blank=True, help_text="校长办公会：校长决定前听取的意见。")
    principal_decision = models.CharField(
        "校长决定", max_length=16, choices=PrincipalDecision.choices, blank=True, help_text="校长办公会议题由校长决定。"
    )
    result = models.CharField("表决结果", max_length=16, choices=ItemResult.choices, default=ItemResult.PENDING)
    deferral_reason = models.CharField("暂缓原因", max_length=200, blank=True)
    minutes = models.TextField("议题纪要", blank=True)
    history = HistoricalRecords(m2m_fields=[pre_communications])

    class Meta:
        verbose_name = "议题"
        verbose_name_plural = "议题"
        ordering = ["meeting", "order"]
        indexes = [
            # STAFF_CONGRESS reads the passed items touching staff interests of the schools checked: a few per
            # cent of the items, found by meeting without scanning the table (a re-check after a write).
            models.Index(
                fields=["meeting"],
                condition=Q(touches_staff_interests=True, result=ItemResult.PASSED),
                name="agenda_item_staff_passed",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "order"], name="agenda_item_unique_order"),
            models.CheckConstraint(
                name="agenda_item_deferral_has_reason",
                condition=~Q(result=ItemResult.DEFERRED) | ~Q(deferral_reason=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"

    def get_absolute_url(self) -> str:
        return f"{reverse('meeting_detail', args=[self.meeting_id])}#item-{self.pk}"


class Vote(BaseModel):
    """表决: one present, non-recused member's vote on an item."""

    item = models.ForeignKey(AgendaItem, verbose_name="议题", on_delete=models.CASCADE, related_name="votes")
    person = models.ForeignKey(Person, verbose_name="表决人", on_delete=models.PROTECT, related_name="votes")
    choice = models.CharField("表决意见", max_length=16, choices=VoteChoice.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "表决"
        verbose_name_plural = "表决"
        constraints = [models.UniqueConstraint(fields=["item", "person"], name="vote_unique_person")]

    def __str__(self) -> str:
        return f"{self.person} {self.get_choice_display()}"


class Recusal(BaseModel):
    """回避: a member who declared a conflict on an item and does not vote on it."""

    item = models.ForeignKey(AgendaItem, verbose_name="议题", on_delete=models.CASCADE, related_name="recusals")
    person = models.ForeignKey(Person, verbose_name="回避人", on_delete=models.PROTECT, related_name="recusals")
    reason = models.CharField("回避事由", max_length=200)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "回避"
        verbose_name_plural = "回避"
        constraints = [models.UniqueConstraint(fields=["item", "person"], name="recusal_unique_person")]

    def __str__(self) -> str:
        return f"{self.person} 回避"


class Deliberation(TimeStampedModel):
    """酝酿: before a 干部任免 item reaches the 党组织会议 it is discussed within a circle (意见 (七))."""

    item = models.ForeignKey(AgendaItem, verbose_name="议题", on_delete=models.CASCADE, related_name="deliberations")
    held_on = models.DateField("酝酿日期")
    circle = models.CharField("酝酿范围", max_length=200, help_text="如：党组织班子成员、书记校长和分管副校长。")
    participants = models.ManyToManyField(Person, verbose_name="参加人", related_name="deliberations")
    note = models.TextField("酝酿情况", blank=True)
    history = HistoricalRecords(m2m_fields=[participants])

    class Meta:
        verbose_name = "酝酿"
        verbose_name_plural = "酝酿"
        ordering = ["held_on", "pk"]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.circle}"
