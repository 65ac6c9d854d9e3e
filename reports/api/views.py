"""`/api/v1/report-runs/`: the monthly report runs in the user's scope, requesting one, and its PDF.

Scope is `ReportRun.objects.visible_to(user)` as on the web pages: a run outside it is 404, the download
included. A request goes through `reports.services.report_run_request` (the web form's service) and is queued
when it commits; a scope the user may not request is 400 (`scope`), a school or 学区 outside it 400 as well.
Lists are cursor pages by last change (`updated_since` for incremental sync); note that the progress bar moves
without touching `updated_at`, status changes do.
"""

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer

from core.api.viewsets import ScopedReadOnlyViewSet, ServiceWriteMixin
from core.errors import NotAllowedError

from .. import services
from ..filters import ReportRunFilter
from ..models import ReportRun, ReportStatus
from .serializers import ReportRunRequestSerializer, ReportRunSerializer


def report_run_list(*, user):
    """The runs `user` may list and download, with what the read shape needs (a constant number of queries)."""
    return ReportRun.objects.visible_to(user).select_related("school", "school_district")


class PdfRenderer(BaseRenderer):
    """Lets a client ask for `Accept: application/pdf` on the download (the file itself is a FileResponse)."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else JSONRenderer().render(data)


@extend_schema_view(
    list=extend_schema(summary="月度报告生成记录列表"),
    retrieve=extend_schema(summary="月度报告生成记录"),
    create=extend_schema(
        summary="申请生成月度报告",
        request=ReportRunRequestSerializer,
        responses={
            201: ReportRunSerializer,
            400: OpenApiResponse(description="输入有误，或无权申请该范围的报告（fields 中为各字段的错误）"),
            403: OpenApiResponse(description="只读令牌不能申请"),
        },
    ),
)
class ReportRunViewSet(ServiceWriteMixin, mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """月度报告: runs of the reports in scope (全区 / 学区 / 学校), requests and downloads."""

    serializer_class = ReportRunSerializer
    write_serializer_class = ReportRunRequestSerializer
    filterset_class = ReportRunFilter
    selector = staticmethod(report_run_list)

    def dispatch(self, request, *args, **kwargs):
        # Not one transaction around the handler (ServiceWriteMixin): a request commits inside its service and is
        # sent to the queue on that commit, so the answer can tell 排队 from 等待队列 (the broker was down).
        return super(ServiceWriteMixin, self).dispatch(request, *args, **kwargs)

    def create_object(self, user, data):
        try:
            return services.report_run_request(
                user=user,
                scope=data["scope"],
                period=data["month"],
                school=data.get("school"),
                school_district=data.get("school_district"),
                today=timezone.localdate(),
            )
        except NotAllowedError as exc:
            raise ValidationError({"scope": exc.message}) from exc
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "period" in exc.error_dict:
                raise ValidationError({"month": exc.message_dict["period"]}) from exc
            raise

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        # An error is the JSON error shape even when the client asked for the PDF (`Accept: application/pdf`
        # or `?format=pdf`): never JSON bytes labelled application/pdf.
        if isinstance(getattr(self.request, "accepted_renderer", None), PdfRenderer):
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = JSONRenderer.media_type
        return response

    @extend_schema(
        summary="下载月度报告 PDF",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="报告 PDF 文件"),
            404: OpenApiResponse(description="记录不存在、不在权限范围内或尚未生成完成"),
        },
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, PdfRenderer])
    def download(self, request, pk=None):
        run = self.get_object()
        if run.status != ReportStatus.DONE or not run.file:
            raise Http404
        try:
            handle = run.file.storage.open(run.file.name, "rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        response = FileResponse(handle, as_attachment=True, filename=run.download_name, content_type="application/pdf")
        response["Cache-Control"] = "private, no-store"
        return response
