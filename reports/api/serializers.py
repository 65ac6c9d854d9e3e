"""Serializers of the monthly report runs: the read shape (codes plus `*_label`, related records as ids, the
download URL once done) and the request input handed to `reports.services.report_run_request`."""

from datetime import date

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from core.api.serializers import LabelField
from core.models import Role
from core.months import parse_month
from meetings.api.serializers import ScopedPrimaryKeyRelatedField, _school_scope
from schools.models import School, SchoolDistrict

from ..models import ReportRun, ReportScope, ReportStatus

MONTH_MESSAGE = "请按“年-月”填写月份，如 2026-10。"


class ReportRunSerializer(serializers.ModelSerializer):
    scope_label = LabelField(source="get_scope_display", label="范围名称")
    target_label = serializers.CharField(source="scope_label", read_only=True, label="报告对象")
    status_label = LabelField(source="get_status_display", label="状态名称")
    download_url = serializers.SerializerMethodField(label="下载地址")

    class Meta:
        model = ReportRun
        fields = [
            "id",
            "scope",
            "scope_label",
            "school_district",
            "school",
            "target_label",
            "period",
            "status",
            "status_label",
            "progress",
            "is_current",
            "requested_by",
            "started_at",
            "finished_at",
            "page_count",
            "size",
            "sha256",
            "error",
            "download_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {"id": {"label": "编号"}}

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, run: ReportRun) -> str | None:
        if run.status != ReportStatus.DONE:
            return None
        return reverse("api-reportrun-download", args=[run.pk], request=self.context.get("request"))


def _xuequ_scope(queryset, user):
    if user.is_district:
        return queryset
    if user.role == Role.XUEQU_VIEWER:
        return queryset.filter(pk=user.school_district_id)
    return queryset.none()


class ReportRunRequestSerializer(serializers.Serializer):
    """申请生成月度报告: scope, month and (for 学区 / 学校) the target; ids outside the user's scope are 400."""

    scope = serializers.ChoiceField(choices=ReportScope.choices, label="报告范围")
    school_district = ScopedPrimaryKeyRelatedField(
        scope=_xuequ_scope,
        queryset=SchoolDistrict.objects.all(),
        required=False,
        allow_null=True,
        label="学区",
        help_text="范围为学区时必填。",
    )
    school = ScopedPrimaryKeyRelatedField(
        scope=_school_scope,
        queryset=School.objects.all(),
        required=False,
        allow_null=True,
        label="学校",
        help_text="范围为学校时必填。",
    )
    month = serializers.CharField(label="月份", help_text="格式：2026-10（年-月）。")

    def validate_month(self, value: str) -> date:
        month = parse_month(value)
        if month is None:
            raise serializers.ValidationError(MONTH_MESSAGE)
        return month

    def validate(self, data):
        if data["scope"] == ReportScope.SCHOOL and not data.get("school"):
            raise serializers.ValidationError({"school": "请选择学校。"})
        if data["scope"] == ReportScope.XUEQU and not data.get("school_district"):
            raise serializers.ValidationError({"school_district": "请选择学区。"})
        return data
