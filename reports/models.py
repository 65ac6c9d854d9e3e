"""月报: one rendering of the monthly PDF report for one scope (全区 / 学区 / 学校) and one month."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from core.models import Role, TimeStampedModel
from core.scope import school_filter
from schools.models import School, SchoolDistrict


class ReportScope(models.TextChoices):
    DISTRICT = "district", "全区"
    XUEQU = "xuequ", "学区"
    SCHOOL = "school", "学校"


class ReportStatus(models.TextChoices):
    WAITING = "waiting", "等待队列"  # stored while the broker (Redis) is down; sent by dispatch_waiting_runs
    QUEUED = "queued", "排队"
    RUNNING = "running", "生成中"
    DONE = "done", "完成"
    FAILED = "failed", "失败"


PENDING_STATUSES = (ReportStatus.WAITING, ReportStatus.QUEUED, ReportStatus.RUNNING)


class ReportRunQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ReportRunQuerySet":
        """The runs `user` may list and download (DESIGN §5): district roles all; a 学区 viewer the 学区's
        report and its schools'; school roles their school's (the pair also its campuses')."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_district:
            return self
        schools = school_filter(user, "school")
        condition = Q(scope=ReportScope.SCHOOL) & schools
        if user.role == Role.XUEQU_VIEWER:
            condition |= Q(scope=ReportScope.XUEQU, school_district_id=user.school_district_id)
        return self.filter(condition)


class ReportRun(TimeStampedModel):
    """月报生成记录: a request to render one scope's report for one month, its progress and its PDF.

    One scope and month has at most one *current* run (`is_current`, enforced per scope by conditional
    unique constraints); requesting again replaces it and the older runs stay as history. The PDF lives
    under MEDIA_ROOT/reports/, which no URL serves: `reports.views.runs.run_download` streams it in scope.
    """

    scope = models.CharField("范围", max_length=16, choices=ReportScope.choices)
    school_district = models.ForeignKey(
        SchoolDistrict,
        verbose_name="学区",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="report_runs",
    )
    school = models.ForeignKey(
        School, verbose_name="学校", on_delete=models.PROTECT, null=True, blank=True, related_name="report_runs"
    )
    period = models.DateField("月份", help_text="该月第一天。")
    status = models.CharField("状态", max_length=16, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    is_current = models.BooleanField("当前版本", default=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="留空表示定时任务生成。",
    )
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("执行次数", default=0)
    parts_total = models.PositiveSmallIntegerField("分片数", null=True, blank=True)
    file = models.FileField("文件", upload_to="reports/", max_length=200, blank=True)
    size = models.PositiveBigIntegerField("大小（字节）", null=True, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    page_count = models.PositiveIntegerField("页数", null=True, blank=True)
    error = models.TextField("错误信息", blank=True)
    objects = ReportRunQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["progress", "updated_at"])

    class Meta:
        verbose_name = "月度报告"
        verbose_name_plural = "月度报告"
        ordering = ["-period", "scope", "-created_at", "-pk"]
        indexes = [models.Index(fields=["period", "scope", "is_current"])]
        constraints = [
            models.CheckConstraint(
                name="report_run_scope_target",
                condition=Q(scope=ReportScope.DISTRICT, school_district__isnull=True, school__isnull=True)
                | Q(scope=ReportScope.XUEQU, school_district__isnull=False, school__isnull=True)
                | Q(scope=ReportScope.SCHOOL, school_district__isnull=True, school__isnull=False),
            ),
            models.CheckConstraint(name="report_run_progress_percent", condition=Q(progress__lte=100)),
            models.CheckConstraint(
                name="report_run_done_has_file",
                condition=~Q(status=ReportStatus.DONE) | (~Q(file="") & ~Q(sha256="") & Q(size__isnull=False)),
            ),
            models.UniqueConstraint(
                fields=["period"],
                condition=Q(is_current=True, scope=ReportScope.DISTRICT),
                name="report_run_one_current_district",
            ),
            models.UniqueConstraint(
                fields=["school_district", "period"],
                condition=Q(is_current=True, scope=ReportScope.XUEQU),
                name="report_run_one_current_xuequ",
            ),
            models.UniqueConstraint(
                fields=["school", "period"],
                condition=Q(is_current=True, scope=ReportScope.SCHOOL),
                name="report_run_one_current_school",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope_label} {self.period:%Y年%m月} 月度报告"

    def get_absolute_url(self) -> str:
        return reverse("report_run_detail", args=[self.pk])

    @property
    def scope_label(self) -> str:
        if self.scope == ReportScope.SCHOOL:
            return self.school.name
        if self.scope == ReportScope.XUEQU:
            return self.school_district.name
        return "海淀区（全区）"

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_STATUSES

    @property
    def download_name(self) -> str:
        return f"{self.scope_label}-{self.period:%Y-%m}-月度报告.pdf"
