"""Users with their role and scope, and the shared abstract base model."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class BaseModel(models.Model):
    """Base of the domain models (a common root for what every record shares)."""

    class Meta:
        abstract = True


class TimeStampedModel(BaseModel):
    """Base for every domain record: creation and last-change times (used for incremental sync)."""

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_index=True)

    class Meta:
        abstract = True


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", "区级管理员"
    DISTRICT_VIEWER = "district_viewer", "区级查看者"
    XUEQU_VIEWER = "xuequ_viewer", "学区查看者"
    SECRETARY = "secretary", "书记"
    PRINCIPAL = "principal", "校长"
    CLERK = "clerk", "记录员"


DISTRICT_ROLES = (Role.DISTRICT_ADMIN, Role.DISTRICT_VIEWER)
SCHOOL_ROLES = (Role.SECRETARY, Role.PRINCIPAL, Role.CLERK)


class PortalUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.DISTRICT_ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A portal account. Its role and its 学区 or school decide everything it may see and change."""

    role = models.CharField("角色", max_length=32, choices=Role.choices, default=Role.CLERK)
    school_district = models.ForeignKey(
        "schools.SchoolDistrict",
        verbose_name="所属学区",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text="学区查看者必填。",
    )
    school = models.ForeignKey(
        "schools.School",
        verbose_name="所属学校",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text="书记、校长、记录员必填。",
    )
    person = models.OneToOneField(
        "schools.Person",
        verbose_name="对应人员",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="account",
        help_text="书记、校长账号对应的人员，用于确认沟通记录和签署纪要。",
    )

    objects = PortalUserManager()
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            models.CheckConstraint(
                name="user_school_role_has_school",
                condition=~Q(role__in=[role.value for role in SCHOOL_ROLES]) | Q(school__isnull=False),
            ),
            models.CheckConstraint(
                name="user_xuequ_viewer_has_district",
                condition=~Q(role=Role.XUEQU_VIEWER) | Q(school_district__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_full_name(self) -> str:
        """Chinese order: family name first, no space."""
        return f"{self.last_name}{self.first_name}".strip()

    @property
    def is_district(self) -> bool:
        return self.role in DISTRICT_ROLES or self.is_superuser


class DemoDataset(models.Model):
    """Marks an installation whose data was created by `seed_demo`; pages then show a banner."""

    loaded_at = models.DateTimeField("载入时间", auto_now=True)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "演示数据标记"
        verbose_name_plural = "演示数据标记"

    def __str__(self) -> str:
        return f"演示数据（{self.loaded_at:%Y-%m-%d}）"


class Amendment(models.Model):
    """更正: a correction of a finalised record (signed minutes, confirmed communication, decided item).

    The original stays as it was; the amendment is shown beside it. Amendments are never edited or deleted.
    """

    school = models.ForeignKey(
        "schools.School", verbose_name="学校", on_delete=models.PROTECT, related_name="amendments"
    )
    content_type = models.ForeignKey(ContentType, verbose_name="对象类型", on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField("对象编号")
    target = GenericForeignKey("content_type", "object_id")
    field_label = models.CharField("更正内容", max_length=64, help_text="如：会议纪要、议题纪要、沟通内容")
    correction = models.TextField("更正后内容")
    reason = models.TextField("更正原因")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="更正人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("更正时间", auto_now_add=True)

    class Meta:
        verbose_name = "更正记录"
        verbose_name_plural = "更正记录"
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.field_label}更正（{self.created_at:%Y-%m-%d}）"


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the token itself is shown once, at creation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField("用途", max_length=100)
    prefix = models.CharField("前缀", max_length=12, help_text="令牌开头几位，用于辨认。")
    key_hash = models.CharField("令牌摘要", max_length=64, unique=True)
    can_write = models.BooleanField("允许写入", default=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Tombstone(models.Model):
    """A deleted record, so that API clients mirroring the data can delete it too."""

    model = models.CharField("对象类型", max_length=64, db_index=True)
    object_id = models.PositiveBigIntegerField("对象编号")
    school = models.ForeignKey(
        "schools.School", verbose_name="学校", on_delete=models.CASCADE, null=True, related_name="+"
    )
    deleted_at = models.DateTimeField("删除时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "删除记录"
        verbose_name_plural = "删除记录"
        ordering = ["deleted_at", "pk"]

    def __str__(self) -> str:
        return f"{self.model}#{self.object_id}"


class AuditAction(models.TextChoices):
    CREATE = "create", "创建"
    UPDATE = "update", "修改"
    FINALISE = "finalise", "定稿"
    AMEND = "amend", "更正"
    DELETE = "delete", "删除"
    LOGIN = "login", "登录"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOGOUT = "logout", "退出"


class AuditEventQuerySet(models.QuerySet):
    """Audit events are append-only: bulk updates and deletes through the ORM are refused."""

    def update(self, **kwargs):
        raise PermissionError("审计日志只能追加，不能修改。")

    def delete(self):
        raise PermissionError("审计日志只能追加，不能删除。")


class AuditEvent(models.Model):
    """审计日志: who created, changed, finalised, amended or deleted what and when, and every login.

    Written by `core.audit.recording` from django-simple-history's records, amendments and Django's auth
    signals. Rows are never changed or deleted; the user and school keep their ids (no database constraint)
    even when the account or school is removed later, and the username is kept as text.
    """

    at = models.DateTimeField("时间", db_index=True)
    action = models.CharField("操作", max_length=16, choices=AuditAction.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    username = models.CharField("账号", max_length=150, blank=True)
    school = models.ForeignKey(
        "schools.School",
        verbose_name="学校",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    model = models.CharField("对象类型", max_length=100, blank=True, help_text="app_label.model_name")
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    changes = models.TextField("变更内容", blank=True)
    ip = models.GenericIPAddressField("IP 地址", null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["school", "at"], name="audit_school_at"),
            models.Index(fields=["username", "at"], name="audit_username_at"),
            models.Index(fields=["model", "at"], name="audit_model_at"),
            models.Index(fields=["action", "at"], name="audit_action_at"),
            models.Index(fields=["model", "object_id"], name="audit_object"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("审计日志只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("审计日志只能追加，不能删除。")
