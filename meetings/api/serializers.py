"""Serializers of the meetings resources: read shapes (codes plus `*_label`, related records as ids) and the
inputs of every write, which the views hand to `meetings.services` (the services decide, these only parse)."""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from core.api.serializers import LabelField
from core.models import Amendment
from core.scope import restrict
from schools.choices import MeetingBody
from schools.models import Person, School

from ..choices import (
    AttendanceStatus,
    CommunicationCategory,
    CommunicationOutcome,
    CommunicationTiming,
    ItemResult,
    MatterCategory,
    PrincipalDecision,
    VoteChoice,
)
from ..models import AgendaItem, Attendance, Communication, Deliberation, Meeting, Recusal, Vote
from ..rules.voting import decides_by_vote
from ..selectors import redact_items

ID_LABEL = {"id": {"label": "编号"}}


# --- related ids limited to the user's scope ----------------------------------------------------------
class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id of a record the requesting user may see; any other id is "does not exist" (400), so the
    existence of records outside the user's scope is not revealed."""

    def __init__(self, *, scope, **kwargs):
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.scope(super().get_queryset(), self.context["request"].user)


def _school_scope(queryset, user):
    return restrict(queryset, user, "")


def _school_record_scope(queryset, user):
    return restrict(queryset, user)


def _item_scope(queryset, user):
    return restrict(queryset, user, "meeting__school")


def _int_keys(value: dict, message: str) -> dict:
    """A JSON object keyed by record ids ("12": …) with the keys as integers."""
    result = {}
    for key, item in value.items():
        try:
            result[int(key)] = item
        except (TypeError, ValueError) as exc:
            raise serializers.ValidationError(message) from exc
    return result


# --- amendments -----------------------------------------------------------------------------------------
class RecordAmendmentSerializer(serializers.ModelSerializer):
    """更正: a correction shown beside a finalised record, which itself never changes."""

    target_type = serializers.SerializerMethodField(label="更正对象类型", help_text="如 meetings.meeting")
    target_id = serializers.IntegerField(source="object_id", read_only=True, label="更正对象编号")

    class Meta:
        model = Amendment
        fields = ["id", "target_type", "target_id", "field_label", "correction", "reason", "created_by", "created_at"]
        read_only_fields = fields
        extra_kwargs = ID_LABEL

    def get_target_type(self, obj) -> str:
        return f"{obj.content_type.app_label}.{obj.content_type.model}"


class RecordAmendmentInputSerializer(serializers.Serializer):
    correction = serializers.CharField(label="更正后内容", allow_blank=True, trim_whitespace=False)
    reason = serializers.CharField(label="更正原因", allow_blank=True, trim_whitespace=False)


class MeetingAmendmentInputSerializer(RecordAmendmentInputSerializer):
    item = ScopedPrimaryKeyRelatedField(
        scope=_item_scope,
        queryset=AgendaItem.objects.all(),
        required=False,
        allow_null=True,
        label="议题",
        help_text="更正某一议题的纪要时填写；省略则更正会议纪要。",
    )


# --- communications -----------------------------------------------------------------------------------
class CommunicationSerializer(serializers.ModelSerializer):
    category_label = LabelField(source="get_category_display", label="沟通类别名称")
    timing_label = LabelField(source="get_timing_display", label="沟通时机名称")
    outcome_label = LabelField(source="get_outcome_display", label="沟通结果名称")
    is_confirmed = serializers.BooleanField(read_only=True, label="已确认")

    class Meta:
        model = Communication
        fields = [
            "id",
            "school",
            "occurred_at",
            "category",
            "category_label",
            "timing",
            "timing_label",
            "event_at",
            "subject",
            "summary",
            "outcome",
            "outcome_label",
            "participants",
            "logged_by",
            "confirmed_by",
            "confirmed_at",
            "is_confirmed",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = ID_LABEL


# Named as the input variant of the record ("CommunicationRequest"), so each choice set belongs to one component.
@extend_schema_serializer(component_name="Communication")
class CommunicationWriteSerializer(serializers.Serializer):
    """Input of `communication_create` / `communication_update`; the pair rules are checked by the service."""

    school = ScopedPrimaryKeyRelatedField(
        scope=_school_scope, queryset=School.objects.all(), label="学校", help_text="修改时不能改到其他学校。"
    )
    occurred_at = serializers.DateTimeField(label="沟通时间", help_text="不能晚于现在。")
    category = serializers.ChoiceField(choices=CommunicationCategory.choices, label="沟通类别")
    timing = serializers.ChoiceField(choices=CommunicationTiming.choices, label="沟通时机")
    event_at = serializers.DateTimeField(
        required=False, allow_null=True, label="事件发生时间", help_text="突发事件必填。"
    )
    subject = serializers.CharField(max_length=200, label="主题")
    summary = serializers.CharField(label="沟通内容")
    outcome = serializers.ChoiceField(choices=CommunicationOutcome.choices, label="沟通结果")
    participants = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Person.objects.all(),
        label="参与人",
        help_text="人员 id：沟通当日在任的本校书记和校长（一肩挑学校为书记校长本人和一位副书记或副校长）。",
    )


# --- meetings -------------------------------------------------------------------------------------------
class AttendanceSerializer(serializers.ModelSerializer):
    # Blank until the attendance is recorded; the schema must allow "" besides the statuses.
    status = serializers.ChoiceField(
        choices=AttendanceStatus.choices, allow_blank=True, read_only=True, label="出席情况（未登记时为空）"
    )
    kind_label = LabelField(source="get_kind_display", label="身份名称")
    status_label = LabelField(source="get_status_display", label="出席情况名称")

    class Meta:
        model = Attendance
        fields = ["id", "person", "kind", "kind_label", "status", "status_label", "leave_reason", "updated_at"]
        read_only_fields = fields
        extra_kwargs = ID_LABEL


class VoteSerializer(serializers.ModelSerializer):
    choice_label = LabelField(source="get_choice_display", label="表决意见名称")

    class Meta:
        model = Vote
        fields = ["person", "choice", "choice_label"]
        read_only_fields = fields


class RecusalSerializer(serializers.ModelSerializer):
    class Meta:
        model = Recusal
        fields = ["person", "reason"]
        read_only_fields = fields


class DeliberationSerializer(serializers.ModelSerializer):
    """酝酿 of a 干部任免 item before the meeting (PERSONNEL_DELIBERATION)."""

    class Meta:
        model = Deliberation
        fields = ["id", "held_on", "circle", "participants", "note", "created_at"]
        read_only_fields = fields
        extra_kwargs = ID_LABEL


class AgendaItemSerializer(serializers.ModelSerializer):
    """An agenda item; confidential items (干部任免) are redacted for readers outside the school: title and
    texts blanked, proposer, communications, votes per person and recusals left out, counts and result kept.

    v1 change (Rulebook v2): a 校长办公会 does not vote; the principal decides after hearing the members' views
    (意见（六）). Added `decision_method` (`vote` at 党组织会议 / 党政联席会 / 教代会, `principal` at a 校长办公会),
    `principal_decision` (agree / disagree / defer, blank until recorded), `principal_decision_label` and
    `views_heard`. Every other field keeps its meaning; at a 校长办公会 `result` follows `principal_decision`
    (pending until it is recorded) and `votes_*` / `votes` are the members' 表态, counted nowhere.
    """

    school = serializers.IntegerField(source="meeting.school_id", read_only=True, label="学校")
    category_label = LabelField(source="get_category_display", label="事项类别名称")
    result_label = LabelField(source="get_result_display", label="表决结果名称")
    decision_method = serializers.SerializerMethodField(
        label="决定方式",
        help_text="vote：表决（党组织会议、党政联席会、教代会）；principal：校长听取意见后决定（校长办公会）。",
    )
    principal_decision = serializers.ChoiceField(
        choices=PrincipalDecision.choices,
        allow_blank=True,
        read_only=True,
        label="校长决定（未决定或非校长办公会时为空）",
    )
    principal_decision_label = LabelField(source="get_principal_decision_display", label="校长决定名称")
    touches_staff_interests = serializers.BooleanField(
        read_only=True, allow_null=True, label="涉及教职工切身利益", help_text="保密议题对校外人员为 null。"
    )
    votes = VoteSerializer(many=True, read_only=True, label="按人表决")
    recusals = RecusalSerializer(many=True, read_only=True, label="回避")
    deliberations = DeliberationSerializer(many=True, read_only=True, label="会前酝酿")
    redacted = serializers.SerializerMethodField(label="已隐去保密内容")

    class Meta:
        model = AgendaItem
        fields = [
            "id",
            "meeting",
            "school",
            "order",
            "title",
            "proposer",
            "lead_member",
            "added_at_meeting",
            "chair_consented",
            "category",
            "category_label",
            "touches_staff_interests",
            "is_confidential",
            "redacted",
            "pre_communications",
            "gate_override_reason",
            "secretary_spoke_last",
            "votes_for",
            "votes_against",
            "votes_abstain",
            "votes",
            "recusals",
            "deliberations",
            "result",
            "result_label",
            "decision_method",
            "principal_decision",
            "principal_decision_label",
            "views_heard",
            "deferral_reason",
            "minutes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = ID_LABEL

    def get_redacted(self, obj) -> bool:
        return getattr(obj, "redacted", False)

    def get_decision_method(self, obj) -> str:
        return "vote" if decides_by_vote(obj.meeting.body) else "principal"

    def to_representation(self, instance):
        if instance.is_confidential:  # nothing to redact otherwise: no need to ask who reads it
            (instance,) = redact_items(user=self.context["request"].user, meeting=instance.meeting, items=[instance])
        data = super().to_representation(instance)
        if data["redacted"]:
            data.update(proposer=None, touches_staff_interests=None, pre_communications=[], votes=[], recusals=[])
            data.update(lead_member=None, deliberations=[])
        return data


class MeetingSerializer(serializers.ModelSerializer):
    body_label = LabelField(source="get_body_display", label="会议类型名称")
    status_label = LabelField(source="get_status_display", label="状态名称")
    expected_count = serializers.IntegerField(read_only=True, label="应到人数")
    present_count = serializers.IntegerField(read_only=True, label="实到人数")
    item_count = serializers.IntegerField(read_only=True, label="议题数")
    attendance = AttendanceSerializer(many=True, read_only=True, label="出席情况")
    items = AgendaItemSerializer(many=True, read_only=True, label="议题")

    class Meta:
        model = Meeting
        fields = [
            "id",
            "school",
            "body",
            "body_label",
            "title",
            "date",
            "start_time",
            "place",
            "notice_sent_at",
            "chair",
            "status",
            "status_label",
            "minutes",
            "created_by",
            "finalised_by",
            "finalised_at",
            "expected_count",
            "present_count",
            "item_count",
            "attendance",
            "items",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = ID_LABEL


@extend_schema_serializer(component_name="Meeting")
class MeetingWriteSerializer(serializers.Serializer):
    """Input of `meeting_create` / `meeting_update`; the expected members are stored by the service."""

    school = ScopedPrimaryKeyRelatedField(
        scope=_school_scope, queryset=School.objects.all(), label="学校", help_text="修改时不能改到其他学校。"
    )
    body = serializers.ChoiceField(choices=MeetingBody.choices, label="会议类型")
    title = serializers.CharField(max_length=200, label="会议名称")
    date = serializers.DateField(label="会议日期", help_text="会议召开后不能修改。")
    start_time = serializers.TimeField(required=False, allow_null=True, label="开始时间")
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, label="地点")
    notice_sent_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        label="通知及材料送达时间",
        help_text="会议通知和议题材料送达参会人员的时间；不能晚于会议开始，也不能晚于现在。",
    )
    chair = serializers.PrimaryKeyRelatedField(
        queryset=Person.objects.all(),
        required=False,
        allow_null=True,
        label="主持人",
        help_text="须为该会议在会议日期的应到成员。",
    )


@extend_schema_serializer(component_name="Attendance")
class AttendanceEntrySerializer(serializers.Serializer):
    person = serializers.IntegerField(label="人员", help_text="本次会议应到成员的人员 id。")
    status = serializers.ChoiceField(choices=AttendanceStatus.choices, label="出席情况")
    leave_reason = serializers.CharField(
        required=False, allow_blank=True, default="", label="请假事由", help_text="请假必填。"
    )


class MeetingAttendanceSerializer(serializers.Serializer):
    attendance = AttendanceEntrySerializer(many=True, label="应到成员出席情况")
    observers = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Person.objects.all(),
        required=False,
        label="列席人员",
        help_text="人员 id 列表（不参加表决）；省略则保持不变，传空列表则全部移除。",
    )

    def validate_attendance(self, value):
        people = [entry["person"] for entry in value]
        if len(people) != len(set(people)):
            raise serializers.ValidationError("同一人员只能登记一次出席情况。")
        return value


class MeetingMinutesSerializer(serializers.Serializer):
    minutes = serializers.CharField(allow_blank=True, label="会议纪要")
    item_minutes = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        default=dict,
        label="议题纪要",
        help_text="键为议题 id，值为该议题的纪要。",
    )

    def validate_item_minutes(self, value):
        return _int_keys(value, "键须为议题编号（整数）。")


# --- agenda items ---------------------------------------------------------------------------------------
@extend_schema_serializer(component_name="AgendaItem")
class AgendaItemWriteSerializer(serializers.Serializer):
    """Input of `agenda_item_create` / `agenda_item_update`; the 会前沟通 gate is checked by the service."""

    meeting = ScopedPrimaryKeyRelatedField(
        scope=_school_record_scope, queryset=Meeting.objects.all(), label="会议", help_text="修改时不能改到其他会议。"
    )
    title = serializers.CharField(max_length=200, label="议题")
    category = serializers.ChoiceField(choices=MatterCategory.choices, label="事项类别")
    order = serializers.IntegerField(
        min_value=1, max_value=32767, required=False, label="序号", help_text="创建时省略则排在最后。"
    )
    proposer = serializers.PrimaryKeyRelatedField(
        queryset=Person.objects.all(), required=False, allow_null=True, label="提议人"
    )
    touches_staff_interests = serializers.BooleanField(required=False, label="涉及教职工切身利益")
    lead_member = serializers.PrimaryKeyRelatedField(
        queryset=Person.objects.all(),
        required=False,
        allow_null=True,
        label="分管领导",
        help_text="本次会议应到成员的人员 id；分管领导缺席时一般不研究决定其分管事项。",
    )
    added_at_meeting = serializers.BooleanField(
        required=False, label="临时动议", help_text="会上临时提出的议题；须经主持人同意，且不得为三重一大事项。"
    )
    chair_consented = serializers.BooleanField(required=False, label="主持人同意临时动议")
    pre_communications = ScopedPrimaryKeyRelatedField(
        scope=_school_record_scope,
        queryset=Communication.objects.all(),
        many=True,
        required=False,
        label="会前沟通",
        help_text="本校会议开始之前的沟通记录 id；三重一大和重要事项议题上党组织会议须有已确认且达成共识的沟通。",
    )
    gate_override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        label="主持人上会说明",
        help_text="没有达成共识的会前沟通而确需上会时，由会议主持人填写。",
    )


class VoteTotalsSerializer(serializers.Serializer):
    """赞成 / 反对 / 弃权 counts ("for" is a Python keyword, hence `get_fields`)."""

    def get_fields(self):
        return {
            "for": serializers.IntegerField(min_value=0, label="赞成票"),
            "against": serializers.IntegerField(min_value=0, label="反对票"),
            "abstain": serializers.IntegerField(min_value=0, label="弃权票"),
        }


class AgendaItemVotesSerializer(serializers.Serializer):
    """Either the vote of each member or only the totals; the result is computed from them.

    At a 校长办公会 (v1 change) the votes are still accepted and stored as the members' 表态, but the result is not
    computed from them: it stays pending until the principal's decision is recorded (`principal-decision`), and
    follows that decision afterwards; `result` is not compared there.
    """

    votes = serializers.DictField(
        child=serializers.ChoiceField(choices=VoteChoice.choices),
        required=False,
        label="按人表决",
        help_text="键为出席的应到成员的人员 id，值为 for / against / abstain；与 totals 二选一。",
    )
    totals = VoteTotalsSerializer(required=False, label="票数合计", help_text="与 votes 二选一。")
    recusals = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        default=dict,
        label="回避",
        help_text="键为申请回避的应到成员的人员 id，值为回避事由。",
    )
    secretary_spoke_last = serializers.BooleanField(
        required=False, allow_null=True, default=None, label="书记末位表态", help_text="党组织会议必填。"
    )
    result = serializers.ChoiceField(
        choices=ItemResult.choices,
        required=False,
        label="登记的表决结果",
        help_text="可选；与根据票数计算的结果不一致时拒绝（400）。",
    )

    def validate_votes(self, value):
        return _int_keys(value, "键须为人员编号（整数）。")

    def validate_recusals(self, value):
        return _int_keys(value, "键须为人员编号（整数）。")

    def service_kwargs(self) -> dict:
        data = self.validated_data
        totals = data.get("totals")
        return {
            "votes": data.get("votes"),
            "totals": (totals["for"], totals["against"], totals["abstain"]) if totals is not None else None,
            "recusals": data["recusals"],
            "secretary_spoke_last": data["secretary_spoke_last"],
            "claimed_result": data.get("result"),
        }


class AgendaItemDeferSerializer(serializers.Serializer):
    deferral_reason = serializers.CharField(max_length=200, allow_blank=True, label="暂缓原因")


class AgendaItemPrincipalDecisionSerializer(serializers.Serializer):
    """校长办公会: the views the principal heard and the decision taken; the service checks quorum and the rest."""

    principal_decision = serializers.ChoiceField(
        choices=PrincipalDecision.choices, label="校长决定", help_text="agree 同意 / disagree 不同意 / defer 暂缓。"
    )
    views_heard = serializers.CharField(
        allow_blank=True, trim_whitespace=False, label="与会人员意见", help_text="校长决定前听取的意见，必填。"
    )
    deferral_reason = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", label="暂缓原因", help_text="暂缓时必填。"
    )


class AgendaItemDeliberationSerializer(serializers.Serializer):
    """Input of `deliberation_add`: one 酝酿 of a 干部任免 item."""

    held_on = serializers.DateField(label="酝酿日期", help_text="不能晚于会议日期，也不能晚于今天。")
    circle = serializers.CharField(max_length=200, allow_blank=True, label="酝酿范围")
    participants = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Person.objects.all(), label="参加人", help_text="本校人员的人员 id。"
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", label="酝酿情况")
