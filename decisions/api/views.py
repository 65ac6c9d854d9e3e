"""`/api/v1/` resources of the decisions app. Reads come from the scoped selectors (out of scope is 404);
every write goes through `decisions.services` and, on an existing record, needs a matching If-Match."""

from django.db.models import Prefetch
from django.db.models.functions import Coalesce
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.pagination import ApiCursorPagination
from core.api.viewsets import ScopedReadOnlyViewSet, ScopedWriteViewSet, ServiceWriteMixin
from core.scope import restrict
from meetings.models import AgendaItem, Communication
from schools.models import Person

from .. import selectors, services
from ..filters import ConsultationFilter, DecisionFilter, FindingFilter, MatterTypeFilter, TaskFilter
from ..models import Consultation, DecisionTransition, ImplementationReport, MatterType
from .serializers import (
    AmendmentSerializer,
    ConsultationSerializer,
    ConsultationWriteSerializer,
    DecisionAmendmentInputSerializer,
    DecisionCloseInputSerializer,
    DecisionDecideInputSerializer,
    DecisionLegalReviewInputSerializer,
    DecisionLinkItemInputSerializer,
    DecisionSerializer,
    DecisionTransitionInputSerializer,
    DecisionWriteSerializer,
    FindingSerializer,
    ImplementationReportInputSerializer,
    ImplementationReportSerializer,
    LegalReviewSerializer,
    MatterTypeSerializer,
    RuleSerializer,
    TaskCompleteInputSerializer,
    TaskProgressInputSerializer,
    TaskSerializer,
    TaskWriteSerializer,
)

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="记录的 ETag（读取时的响应头）。缺少时返回 428，记录已被修改时返回 412。",
)


class ActionMixin:
    """Actions on one record: find it in scope (404), check If-Match (428 / 412), validate the input (400)."""

    def _action_input(self, request, serializer_class):
        instance = self.get_locked_object()
        data = serializer_class(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return instance, data.validated_data


def _action_schema(request, response, summary, code=200):
    return extend_schema(request=request, responses={code: response}, parameters=[IF_MATCH], summary=summary)


# --- Decisions --------------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(summary="决策事项列表"),
    retrieve=extend_schema(summary="决策事项详情"),
    create=extend_schema(request=DecisionWriteSerializer, responses={201: DecisionSerializer}, summary="登记决策事项"),
    update=extend_schema(
        request=DecisionWriteSerializer, responses=DecisionSerializer, parameters=[IF_MATCH], summary="修改决策事项"
    ),
    partial_update=extend_schema(
        request=DecisionWriteSerializer, responses=DecisionSerializer, parameters=[IF_MATCH], summary="修改决策事项"
    ),
)
class DecisionViewSet(ActionMixin, ScopedWriteViewSet):
    """决策事项 (三重一大 and other matters) through their lifecycle. Editable until decided (409 afterwards);
    a decided record is corrected by an amendment."""

    serializer_class = DecisionSerializer
    write_serializer_class = DecisionWriteSerializer
    filterset_class = DecisionFilter

    @staticmethod
    def selector(*, user):
        return selectors.decision_list(user=user).prefetch_related(
            Prefetch("responsible_leaders", queryset=Person.objects.only("pk")),
            Prefetch("communications", queryset=Communication.objects.only("pk")),
            Prefetch("agenda_items", queryset=AgendaItem.objects.only("pk")),
            "legal_reviews",
            Prefetch("implementation_reports", queryset=ImplementationReport.objects.select_related("reporter")),
            Prefetch("transitions", queryset=DecisionTransition.objects.select_related("by")),
        )

    def create_object(self, user, data):
        return services.decision_create(user=user, **data)

    def update_object(self, user, instance, data):
        data.pop("school", None)
        return services.decision_update(user=user, decision=instance, **data)

    @_action_schema(
        DecisionTransitionInputSerializer, DecisionSerializer, "变更状态（开始沟通、提交会议、暂缓后再沟通）"
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        decision, data = self._action_input(request, DecisionTransitionInputSerializer)
        return self._respond(services.decision_transition(user=request.user, decision=decision, **data))

    @_action_schema(DecisionLinkItemInputSerializer, DecisionSerializer, "关联会议议题")
    @action(detail=True, methods=["post"], url_path="link-item")
    def link_item(self, request, pk=None):
        decision, data = self._action_input(request, DecisionLinkItemInputSerializer)
        return self._respond(services.decision_link_agenda_item(user=request.user, decision=decision, **data))

    @_action_schema(DecisionDecideInputSerializer, DecisionSerializer, "作出决定")
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        decision, data = self._action_input(request, DecisionDecideInputSerializer)
        return self._respond(services.decision_decide(user=request.user, decision=decision, **data))

    @_action_schema(DecisionCloseInputSerializer, DecisionSerializer, "办结")
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        decision, data = self._action_input(request, DecisionCloseInputSerializer)
        return self._respond(services.decision_close(user=request.user, decision=decision, **data))

    @_action_schema(DecisionAmendmentInputSerializer, AmendmentSerializer, "提交更正记录（已决策事项）", code=201)
    @action(detail=True, methods=["post"])
    def amendments(self, request, pk=None):
        decision, data = self._action_input(request, DecisionAmendmentInputSerializer)
        amendment = services.decision_amend(user=request.user, decision=decision, **data)
        return Response(AmendmentSerializer(amendment).data, status=status.HTTP_201_CREATED)

    @_action_schema(DecisionLegalReviewInputSerializer, LegalReviewSerializer, "登记合法性审查", code=201)
    @action(detail=True, methods=["post"], url_path="legal-reviews")
    def legal_reviews(self, request, pk=None):
        decision, data = self._action_input(request, DecisionLegalReviewInputSerializer)
        review = services.legal_review_add(user=request.user, decision=decision, **data)
        return Response(LegalReviewSerializer(review).data, status=status.HTTP_201_CREATED)

    @_action_schema(ImplementationReportInputSerializer, ImplementationReportSerializer, "登记执行情况报告", code=201)
    @action(detail=True, methods=["post"], url_path="implementation-reports")
    def implementation_reports(self, request, pk=None):
        decision, data = self._action_input(request, ImplementationReportInputSerializer)
        report = services.implementation_report_add(user=request.user, decision=decision, **data)
        return Response(ImplementationReportSerializer(report).data, status=status.HTTP_201_CREATED)


# --- Consultations ----------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(summary="征询意见列表"),
    retrieve=extend_schema(summary="征询意见详情"),
    create=extend_schema(
        request=ConsultationWriteSerializer, responses={201: ConsultationSerializer}, summary="登记征询意见"
    ),
)
class ConsultationViewSet(ServiceWriteMixin, mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """征询意见 of 中事 decisions."""

    serializer_class = ConsultationSerializer
    write_serializer_class = ConsultationWriteSerializer
    filterset_class = ConsultationFilter

    @staticmethod
    def selector(*, user):
        return restrict(Consultation.objects.select_related("decision", "person"), user, "decision__school")

    def create_object(self, user, data):
        return services.consultation_add(user=user, **data)


# --- Tasks ------------------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(summary="督办任务列表"),
    retrieve=extend_schema(summary="督办任务详情"),
    create=extend_schema(request=TaskWriteSerializer, responses={201: TaskSerializer}, summary="分解督办任务"),
)
class TaskViewSet(ActionMixin, ServiceWriteMixin, mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """督办任务 of passed decisions with their progress notes and evidence metadata."""

    serializer_class = TaskSerializer
    write_serializer_class = TaskWriteSerializer
    filterset_class = TaskFilter

    @staticmethod
    def selector(*, user):
        return selectors.task_detail(user=user)

    def create_object(self, user, data):
        return services.task_create(user=user, **data)

    @_action_schema(TaskProgressInputSerializer, TaskSerializer, "登记任务进展")
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        task, data = self._action_input(request, TaskProgressInputSerializer)
        services.task_add_progress(user=request.user, task=task, **data)
        return self._respond(task)

    @_action_schema(TaskCompleteInputSerializer, TaskSerializer, "任务完成")
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        task, data = self._action_input(request, TaskCompleteInputSerializer)
        return self._respond(services.task_complete(user=request.user, task=task, **data))


# --- Findings and the 事项清单 ----------------------------------------------------------------------
class FindingPagination(ApiCursorPagination):
    """Findings have no `updated_at`: newest check first."""

    ordering = ("-last_seen", "-id")


@extend_schema_view(list=extend_schema(summary="合规提示列表"), retrieve=extend_schema(summary="合规提示详情"))
class FindingViewSet(ScopedReadOnlyViewSet):
    """合规提示: breaches of the rules found by the compliance engine, open or resolved."""

    serializer_class = FindingSerializer
    filterset_class = FindingFilter
    pagination_class = FindingPagination

    @staticmethod
    def selector(*, user):
        # `updated_at` gives each finding an ETag that changes when it is re-checked or resolved.
        return (
            selectors.finding_list(user=user)
            .prefetch_related(None)
            .annotate(updated_at=Coalesce("resolved_at", "last_seen"))
        )


@extend_schema_view(list=extend_schema(summary="事项清单"), retrieve=extend_schema(summary="事项清单条目"))
class MatterTypeViewSet(ScopedReadOnlyViewSet):
    """事项清单: the district's list of matter types, suggesting category, tier and the bodies to pass."""

    serializer_class = MatterTypeSerializer
    filterset_class = MatterTypeFilter

    @staticmethod
    def selector(*, user):
        return MatterType.objects.all()


@extend_schema_view(
    list=extend_schema(summary="制度依据（全部规则）", responses=RuleSerializer(many=True)),
    retrieve=extend_schema(summary="制度依据（一条规则）", responses=RuleSerializer),
)
class RuleViewSet(viewsets.ViewSet):
    """制度依据: every compliance rule with its source and quote, the parameters in force for the reader and the
    open findings in the reader's scope (the portal's /rules/ page). Read-only."""

    lookup_field = "code"
    lookup_value_regex = "[A-Z_]+"

    def list(self, request):
        return Response(RuleSerializer(selectors.rulebook(user=request.user), many=True).data)

    def retrieve(self, request, code=None):
        sheet = selectors.rule_sheet(user=request.user, code=code)
        if sheet is None:
            raise Http404
        return Response(RuleSerializer(sheet).data)
