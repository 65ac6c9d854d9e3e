"""Users with their role and scope, and the shared abstract base model."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class TimeStampedModel(models.Model):
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


DISTRICT_ROLES = frozenset({Role.DISTRICT_ADMIN, Role.DISTRICT_VIEWER})
SCHOOL_ROLES = frozenset({Role.SECRETARY, Role.PRINCIPAL, Role.CLERK})


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
                condition=~Q(role__in=[r.value for r in SCHOOL_ROLES]) | Q(school__isnull=False),
            ),
            models.CheckConstraint(
                name="user_xuequ_viewer_has_district",
                condition=~Q(role=Role.XUEQU_VIEWER) | Q(school_district__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

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
