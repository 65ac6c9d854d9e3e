"""三重一大 decisions with their lifecycle, consultations, legal reviews, 督办 tasks and compliance findings."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from core.models import BaseModel, TimeStampedModel
from meetings.models import AgendaItem, Communication
from schools.choices import MeetingBody
from schools.models import Person, School

from .choices import DecisionStatus, FindingSeverity, MatterCategory, Outcome, ReviewConclusion, TaskStatus, Tier


class MatterType(TimeStampedModel):
    """事项清单: the district's list of matter types, suggesting category, tier and the bodies to pass."""

    name = models.CharField("事项名称", max_length=100, unique=True)
    category = models.CharField("事项类别", max_length=32, choices=MatterCategory.choices)
    tier = models.CharField("决策层级", max_length=16, choices=Tier.choices)
    bodies_required = models.JSONField(
        "须经会议", default=list, blank=True, help_text=f"会议类型代码列表：{', '.join(MeetingBody.values)}"
    )
    staff_congress_review = models.BooleanField("须经教代会审议", default=False)
    description = models.CharField("说明", max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "事项清单"
        verbose_name_plural = "事项清单"
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return self.name


class Decision(TimeStampedModel):
    """决策事项: a matter from proposal to closing; its transitions are recorded one by one."""

    school = models.ForeignKey(School, verbose_name="学校", on_delete=models.PROTECT, related_name="decisions")
    title = models.CharField("事项名称", max_length=200)
    description = models.TextField("事项说明", blank=True)
    matter_type = models.ForeignKey(
        MatterType, verbose_name="事项清单类别", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    category = models.CharField("事项类别", max_length=32, choices=MatterCategory.choices)
    tier = models.CharField("决策层级", max_length=16, choices=Tier.choices)
    amount = models.DecimalField(
        "涉及金额（元）",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    responsible_leaders = models.ManyToManyField(
        Person, verbose_name="责任领导", blank=True, related_name="responsible_decisions"
    )
    communications = models.ManyToManyField(
        Communication, verbose_name="会前沟通", blank=True, related_name="decisions"
    )
    agenda_items = models.ManyToManyField(
        AgendaItem,
        verbose_name="相关议题",
        blank=True,
        related_name="decisions",
        help_text="决策链：校长办公会研究提出 → 党组织会议讨论决定 → 校长办公会部署落实。",
    )
    status = models.CharField("状态", max_length=16, choices=DecisionStatus.choices, default=DecisionStatus.DRAFT)
    outcome = models.CharField("决策结果", max_length=16, choices=Outcome.choices, blank=True)
    deciding_item = models.ForeignKey(
        AgendaItem,
        verbose_name="决策议题",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decided_decisions",
    )
    decided_by = models.ForeignKey(
        Person, verbose_name="决定人（小事）", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_on = models.DateField("决策日期", null=True, blank=True)
    is_emergency = models.BooleanField(
        "紧急情况临机决定",
        default=False,
        help_text="紧急情况下由书记或校长个人临机决定，事后须在下一次党组织会议上通报。（EMERGENCY_DECISION）",
    )
    same_matter_as = models.ForeignKey(
        "self",
        verbose_name="同一事项（分次决策）",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="split_parts",
        help_text="同一事项分次决策时填写首次决策的事项，金额合并计算。（AMOUNT_TIER）",
    )
    closing_summary = models.TextField("办结总结", blank=True)
    closed_on = models.DateField("办结日期", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords(m2m_fields=[responsible_leaders, communications, agenda_items])

    class Meta:
        verbose_name = "决策事项"
        verbose_name_plural = "决策事项"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["school", "status"]),
            models.Index(fields=["school", "category", "decided_on"]),
            models.Index(fields=["created_at", "id"], name="decision_created_id"),  # list, newest first
        ]
        constraints = [
            models.CheckConstraint(
                name="decision_decided_has_outcome_and_date",
                condition=Q(status__in=["draft", "communicating", "on_agenda"])
                | (~Q(outcome="") & Q(decided_on__isnull=False)),
            ),
            models.CheckConstraint(
                name="decision_closed_has_summary",
                condition=~Q(status="closed") | (~Q(closing_summary="") & Q(closed_on__isnull=False)),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("decision_detail", args=[self.pk])


class DecisionTransition(BaseModel):
    """One step of a decision's lifecycle: from, to, who, when."""

    decision = models.ForeignKey(
        Decision, verbose_name="决策事项", on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField("原状态", max_length=16, choices=DecisionStatus.choices, blank=True)
    to_status = models.CharField("新状态", max_length=16, choices=DecisionStatus.choices)
    note = models.CharField("说明", max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "状态变更"
        verbose_name_plural = "状态变更"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class Consultation(TimeStampedModel):
    """征询意见: for a 中事, who was consulted and what they said."""

    decision = models.ForeignKey(
        Decision, verbose_name="决策事项", on_delete=models.CASCADE, related_name="consultations"
    )
    person = models.ForeignKey(Person, verbose_name="征询对象", on_delete=models.PROTECT, related_name="+")
    consulted_on = models.DateField("征询日期")
    opinion = models.TextField("意见")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "征询意见"
        verbose_name_plural = "征询意见"
        ordering = ["consulted_on", "pk"]

    def __str__(self) -> str:
        return f"{self.person} 的意见"


class LegalReview(TimeStampedModel):
    """合法性审查 of a 三重一大 decision before it is decided."""

    decision = models.ForeignKey(
        Decision, verbose_name="决策事项", on_delete=models.CASCADE, related_name="legal_reviews"
    )
    reviewer = models.CharField("审查人（机构）", max_length=100)
    reviewed_on = models.DateField("审查日期")
    conclusion = models.CharField("审查结论", max_length=32, choices=ReviewConclusion.choices)
    note = models.TextField("审查意见", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "合法性审查"
        verbose_name_plural = "合法性审查"
        ordering = ["reviewed_on", "pk"]

    def __str__(self) -> str:
        return f"{self.reviewer} {self.reviewed_on:%Y-%m-%d}"


class ImplementationReport(TimeStampedModel):
    """执行情况报告: the principal reports the implementation of a major resolution to the 党组织 (意见)."""

    decision = models.ForeignKey(
        Decision, verbose_name="决策事项", on_delete=models.CASCADE, related_name="implementation_reports"
    )
    reported_on = models.DateField("报告日期")
    reporter = models.ForeignKey(Person, verbose_name="报告人", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(
        AgendaItem,
        verbose_name="报告所在议题",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="implementation_reports",
        help_text="在党组织会议上报告的，关联该议题。",
    )
    summary = models.TextField("报告内容")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "执行情况报告"
        verbose_name_plural = "执行情况报告"
        ordering = ["reported_on", "pk"]

    def __str__(self) -> str:
        return f"{self.reporter} {self.reported_on:%Y-%m-%d}"


class Task(TimeStampedModel):
    """督办任务: a piece of implementation with an owner and a due date, supervised until done."""

    decision = models.ForeignKey(Decision, verbose_name="决策事项", on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField("任务", max_length=200)
    owner = models.ForeignKey(Person, verbose_name="责任人", on_delete=models.PROTECT, related_name="tasks")
    due_on = models.DateField("完成时限")
    status = models.CharField("状态", max_length=16, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    done_on = models.DateField("完成日期", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "督办任务"
        verbose_name_plural = "督办任务"
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"])]
        constraints = [
            models.CheckConstraint(name="task_done_has_date", condition=~Q(status="done") | Q(done_on__isnull=False))
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("task_detail", args=[self.pk])


class TaskProgress(BaseModel):
    """A dated progress note of a task."""

    task = models.ForeignKey(Task, verbose_name="任务", on_delete=models.CASCADE, related_name="progress")
    noted_on = models.DateField("日期")
    text = models.TextField("进展")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填写人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "任务进展"
        verbose_name_plural = "任务进展"
        ordering = ["noted_on", "pk"]

    def __str__(self) -> str:
        return f"{self.noted_on:%Y-%m-%d} {self.text[:20]}"


class Evidence(BaseModel):
    """佐证材料: a file uploaded for a task, stored outside the web root and served only in scope."""

    task = models.ForeignKey(Task, verbose_name="任务", on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField("文件", upload_to="evidence/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=100)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class Finding(BaseModel):
    """合规提示: one breach of a DESIGN §3 rule by one record; resolved automatically when fixed."""

    rule = models.CharField("规则", max_length=32, db_index=True)
    severity = models.CharField("级别", max_length=16, choices=FindingSeverity.choices)
    school = models.ForeignKey(School, verbose_name="学校", on_delete=models.CASCADE, related_name="findings")
    content_type = models.ForeignKey(ContentType, verbose_name="对象类型", on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField("对象编号")
    subject = GenericForeignKey("content_type", "object_id")
    key = models.CharField("区分键", max_length=64, blank=True, help_text="同一对象同一规则的多个情形，如月份。")
    message = models.CharField("提示内容", max_length=500)
    first_seen = models.DateTimeField("首次发现", auto_now_add=True)
    last_seen = models.DateTimeField("最近检查")
    resolved_at = models.DateTimeField("整改时间", null=True, blank=True)
    policy = models.ForeignKey(
        "schools.Policy",
        verbose_name="计算依据（制度参数）",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="计算该提示时适用的制度参数版本；为空表示系统默认参数。",
    )

    class Meta:
        verbose_name = "合规提示"
        verbose_name_plural = "合规提示"
        ordering = ["-first_seen", "pk"]
        indexes = [
            models.Index(fields=["school", "resolved_at"]),
            models.Index(fields=["rule", "resolved_at"]),
            models.Index(fields=["content_type", "object_id"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "content_type", "object_id", "key"],
                condition=Q(resolved_at__isnull=True),
                name="finding_one_open_per_cause",
            )
        ]

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
