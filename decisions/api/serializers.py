"""Decisions, consultations, legal reviews, 督办 tasks, findings and the 事项清单 as JSON.

Output serializers are read-only. Input serializers only check the shape of a request and that referenced
records are in the user's scope; every rule is applied by `decisions.services`.
"""

from decimal import Decimal

from rest_framework import serializers

from core.api.serializers import LabelField
from core.models import Amendment
from core.scope import restrict
from meetings.models import AgendaItem, Communication
from meetings.selectors import communication_list
from schools.choices import MeetingBody
from schools.models import Person, School
from schools.selectors import person_list, school_list

from ..choices import DecisionStatus, MatterCategory, Outcome, ReviewConclusion, Tier
from ..models import (
    Consultation,
    Decision,
    DecisionTransition,
    Evidence,
    Finding,
    ImplementationReport,
    LegalReview,
    MatterType,
    Task,
    TaskProgress,
)
from ..selectors import rule_titles


# --- Scoped references in input ---------------------------------------------------------------------
class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A primary key resolved only among the records the requesting user may see (others are "not found")."""

    def __init__(self, *, model, scope, **kwargs):
        self.scope = scope
        super().__init__(queryset=model.objects.none(), **kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:  # schema generation
            return self.queryset
        return self.scope(request.user)


def _decisions_in_scope(user):
    return restrict(Decision.objects.select_related("school"), user)


def _items_in_scope(user):
    return restrict(AgendaItem.objects.select_related("meeting"), user, "meeting__school")


def _school_field(**kwargs):
    return ScopedPrimaryKeyField(model=School, scope=lambda user: school_list(user=user), label="学校", **kwargs)


def _person_field(label, **kwargs):
    return ScopedPrimaryKeyField(model=Person, scope=lambda user: person_list(user=user), label=label, **kwargs)


def _decision_field(**kwargs):
    return ScopedPrimaryKeyField(model=Decision, scope=_decisions_in_scope, label="决策事项", **kwargs)


class _Output(serializers.ModelSerializer):
    id = serializers.IntegerField(read_only=True, label="编号")


# --- Output -----------------------------------------------------------------------------------------
class DecisionTransitionSerializer(_Output):
    # Blank on the first transition (the record's creation); the schema must allow "" besides the statuses.
    from_status = serializers.ChoiceField(
        choices=DecisionStatus.choices, allow_blank=True, read_only=True, label="原状态（新建时为空）"
    )
    from_status_label = LabelField(source="get_from_status_display", label="原状态名称")
    to_status_label = LabelField(source="get_to_status_display", label="新状态名称")
    by_name = serializers.StringRelatedField(source="by", read_only=True, label="操作人姓名")

    class Meta:
        model = DecisionTransition
        fields = [
            "id",
            "from_status",
            "from_status_label",
            "to_status",
            "to_status_label",
            "note",
            "by",
            "by_name",
            "at",
        ]
        read_only_fields = fields


class LegalReviewSerializer(_Output):
    conclusion_label = LabelField(source="get_conclusion_display", label="审查结论名称")

    class Meta:
        model = LegalReview
        fields = ["id", "reviewer", "reviewed_on", "conclusion", "conclusion_label", "note", "created_at", "updated_at"]
        read_only_fields = fields


class ImplementationReportSerializer(_Output):
    reporter_name = serializers.CharField(source="reporter.name", read_only=True, label="报告人姓名")

    class Meta:
        model = ImplementationReport
        fields = ["id", "reported_on", "reporter", "reporter_name", "item", "summary", "created_at", "updated_at"]
        read_only_fields = fields


class DecisionSerializer(_Output):
    category_label = LabelField(source="get_category_display", label="事项类别名称")
    tier_label = LabelField(source="get_tier_display", label="决策层级名称")
    status_label = LabelField(source="get_status_display", label="状态名称")
    outcome_label = LabelField(source="get_outcome_display", label="决策结果名称")
    # Blank until decided; the schema must allow "" besides the outcomes.
    outcome = serializers.ChoiceField(
        choices=Outcome.choices, allow_blank=True, read_only=True, label="决策结果（未决定时为空）"
    )
    legal_reviews = LegalReviewSerializer(many=True, read_only=True, label="合法性审查")
    implementation_reports = ImplementationReportSerializer(
        many=True, read_only=True, label="执行情况报告（校长向党组织报告）"
    )
    transitions = DecisionTransitionSerializer(many=True, read_only=True, label="状态变更记录")

    class Meta:
        model = Decision
        fields = [
            "id",
            "school",
            "title",
            "description",
            "matter_type",
            "category",
            "category_label",
            "tier",
            "tier_label",
            "amount",
            "responsible_leaders",
            "communications",
            "agenda_items",
            "status",
            "status_label",
            "outcome",
            "outcome_label",
            "deciding_item",
            "decided_by",
            "decided_on",
            "is_emergency",
            "same_matter_as",
            "closing_summary",
            "closed_on",
            "legal_reviews",
            "implementation_reports",
            "transitions",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ConsultationSerializer(_Output):
    school = serializers.IntegerField(source="decision.school_id", read_only=True, label="学校")
    person_name = serializers.CharField(source="person.name", read_only=True, label="征询对象姓名")

    class Meta:
        model = Consultation
        fields = [
            "id",
            "decision",
            "school",
            "person",
            "person_name",
            "consulted_on",
            "opinion",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AmendmentSerializer(_Output):
    class Meta:
        model = Amendment
        fields = ["id", "school", "object_id", "field_label", "correction", "reason", "created_by", "created_at"]
        read_only_fields = fields


class TaskProgressSerializer(_Output):
    author_name = serializers.StringRelatedField(source="author", read_only=True, label="填写人姓名")

    class Meta:
        model = TaskProgress
        fields = ["id", "noted_on", "text", "author", "author_name", "created_at"]
        read_only_fields = fields


class EvidenceSerializer(_Output):
    """File metadata only: the file itself is downloaded from the web portal, in scope."""

    class Meta:
        model = Evidence
        fields = ["id", "original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at"]
        read_only_fields = fields


class TaskSerializer(_Output):
    school = serializers.IntegerField(source="decision.school_id", read_only=True, label="学校")
    decision_title = serializers.CharField(source="decision.title", read_only=True, label="决策事项名称")
    owner_name = serializers.CharField(source="owner.name", read_only=True, label="责任人姓名")
    status_label = LabelField(source="get_status_display", label="状态名称")
    progress = TaskProgressSerializer(many=True, read_only=True, label="进展")
    evidence = EvidenceSerializer(many=True, read_only=True, label="佐证材料（仅元数据）")

    class Meta:
        model = Task
        fields = [
            "id",
            "decision",
            "decision_title",
            "school",
            "title",
            "owner",
            "owner_name",
            "due_on",
            "status",
            "status_label",
            "done_on",
            "progress",
            "evidence",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class FindingSerializer(_Output):
    rule_title = serializers.SerializerMethodField(label="规则名称")
    severity_label = LabelField(source="get_severity_display", label="级别名称")
    subject_type = serializers.SerializerMethodField(label="对象类型（应用.模型，如 decisions.decision）")
    is_open = serializers.BooleanField(read_only=True, label="未整改")
    updated_at = serializers.DateTimeField(read_only=True, label="更新时间（整改时间或最近检查时间）")

    class Meta:
        model = Finding
        fields = [
            "id",
            "rule",
            "rule_title",
            "severity",
            "severity_label",
            "school",
            "subject_type",
            "object_id",
            "key",
            "message",
            "first_seen",
            "last_seen",
            "resolved_at",
            "is_open",
            "policy",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {"policy": {"label": "计算依据的制度参数版本（为空表示系统默认参数）"}}

    def get_rule_title(self, finding: Finding) -> str:
        if "rule_titles" not in self.context:
            self.context["rule_titles"] = rule_titles()
        return self.context["rule_titles"].get(finding.rule, finding.rule)

    def get_subject_type(self, finding: Finding) -> str:
        return f"{finding.content_type.app_label}.{finding.content_type.model}"


class MatterTypeSerializer(_Output):
    category_label = LabelField(source="get_category_display", label="事项类别名称")
    tier_label = LabelField(source="get_tier_display", label="决策层级名称")
    bodies_required = serializers.ListField(
        child=serializers.ChoiceField(choices=MeetingBody.choices, label="会议类型"), read_only=True, label="须经会议"
    )

    class Meta:
        model = MatterType
        fields = [
            "id",
            "name",
            "category",
            "category_label",
            "tier",
            "tier_label",
            "bodies_required",
            "staff_congress_review",
            "description",
            "updated_at",
        ]
        read_only_fields = fields


# --- Input ------------------------------------------------------------------------------------------
class DecisionWriteSerializer(serializers.Serializer):
    school = _school_field(required=False, help_text="登记时必填；登记后不能更改。")
    title = serializers.CharField(max_length=200, label="事项名称")
    description = serializers.CharField(required=False, allow_blank=True, label="事项说明")
    matter_type = serializers.PrimaryKeyRelatedField(
        queryset=MatterType.objects.all(),
        required=False,
        allow_null=True,
        label="事项清单类别",
        help_text="选择事项清单中的事项时，未填的事项类别和决策层级按清单建议。",
    )
    category = serializers.ChoiceField(choices=MatterCategory.choices, required=False, label="事项类别")
    tier = serializers.ChoiceField(choices=Tier.choices, required=False, label="决策层级")
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        allow_null=True,
        label="涉及金额（元）",
        help_text="达到制度规定标准（默认 10 万元）的，自动归为“大额度资金使用”并集体讨论决定。",
    )
    responsible_leaders = _person_field("责任领导", many=True, required=False)
    communications = ScopedPrimaryKeyField(
        model=Communication,
        scope=lambda user: communication_list(user=user),
        many=True,
        required=False,
        label="会前沟通",
    )
    same_matter_as = _decision_field(
        required=False,
        allow_null=True,
        help_text="同一事项分次决策时填写本校首次决策的事项；期限内（默认 90 天）的金额合并计算。",
    )

    def validate(self, attrs):
        instance = self.context.get("instance")
        if instance is None and "school" not in attrs:
            raise serializers.ValidationError({"school": "请选择学校。"})
        if instance is not None and attrs.get("school", instance.school) != instance.school:
            raise serializers.ValidationError({"school": "决策事项登记后不能更改学校。"})
        return attrs


class DecisionTransitionInputSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=DecisionStatus.choices, label="新状态")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, label="说明")


class DecisionLinkItemInputSerializer(serializers.Serializer):
    item = ScopedPrimaryKeyField(model=AgendaItem, scope=_items_in_scope, label="会议议题")


class DecisionDecideInputSerializer(serializers.Serializer):
    item = ScopedPrimaryKeyField(
        model=AgendaItem,
        scope=_items_in_scope,
        required=False,
        allow_null=True,
        label="决策议题",
        help_text="集体讨论的事项必填：已关联并已表决的议题，决策结果按其表决结果。",
    )
    decided_by = _person_field(
        "决定人", required=False, allow_null=True, help_text="小事自主决策必填：作出决定的责任领导。"
    )
    decided_on = serializers.DateField(
        required=False,
        allow_null=True,
        label="决策日期",
        help_text="中事、小事和紧急情况临机决定必填；集体讨论事项取会议日期。",
    )
    is_emergency = serializers.BooleanField(
        required=False,
        default=False,
        label="紧急情况临机决定",
        help_text="书记或校长个人临机决定（决定人、决策日期和理由必填），事后须在下一次党组织会议上通报。",
    )
    emergency_reason = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", label="临机决定理由"
    )


class ImplementationReportInputSerializer(serializers.Serializer):
    reported_on = serializers.DateField(label="报告日期")
    reporter = _person_field("报告人")
    item = ScopedPrimaryKeyField(
        model=AgendaItem,
        scope=_items_in_scope,
        required=False,
        allow_null=True,
        label="报告所在议题",
        help_text="在党组织会议上报告的，填写该议题。",
    )
    summary = serializers.CharField(label="报告内容")


class DecisionCloseInputSerializer(serializers.Serializer):
    closing_summary = serializers.CharField(label="办结总结", help_text="落实情况报告。")
    closed_on = serializers.DateField(label="办结日期")


class DecisionAmendmentInputSerializer(serializers.Serializer):
    correction = serializers.CharField(label="更正后内容")
    reason = serializers.CharField(label="更正原因")


class DecisionLegalReviewInputSerializer(serializers.Serializer):
    reviewer = serializers.CharField(max_length=100, label="审查人（机构）")
    reviewed_on = serializers.DateField(label="审查日期")
    conclusion = serializers.ChoiceField(choices=ReviewConclusion.choices, label="审查结论")
    note = serializers.CharField(required=False, allow_blank=True, label="审查意见")


class ConsultationWriteSerializer(serializers.Serializer):
    decision = _decision_field()
    person = _person_field("征询对象")
    consulted_on = serializers.DateField(label="征询日期")
    opinion = serializers.CharField(label="意见")


class TaskWriteSerializer(serializers.Serializer):
    decision = _decision_field(help_text="已通过的决策事项。")
    title = serializers.CharField(max_length=200, label="任务")
    owner = _person_field("责任人")
    due_on = serializers.DateField(label="完成时限")


class TaskProgressInputSerializer(serializers.Serializer):
    noted_on = serializers.DateField(label="日期")
    text = serializers.CharField(label="进展")


class TaskCompleteInputSerializer(serializers.Serializer):
    done_on = serializers.DateField(label="完成日期")


class RuleParameterSerializer(serializers.Serializer):
    label = serializers.CharField(label="参数")
    value = serializers.CharField(label="当前值")
    origin = serializers.CharField(label="来源（本校、全区或系统默认，及生效日期）")


class RuleSerializer(serializers.Serializer):
    """制度依据: one compliance rule as the portal's /rules/ page shows it."""

    code = serializers.CharField(source="rule.code", label="规则代码")
    title = serializers.CharField(source="rule.title", label="规则名称")
    summary = serializers.CharField(source="rule.summary", label="检查内容")
    edge = serializers.CharField(source="rule.edge", label="判定边界")
    severity = serializers.CharField(source="rule.severity", label="级别（violation 违规 / warning 提示）")
    source = serializers.CharField(source="rule.citation", label="制度出处")
    source_kind = serializers.CharField(source="rule.source_document.kind", label="出处层级")
    quote = serializers.CharField(source="rule.quote", label="原文")
    remedy = serializers.CharField(source="rule.remedy", label="整改建议")
    parameters = RuleParameterSerializer(many=True, label="当前适用的制度参数")
    open_count = serializers.IntegerField(label="可查看范围内未整改提示数")
