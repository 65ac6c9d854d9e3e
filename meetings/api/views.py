"""`/api/v1/` resources of the meetings app: communications, meetings and agenda items.

Reads come from the scoped selectors (out of scope is 404); every write goes through `meetings.services`,
carries the record's ETag in If-Match (428 without it, 412 when stale) and answers with the fresh record
and its new ETag. Service errors become the one error shape: ValidationError 400, NotAllowedError 403,
RecordFinalisedError 409.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.viewsets import ScopedWriteViewSet
from core.models import Amendment
from core.scope import restrict

from .. import selectors, services
from ..choices import AttendanceKind
from ..filters import AgendaItemFilter, CommunicationFilter, MeetingFilter
from ..models import AgendaItem, Deliberation, Meeting
from .serializers import (
    AgendaItemDeferSerializer,
    AgendaItemDeliberationSerializer,
    AgendaItemPrincipalDecisionSerializer,
    AgendaItemSerializer,
    AgendaItemVotesSerializer,
    AgendaItemWriteSerializer,
    CommunicationSerializer,
    CommunicationWriteSerializer,
    MeetingAmendmentInputSerializer,
    MeetingAttendanceSerializer,
    MeetingMinutesSerializer,
    MeetingSerializer,
    MeetingWriteSerializer,
    RecordAmendmentInputSerializer,
    RecordAmendmentSerializer,
)

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="读取记录时返回的 ETag；缺少时返回 428，记录已被修改时返回 412。",
)
IF_MATCH_OPTIONAL = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="可选：记录的 ETag；提供且已过期时返回 412。",
)
WRITE_ERRORS = {
    400: OpenApiResponse(description="输入有误（fields 中为各字段的错误）"),
    403: OpenApiResponse(description="无权执行（只读令牌或角色不允许）"),
    404: OpenApiResponse(description="对象不存在或不在权限范围内"),
    409: OpenApiResponse(description="记录已定稿（code 为 finalised）"),
    412: OpenApiResponse(description="If-Match 与记录当前的 ETag 不符"),
    428: OpenApiResponse(description="缺少 If-Match 请求头"),
}


def _absent_codes(if_match) -> tuple[int, ...]:
    if if_match is None:
        return (412, 428)
    return () if if_match.required else (428,)


def _write_schema(summary: str, request, response, *, if_match=IF_MATCH, created: bool = False, methods=None):
    """Schema of a write: its input, the record it answers with, the If-Match header and the error codes."""
    return extend_schema(
        summary=summary,
        request=request,
        responses={
            201 if created else 200: response,
            **{code: r for code, r in WRITE_ERRORS.items() if code not in _absent_codes(if_match)},
        },
        parameters=[if_match] if if_match else [],
        methods=methods,
    )


class MeetingsWriteViewSet(ScopedWriteViewSet):
    """Writes through the services; actions re-read the record under If-Match before calling them."""

    def _guarded(self, request, *, required: bool = True):
        """The record named in the URL (404 outside scope), locked, after its If-Match was checked under the lock."""
        return self.get_locked_object(if_match_required=required)

    def _payload(self, serializer_class, request):
        serializer = serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer

    @staticmethod
    def _keep_parent(data: dict, field: str, current, message: str) -> dict:
        """Drop the parent (school, meeting) from an update: it can be repeated but never changed."""
        value = data.pop(field, None)
        if value is not None and value.pk != current:
            raise ValidationError({field: message})
        return data


# --- communications -----------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(summary="沟通记录列表"),
    retrieve=extend_schema(summary="沟通记录"),
    create=_write_schema(
        "登记沟通记录", CommunicationWriteSerializer, CommunicationSerializer, if_match=None, created=True
    ),
    update=_write_schema("修改沟通记录（未确认的）", CommunicationWriteSerializer, CommunicationSerializer),
    partial_update=_write_schema("部分修改沟通记录（未确认的）", CommunicationWriteSerializer, CommunicationSerializer),
)
class CommunicationViewSet(MeetingsWriteViewSet):
    """四沟通 and 一对一 communications of the pair; confirmed records change only through amendments."""

    serializer_class = CommunicationSerializer
    write_serializer_class = CommunicationWriteSerializer
    filterset_class = CommunicationFilter
    selector = staticmethod(selectors.communication_list)
    read_selector = staticmethod(selectors.communication_api_list)

    def create_object(self, user, data):
        return services.communication_create(user=user, **data)

    def update_object(self, user, instance, data):
        return services.communication_update(user=user, communication=instance, **data)

    @_write_schema("确认沟通记录", None, CommunicationSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        communication = self._guarded(request)
        return self._respond(services.communication_confirm(user=request.user, communication=communication))

    @extend_schema(methods=["GET"], summary="沟通记录的更正记录", responses={200: RecordAmendmentSerializer(many=True)})
    @_write_schema(
        "更正已确认的沟通记录",
        RecordAmendmentInputSerializer,
        RecordAmendmentSerializer,
        if_match=IF_MATCH_OPTIONAL,
        created=True,
        methods=["POST"],
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def amendments(self, request, pk=None):
        if request.method == "GET":
            communication = self.get_object()
            return Response(RecordAmendmentSerializer(_amendments_of([communication]), many=True).data)
        communication = self._guarded(request, required=False)
        data = self._payload(RecordAmendmentInputSerializer, request).validated_data
        amendment = services.communication_amend(user=request.user, communication=communication, **data)
        return Response(RecordAmendmentSerializer(amendment).data, status=status.HTTP_201_CREATED)


def _amendments_of(targets) -> list[Amendment]:
    found = selectors.amendments_for(targets=targets)
    return sorted(
        (a for target in targets for a in found.get((ContentType.objects.get_for_model(target).pk, target.pk), [])),
        key=lambda a: (a.created_at, a.pk),
    )


# --- meetings -------------------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(summary="会议列表"),
    retrieve=extend_schema(summary="会议（含出席情况和议题）"),
    create=_write_schema("创建会议", MeetingWriteSerializer, MeetingSerializer, if_match=None, created=True),
    update=_write_schema("修改会议", MeetingWriteSerializer, MeetingSerializer),
    partial_update=_write_schema("部分修改会议", MeetingWriteSerializer, MeetingSerializer),
)
class MeetingViewSet(MeetingsWriteViewSet):
    """Meetings with their attendance and agenda items (confidential items redacted outside the school)."""

    serializer_class = MeetingSerializer
    write_serializer_class = MeetingWriteSerializer
    filterset_class = MeetingFilter
    selector = staticmethod(selectors.meeting_detail)
    read_selector = staticmethod(selectors.meeting_api_list)

    def create_object(self, user, data):
        return services.meeting_create(user=user, **data)

    def update_object(self, user, instance, data):
        self._keep_parent(data, "school", instance.school_id, "会议不能改到其他学校。")
        return services.meeting_update(user=user, meeting=instance, **data)

    @_write_schema("登记出席情况", MeetingAttendanceSerializer, MeetingSerializer)
    @action(detail=True, methods=["post"])
    def attendance(self, request, pk=None):
        meeting = self._guarded(request)
        data = self._payload(MeetingAttendanceSerializer, request).validated_data
        statuses = {entry["person"]: (entry["status"], entry["leave_reason"]) for entry in data["attendance"]}
        observers = data.get("observers")
        if observers is None:  # omitted: keep the current 列席 attendees
            observers = [a.person for a in meeting.attendance.all() if a.kind == AttendanceKind.OBSERVER]
        meeting = services.meeting_record_attendance(
            user=request.user, meeting=meeting, statuses=statuses, observers=observers
        )
        return self._respond(meeting)

    @_write_schema("标记会议已召开", None, MeetingSerializer)
    @action(detail=True, methods=["post"])
    def held(self, request, pk=None):
        meeting = self._guarded(request)
        return self._respond(services.meeting_mark_held(user=request.user, meeting=meeting))

    @_write_schema("填写会议纪要和议题纪要", MeetingMinutesSerializer, MeetingSerializer)
    @action(detail=True, methods=["post"])
    def minutes(self, request, pk=None):
        meeting = self._guarded(request)
        data = self._payload(MeetingMinutesSerializer, request).validated_data
        meeting = services.meeting_set_minutes(
            user=request.user, meeting=meeting, minutes=data["minutes"], item_minutes=data["item_minutes"]
        )
        return self._respond(meeting)

    @_write_schema("定稿签发会议纪要", None, MeetingSerializer)
    @action(detail=True, methods=["post"])
    def finalise(self, request, pk=None):
        meeting = self._guarded(request)
        return self._respond(services.meeting_finalise(user=request.user, meeting=meeting))

    @extend_schema(
        methods=["GET"],
        summary="会议纪要及议题纪要的更正记录",
        responses={200: RecordAmendmentSerializer(many=True)},
    )
    @_write_schema(
        "更正已定稿的会议纪要或议题纪要",
        MeetingAmendmentInputSerializer,
        RecordAmendmentSerializer,
        created=True,
        methods=["POST"],
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def amendments(self, request, pk=None):
        if request.method == "GET":
            meeting = self.get_object()
            items = selectors.redact_items(user=request.user, meeting=meeting, items=meeting.items.all())
            visible = [meeting, *(item for item in items if not getattr(item, "redacted", False))]
            return Response(RecordAmendmentSerializer(_amendments_of(visible), many=True).data)
        meeting = self._guarded(request)
        data = self._payload(MeetingAmendmentInputSerializer, request).validated_data
        amendment = services.meeting_amend(user=request.user, meeting=meeting, **data)
        return Response(RecordAmendmentSerializer(amendment).data, status=status.HTTP_201_CREATED)


# --- agenda items ---------------------------------------------------------------------------------------
def agenda_item_list(*, user):
    """Agenda items of meetings in scope, with what the item shape needs in a fixed number of queries."""
    return (
        restrict(AgendaItem.objects.all(), user, "meeting__school")
        .select_related("meeting__school")
        .prefetch_related(
            "votes",
            "recusals",
            "pre_communications",
            Prefetch("deliberations", queryset=Deliberation.objects.prefetch_related("participants")),
        )
    )


@extend_schema_view(
    list=extend_schema(summary="议题列表"),
    retrieve=extend_schema(summary="议题"),
    create=_write_schema("新增议题", AgendaItemWriteSerializer, AgendaItemSerializer, if_match=None, created=True),
    update=_write_schema("修改议题", AgendaItemWriteSerializer, AgendaItemSerializer),
    partial_update=_write_schema("部分修改议题", AgendaItemWriteSerializer, AgendaItemSerializer),
)
class AgendaItemViewSet(MeetingsWriteViewSet):
    """议题 with votes, recusals and the result computed from them (never chosen)."""

    serializer_class = AgendaItemSerializer
    write_serializer_class = AgendaItemWriteSerializer
    filterset_class = AgendaItemFilter
    selector = staticmethod(agenda_item_list)

    def lock_object(self, instance) -> None:
        # The services serialise every change of an item through its meeting's row lock.
        Meeting.objects.select_for_update().filter(pk=instance.meeting_id).values_list("pk").first()

    def create_object(self, user, data):
        return services.agenda_item_create(user=user, **data)

    def update_object(self, user, instance, data):
        self._keep_parent(data, "meeting", instance.meeting_id, "议题不能改到其他会议。")
        return services.agenda_item_update(user=user, item=instance, **data)

    @_write_schema("登记表决和回避", AgendaItemVotesSerializer, AgendaItemSerializer)
    @action(detail=True, methods=["post"])
    def votes(self, request, pk=None):
        """Votes and recusals; at a voting body the result is computed from them. At a 校长办公会 (v1 change) they
        are kept as the members' 表态 and the result stays as the principal's decision left it (pending before)."""
        item = self._guarded(request)
        kwargs = self._payload(AgendaItemVotesSerializer, request).service_kwargs()
        return self._respond(services.agenda_item_record_votes(user=request.user, item=item, **kwargs))

    @_write_schema("登记校长决定（校长办公会）", AgendaItemPrincipalDecisionSerializer, AgendaItemSerializer)
    @action(detail=True, methods=["post"], url_path="principal-decision")
    def principal_decision(self, request, pk=None):
        """校长办公会: the principal decides after hearing the members' views (意见（六）), no vote is counted.

        Records `views_heard` and `principal_decision` (agree / disagree / defer; defer needs `deferral_reason`);
        the item's `result` follows the decision. Agree and disagree need the meeting's quorum (半数以上 of 应到 by
        default). Only items of a held 校长办公会 whose minutes are not finalised; other bodies vote (`votes`).
        """
        item = self._guarded(request)
        data = self._payload(AgendaItemPrincipalDecisionSerializer, request).validated_data
        item = services.agenda_item_record_principal_decision(
            user=request.user,
            item=item,
            principal_decision=data["principal_decision"],
            views_heard=data["views_heard"],
            reason=data["deferral_reason"],
        )
        return self._respond(item)

    @_write_schema("暂缓议题", AgendaItemDeferSerializer, AgendaItemSerializer)
    @action(detail=True, methods=["post"])
    def defer(self, request, pk=None):
        item = self._guarded(request)
        reason = self._payload(AgendaItemDeferSerializer, request).validated_data["deferral_reason"]
        return self._respond(services.agenda_item_defer(user=request.user, item=item, reason=reason))

    @_write_schema("登记干部任免议题的会前酝酿", AgendaItemDeliberationSerializer, AgendaItemSerializer)
    @action(detail=True, methods=["post"])
    def deliberations(self, request, pk=None):
        item = self._guarded(request)
        data = self._payload(AgendaItemDeliberationSerializer, request).validated_data
        deliberation = services.deliberation_add(user=request.user, item=item, **data)
        return self._respond(deliberation.item)
