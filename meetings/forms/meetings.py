"""Forms of the meeting pages: the meeting, its attendance and agenda (one page), votes, deferral, minutes
and amendments. Forms only shape input; the services decide (the result of a vote is never a field)."""

from django import forms
from django.db.models import OuterRef, Q, QuerySet, Subquery

from core.models import User
from core.scope import editable_schools
from schools.choices import MeetingBody
from schools.models import CommitteeMembership, Person, School

from ..choices import AttendanceKind, AttendanceStatus, MatterCategory, PrincipalDecision, VoteChoice
from ..models import AgendaItem, Attendance, Communication, Deliberation, Meeting
from .communications import DATETIME_FORMAT

BLANK = [("", "---------")]
NEW_AGENDA_ROWS = 1
MAX_NEW_AGENDA_ROWS = 20


# --- Choices -----------------------------------------------------------------------------------------
def school_members(school: School | int) -> QuerySet[Person]:
    """People who are (or were) members of any meeting body of the school."""
    return Person.objects.filter(memberships__school=school).distinct().order_by("code")


def observer_candidates(meeting: Meeting, member_ids) -> QuerySet[Person]:
    """People of the school (posts or memberships) who are not expected members of this meeting."""
    return (
        Person.objects.filter(Q(memberships__school=meeting.school_id) | Q(appointments__school=meeting.school_id))
        .exclude(pk__in=member_ids)
        .distinct()
        .order_by("code")
    )


def school_people(meeting: Meeting) -> QuerySet[Person]:
    """People holding (or having held) a post or a meeting-body membership in the meeting's school."""
    return (
        Person.objects.filter(Q(appointments__school=meeting.school_id) | Q(memberships__school=meeting.school_id))
        .distinct()
        .order_by("code")
    )


def lead_candidates(meeting: Meeting) -> QuerySet[Person]:
    """分管领导 (ABSENT_LEAD): the meeting's 应到 members, each with the 分管工作 of his or her membership in force on
    the meeting day (`portfolio`)."""
    membership = CommitteeMembership.objects.filter(
        person=OuterRef("pk"), school=meeting.school_id, body=meeting.body, start__lte=meeting.date
    ).filter(Q(end__isnull=True) | Q(end__gte=meeting.date))
    return (
        Person.objects.filter(attendances__meeting=meeting, attendances__kind=AttendanceKind.MEMBER)
        .annotate(portfolio=Subquery(membership.order_by("-start").values("portfolio")[:1]))
        .order_by("code")
    )


class LeadMemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        portfolio = getattr(obj, "portfolio", "")
        return f"{obj.name}（分管：{portfolio}）" if portfolio else obj.name


def school_communications(meeting: Meeting) -> QuerySet[Communication]:
    return Communication.objects.filter(school=meeting.school_id).order_by("-occurred_at", "-pk")


class CommunicationChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Communication) -> str:
        state = "已确认" if obj.is_confirmed else "未确认"
        return f"{obj.occurred_at:%Y-%m-%d} {obj.subject}（{obj.get_outcome_display()}，{state}）"


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# --- The meeting ------------------------------------------------------------------------------------
class MeetingForm(forms.Form):
    """The meeting itself. On creation the school is chosen among the user's editable schools; afterwards
    it is fixed (the stored roster belongs to it)."""

    school = forms.ModelChoiceField(label="学校", queryset=School.objects.none())
    body = forms.ChoiceField(label="会议类型", choices=BLANK + MeetingBody.choices)
    title = forms.CharField(label="会议名称", max_length=200)
    date = forms.DateField(label="会议日期", widget=_date_input())
    start_time = forms.TimeField(
        label="开始时间", required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    place = forms.CharField(label="地点", max_length=200, required=False)
    notice_sent_at = forms.DateTimeField(
        label="通知及材料送达时间",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        error_messages={"invalid": "请填写有效的日期和时间。"},
        help_text="会议通知和议题材料送达参会人员的时间；须至少提前 1 天（以制度参数为准），不能晚于会议开始。",
    )
    chair = forms.ModelChoiceField(
        label="主持人",
        queryset=Person.objects.none(),
        required=False,
        help_text="须为该会议在会议日期的应到成员。",
    )

    def __init__(self, *args, user: User, meeting: Meeting | None = None, school_id=None, **kwargs):
        kwargs.setdefault("prefix", "meeting")
        if meeting is not None:
            kwargs.setdefault(
                "initial",
                {
                    "body": meeting.body,
                    "title": meeting.title,
                    "date": meeting.date,
                    "start_time": meeting.start_time,
                    "place": meeting.place,
                    "notice_sent_at": meeting.notice_sent_at,
                    "chair": meeting.chair_id,
                },
            )
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        if meeting is not None:
            del self.fields["school"]
            self.fields["chair"].queryset = school_members(meeting.school_id)
            return
        schools = editable_schools(user)
        self.fields["school"].queryset = schools
        chosen = self.data.get(self.add_prefix("school")) if self.is_bound else school_id
        if chosen is None and user.school_id is not None:
            chosen = user.school_id
        self.initial.setdefault("school", chosen)
        chosen = str(chosen or "")
        if chosen.isdigit() and schools.filter(pk=chosen).exists():
            self.fields["chair"].queryset = school_members(int(chosen))
        else:
            self.fields["chair"].help_text = "请先选择学校；保存后可在编辑页选择主持人。"


# --- Attendance -------------------------------------------------------------------------------------
ROW_CHANGED = "本行对应的记录已被他人修改，请刷新页面后重新填写。"


class RowForm(forms.Form):
    """A formset row tied to a server-side record: a hidden key catches a page that went stale."""

    row = forms.IntegerField(widget=forms.HiddenInput, required=False)

    expected_row: int | None = None

    def clean(self):
        data = super().clean()
        if data.get("row") != self.expected_row:
            raise forms.ValidationError(ROW_CHANGED)
        return data


class AttendanceRowForm(RowForm):
    """出席 / 请假 (with reason) / 缺席 of one stored expected member."""

    status = forms.ChoiceField(
        label="出席情况", choices=AttendanceStatus.choices, required=False, widget=forms.RadioSelect
    )
    leave_reason = forms.CharField(label="请假事由", max_length=200, required=False)

    def __init__(self, *args, attendance: Attendance, **kwargs):
        self.attendance = attendance
        self.expected_row = attendance.person_id
        kwargs["initial"] = {
            "row": attendance.person_id,
            "status": attendance.status,
            "leave_reason": attendance.leave_reason,
        }
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("status") == AttendanceStatus.LEAVE and not data.get("leave_reason", "").strip():
            self.add_error("leave_reason", "请假须填写事由。")
        return data


class BaseAttendanceFormSet(forms.BaseFormSet):
    """One row per stored expected member; the rows come from the server, never from the POST."""

    def __init__(self, *args, attendances, **kwargs):
        self.attendances = list(attendances)
        kwargs.setdefault("prefix", "attendance")
        super().__init__(*args, **kwargs)

    def initial_form_count(self) -> int:
        return len(self.attendances)

    def total_form_count(self) -> int:
        return len(self.attendances)

    def get_form_kwargs(self, index):
        return {"attendance": self.attendances[index]}

    def statuses(self) -> dict[int, tuple[str, str]]:
        """The registered rows as the service takes them (rows left blank are not sent)."""
        return {
            form.attendance.person_id: (form.cleaned_data["status"], form.cleaned_data.get("leave_reason", ""))
            for form in self.forms
            if form.cleaned_data.get("status")
        }


AttendanceFormSet = forms.formset_factory(AttendanceRowForm, formset=BaseAttendanceFormSet, extra=0)


class ObserversForm(forms.Form):
    """列席: attendees who are not expected members and do not vote."""

    observers = forms.ModelMultipleChoiceField(
        label="列席人员",
        queryset=Person.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="列席人员不计入应到、实到人数，不参加表决。",
    )

    def __init__(self, *args, meeting: Meeting, attendances, **kwargs):
        kwargs.setdefault("prefix", "observers")
        attendances = list(attendances)
        kwargs["initial"] = {"observers": [a.person_id for a in attendances if a.kind == AttendanceKind.OBSERVER]}
        super().__init__(*args, **kwargs)
        member_ids = [a.person_id for a in attendances if a.kind == AttendanceKind.MEMBER]
        self.fields["observers"].queryset = observer_candidates(meeting, member_ids)


# --- Agenda -----------------------------------------------------------------------------------------
class AgendaItemForm(RowForm):
    """One agenda item (议题): an existing one to edit, or a new row (left blank = not added)."""

    order = forms.IntegerField(label="序号", min_value=1, max_value=32767, required=False)
    title = forms.CharField(label="议题", max_length=200)
    category = forms.ChoiceField(label="事项类别", choices=BLANK + MatterCategory.choices)
    proposer = forms.ModelChoiceField(label="提议人", queryset=Person.objects.none(), required=False)
    lead_member = LeadMemberChoiceField(
        label="分管领导",
        queryset=Person.objects.none(),
        required=False,
        help_text="本次会议的应到成员（括号内为分管工作）；分管领导缺席时一般不研究决定其分管事项。",
    )
    added_at_meeting = forms.BooleanField(
        label="临时动议", required=False, help_text="会上临时提出、未随通知送达；三重一大事项不得临时动议。"
    )
    chair_consented = forms.BooleanField(label="主持人同意临时动议", required=False)
    touches_staff_interests = forms.BooleanField(label="涉及教职工切身利益", required=False)
    pre_communications = CommunicationChoiceField(
        label="会前沟通",
        queryset=Communication.objects.none(),
        required=False,
        help_text="三重一大和重要事项议题提交党组织会议前，须关联会议开始之前、书记校长已确认且达成共识的沟通记录。",
    )
    gate_override_reason = forms.CharField(
        label="主持人上会说明",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="仅会议主持人填写：未达成共识但确需上会的书面说明。",
    )

    def __init__(self, *args, item: AgendaItem | None, people, communications, leads, **kwargs):
        self.item = item
        self.expected_row = item.pk if item is not None else None
        if item is not None:
            kwargs["initial"] = {
                "row": item.pk,
                "order": item.order,
                "title": item.title,
                "category": item.category,
                "proposer": item.proposer_id,
                "lead_member": item.lead_member_id,
                "added_at_meeting": item.added_at_meeting,
                "chair_consented": item.chair_consented,
                "touches_staff_interests": item.touches_staff_interests,
                "pre_communications": [c.pk for c in item.pre_communications.all()],
                "gate_override_reason": item.gate_override_reason,
            }
        super().__init__(*args, **kwargs)
        self.fields["order"].required = item is not None
        if item is None:
            self.fields["order"].help_text = "留空则排在最后。"
        choices_of = {"proposer": people, "lead_member": leads, "pre_communications": communications}
        for name, (queryset, choices) in choices_of.items():
            self.fields[name].queryset = queryset
            self.fields[name].choices = choices  # rendered once for all rows

    def create_kwargs(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in (
                "order",
                "title",
                "category",
                "proposer",
                "lead_member",
                "added_at_meeting",
                "chair_consented",
                "touches_staff_interests",
                "pre_communications",
                "gate_override_reason",
            )
        }

    def update_changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.changed_data if name != "row"}


class BaseAgendaFormSet(forms.BaseFormSet):
    """The meeting's editable items first (rows fixed by the server), then blank rows for new items."""

    def __init__(self, *args, meeting: Meeting, items, taken_orders=(), **kwargs):
        self.items = list(items)
        self.taken_orders = set(taken_orders)  # orders of items shown but not editable here (redacted)
        kwargs.setdefault("prefix", "items")
        super().__init__(*args, **kwargs)
        self.absolute_max = len(self.items) + MAX_NEW_AGENDA_ROWS
        people = school_members(meeting.school_id)
        communications = school_communications(meeting)
        leads = lead_candidates(meeting)
        self._choices = {
            "leads": (leads, list(LeadMemberChoiceField(queryset=leads, empty_label="---------").choices)),
            "people": (people, list(forms.ModelChoiceField(queryset=people, empty_label="---------").choices)),
            "communications": (communications, list(CommunicationChoiceField(queryset=communications).choices)),
        }

    def initial_form_count(self) -> int:
        return len(self.items)

    def total_form_count(self) -> int:
        if self.is_bound:
            return max(len(self.items), min(super().total_form_count(), self.absolute_max))
        return len(self.items) + self.extra

    def get_form_kwargs(self, index):
        return {
            "item": self.items[index] if index < len(self.items) else None,
            "people": self._choices["people"],
            "communications": self._choices["communications"],
            "leads": self._choices["leads"],
        }

    def clean(self):
        seen = {}
        for form in self.forms:
            order = form.cleaned_data.get("order") if form.has_changed() or form.item else None
            if order is None:
                continue
            if order in seen or order in self.taken_orders:
                form.add_error("order", "序号与本次会议的其他议题重复。")
            seen[order] = form

    def changed_forms(self) -> list[AgendaItemForm]:
        """The rows to save: changed existing items (`form.item`) and filled new rows (`form.item` None)."""
        return [form for form in self.forms if form.has_changed()]


AgendaFormSet = forms.formset_factory(AgendaItemForm, formset=BaseAgendaFormSet, extra=NEW_AGENDA_ROWS)


class MeetingPageForms:
    """The edit page: meeting fields, attendance (once the meeting date has come) and agenda, one POST."""

    def __init__(self, data, *, user: User, meeting: Meeting, items, attendance_open: bool):
        attendances = list(meeting.attendance.all())
        members = [a for a in attendances if a.kind == AttendanceKind.MEMBER]
        editable = [item for item in items if not getattr(item, "redacted", False)]
        self.locked_items = [item for item in items if getattr(item, "redacted", False)]
        self.meeting_form = MeetingForm(data, user=user, meeting=meeting)
        self.attendance = AttendanceFormSet(data, attendances=members) if attendance_open else None
        self.observers_form = ObserversForm(data, meeting=meeting, attendances=attendances) if attendance_open else None
        self.agenda = AgendaFormSet(
            data, meeting=meeting, items=editable, taken_orders=[item.order for item in self.locked_items]
        )

    @property
    def parts(self) -> list:
        return [p for p in (self.meeting_form, self.attendance, self.observers_form, self.agenda) if p is not None]

    def is_valid(self) -> bool:
        results = [part.is_valid() for part in self.parts]  # validate every part, so each shows its errors
        return all(results)

    @property
    def has_errors(self) -> bool:
        return any(
            part.total_error_count() if isinstance(part, forms.BaseFormSet) else part.errors for part in self.parts
        )

    @property
    def attendance_changed(self) -> bool:
        return self.attendance is not None and (self.attendance.has_changed() or self.observers_form.has_changed())


# --- Votes, deferral, minutes, amendments -----------------------------------------------------------
VOTE_MODES = [("members", "按人登记表决意见"), ("totals", "只登记票数合计")]
YES_NO = [("yes", "是"), ("no", "否")]


class ItemVotesForm(forms.Form):
    """Votes per present member or totals, recusals (member + reason) and, for a 党组织会议, whether the
    secretary spoke last. There is no result field: the service computes it."""

    mode = forms.ChoiceField(label="登记方式", choices=VOTE_MODES, widget=forms.RadioSelect)
    votes_for = forms.IntegerField(label="赞成票", min_value=0, max_value=999, required=False)
    votes_against = forms.IntegerField(label="反对票", min_value=0, max_value=999, required=False)
    votes_abstain = forms.IntegerField(label="弃权票", min_value=0, max_value=999, required=False)
    secretary_spoke_last = forms.TypedChoiceField(
        label="书记末位表态",
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, item: AgendaItem, members, body: str, **kwargs):
        self.item = item
        self.members = list(members)
        votes = {v.person_id: v.choice for v in item.votes.all()}
        recusals = {r.person_id: r.reason for r in item.recusals.all()}
        initial = {
            "mode": "totals" if item.votes_for is not None and not votes else "members",
            "votes_for": item.votes_for,
            "votes_against": item.votes_against,
            "votes_abstain": item.votes_abstain,
            "secretary_spoke_last": {True: "yes", False: "no"}.get(item.secretary_spoke_last),
        }
        for attendance in self.members:
            pid = attendance.person_id
            initial[f"vote_{pid}"] = votes.get(pid, "")
            initial[f"recuse_{pid}"] = pid in recusals
            initial[f"recusal_reason_{pid}"] = recusals.get(pid, "")
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        if body != MeetingBody.PARTY_COMMITTEE:
            del self.fields["secretary_spoke_last"]
        for attendance in self.members:
            pid, name = attendance.person_id, attendance.person.name
            self.fields[f"vote_{pid}"] = forms.ChoiceField(
                label=f"{name}的表决意见", choices=[("", "未表决"), *VoteChoice.choices], required=False
            )
            self.fields[f"recuse_{pid}"] = forms.BooleanField(label=f"{name}回避", required=False)
            self.fields[f"recusal_reason_{pid}"] = forms.CharField(
                label=f"{name}的回避事由", max_length=200, required=False
            )

    def member_rows(self) -> list[dict]:
        """For the template: each expected member with his or her vote and recusal fields."""
        return [
            {
                "attendance": a,
                "can_vote": a.status == AttendanceStatus.PRESENT,
                "vote": self[f"vote_{a.person_id}"],
                "recuse": self[f"recuse_{a.person_id}"],
                "reason": self[f"recusal_reason_{a.person_id}"],
            }
            for a in self.members
        ]

    def clean(self):
        data = super().clean()
        for attendance in self.members:
            pid = attendance.person_id
            if data.get(f"recuse_{pid}"):
                if not data.get(f"recusal_reason_{pid}", "").strip():
                    self.add_error(f"recusal_reason_{pid}", "请填写回避事由。")
                if data.get(f"vote_{pid}"):
                    self.add_error(f"vote_{pid}", "已申请回避的成员不能参加表决。")
        if data.get("mode") == "totals":
            for name in ("votes_for", "votes_against", "votes_abstain"):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, "请填写票数（没有则填 0）。")
        elif data.get("mode") == "members" and not any(data.get(f"vote_{a.person_id}") for a in self.members):
            raise forms.ValidationError("请至少登记一位成员的表决意见，或改为只登记票数合计。")
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        recusals = {
            a.person_id: data[f"recusal_reason_{a.person_id}"] for a in self.members if data[f"recuse_{a.person_id}"]
        }
        kwargs = {"recusals": recusals, "secretary_spoke_last": data.get("secretary_spoke_last")}
        if data["mode"] == "totals":
            kwargs["totals"] = (data["votes_for"], data["votes_against"], data["votes_abstain"])
        else:
            votes = {a.person_id: data[f"vote_{a.person_id}"] for a in self.members if data[f"vote_{a.person_id}"]}
            kwargs["votes"] = votes
        return kwargs


class DeferForm(forms.Form):
    """暂缓: the item is not decided at this meeting."""

    deferral_reason = forms.CharField(
        label="暂缓原因",
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "如：书记校长尚存分歧，待再沟通"}),
    )


class PrincipalDecisionForm(forms.Form):
    """校长办公会: the views the principal heard and the decision (同意 / 不同意 / 暂缓); no vote is counted."""

    views_heard = forms.CharField(
        label="听取的与会人员意见",
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "如：副校长甲同意；副校长乙建议分两期实施。"}),
    )
    principal_decision = forms.ChoiceField(
        label="校长决定", choices=PrincipalDecision.choices, widget=forms.RadioSelect
    )
    deferral_reason = forms.CharField(label="暂缓原因", max_length=200, required=False, help_text="决定暂缓时必填。")

    def __init__(self, *args, item: AgendaItem, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "views_heard": item.views_heard,
                "principal_decision": item.principal_decision or None,
                "deferral_reason": item.deferral_reason if item.principal_decision == PrincipalDecision.DEFER else "",
            },
        )
        super().__init__(*args, **kwargs)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "principal_decision": data["principal_decision"],
            "views_heard": data["views_heard"],
            "reason": data["deferral_reason"],
        }


class MinutesForm(forms.Form):
    """The minutes of the meeting and of each item (drafts until finalised)."""

    minutes = forms.CharField(label="会议纪要", required=False, widget=forms.Textarea(attrs={"rows": 10}))

    def __init__(self, *args, meeting: Meeting, items, **kwargs):
        self.items = [item for item in items if not getattr(item, "redacted", False)]
        initial = {"minutes": meeting.minutes}
        initial.update({f"item_{item.pk}": item.minutes for item in self.items})
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        for item in self.items:
            self.fields[f"item_{item.pk}"] = forms.CharField(
                label=f"{item.order}. {item.title}", required=False, widget=forms.Textarea(attrs={"rows": 4})
            )

    def item_fields(self) -> list:
        return [self[f"item_{item.pk}"] for item in self.items]

    def item_minutes(self) -> dict[int, str]:
        return {item.pk: self.cleaned_data[f"item_{item.pk}"] for item in self.items}


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: AgendaItem) -> str:
        return f"议题纪要：{obj.order}. {obj.title}"


class AmendmentForm(forms.Form):
    """更正 of finalised minutes: of the meeting, or of one item's minutes."""

    item = ItemChoiceField(label="更正对象", queryset=AgendaItem.objects.none(), required=False, empty_label="会议纪要")
    correction = forms.CharField(label="更正后内容", widget=forms.Textarea(attrs={"rows": 6}))
    reason = forms.CharField(label="更正原因", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = AgendaItem.objects.filter(meeting=meeting).order_by("order")


# --- 酝酿 of a 干部任免 item (PERSONNEL_DELIBERATION) ------------------------------------------------------
class DeliberationForm(forms.Form):
    """One 酝酿 of a personnel item: when, within which circle, who took part."""

    held_on = forms.DateField(label="酝酿日期", widget=_date_input(), error_messages={"required": "请填写酝酿日期。"})
    circle = forms.CharField(
        label="酝酿范围",
        max_length=Deliberation._meta.get_field("circle").max_length,
        error_messages={"required": "请填写酝酿范围。"},
        help_text="如：党组织班子成员、书记校长和分管副校长。",
    )
    participants = forms.ModelMultipleChoiceField(
        label="参加人",
        queryset=Person.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请选择参加酝酿的人员。"},
    )
    note = forms.CharField(label="酝酿情况", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, item: AgendaItem, people: tuple[QuerySet[Person], list], **kwargs):
        kwargs.setdefault("prefix", f"deliberation-{item.pk}")
        kwargs.setdefault("auto_id", f"id_deliberation_{item.pk}_%s")
        super().__init__(*args, **kwargs)
        self.item = item
        queryset, choices = people
        self.fields["participants"].queryset = queryset
        self.fields["participants"].choices = choices  # listed once for all items of the page


def deliberation_people(meeting: Meeting) -> tuple[QuerySet[Person], list]:
    """The people who may take part in a 酝酿 (the school's), with their choices read once for a page."""
    people = school_people(meeting)
    return people, list(forms.ModelMultipleChoiceField(queryset=people).choices)


def attach_deliberation_forms(*, meeting: Meeting, items: list[AgendaItem], can_edit: bool) -> None:
    """Give each visible 干部任免 item of an editable meeting its (unbound) 酝酿 form as `deliberation_form`."""
    targets = [i for i in items if i.category == MatterCategory.PERSONNEL and not getattr(i, "redacted", False)]
    if not (can_edit and targets):
        return
    people = deliberation_people(meeting)
    for item in targets:
        item.deliberation_form = DeliberationForm(item=item, people=people)
