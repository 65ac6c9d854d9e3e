"""Every table the generator writes (`writer.Table`), flushed parents first."""

from dataclasses import dataclass

from core.models import User
from decisions.models import (
    Consultation,
    Decision,
    DecisionTransition,
    ImplementationReport,
    LegalReview,
    Task,
    TaskProgress,
)
from meetings.models import AgendaItem, Attendance, Communication, Deliberation, Meeting, Recusal, Vote
from schools.models import Appointment, CommitteeMembership, EducationGroup, Person, Policy, School, SchoolDistrict

from .writer import Table

# Every parameter of a policy version (new parameters included without touching the generator); values from
# `organisation.policy_values`.
POLICY_FIELDS = [
    field.name
    for field in Policy._meta.concrete_fields
    if not field.primary_key and field.name not in ("created_at", "updated_at")
] + ["created_at", "updated_at"]


@dataclass
class Tables:
    """Every table the generator writes, in the order they are flushed (parents first)."""

    district: Table
    group: Table
    school: Table
    person: Table
    appointment: Table
    membership: Table
    policy: Table
    user: Table
    communication: Table
    participant: Table
    meeting: Table
    attendance: Table
    item: Table
    item_comm: Table
    vote: Table
    recusal: Table
    deliberation: Table
    deliberation_person: Table
    decision: Table
    decision_leader: Table
    decision_comm: Table
    decision_item: Table
    transition: Table
    consultation: Table
    legal_review: Table
    task: Table
    progress: Table
    report: Table

    @classmethod
    def create(cls) -> "Tables":
        stamps = ["created_at", "updated_at"]
        through = lambda m2m, *cols: Table(m2m.through, list(cols))  # noqa: E731
        return cls(
            district=Table(SchoolDistrict, ["code", "name", "office_name", *stamps]),
            group=Table(EducationGroup, ["code", "name", *stamps]),
            school=Table(
                School,
                ["code", "name", "level", "party_org_type", "district", "group", "parent", "address", "is_active"]
                + stamps,
            ),
            person=Table(Person, ["code", "name", "gender", "note", *stamps]),
            appointment=Table(Appointment, ["person", "school", "post", "start", "end", "note", *stamps]),
            membership=Table(CommitteeMembership, ["person", "school", "body", "start", "end", "portfolio", *stamps]),
            policy=Table(Policy, POLICY_FIELDS),
            user=Table(
                User,
                [
                    "password",
                    "last_login",
                    "is_superuser",
                    "username",
                    "first_name",
                    "last_name",
                    "email",
                    "is_staff",
                    "is_active",
                    "date_joined",
                    "role",
                    "school_district",
                    "school",
                    "person",
                ],
            ),
            communication=Table(
                Communication,
                [
                    "school",
                    "occurred_at",
                    "category",
                    "timing",
                    "event_at",
                    "subject",
                    "summary",
                    "outcome",
                    "logged_by",
                    "confirmed_by",
                    "confirmed_at",
                    *stamps,
                ],
            ),
            participant=through(Communication.participants, "communication", "person"),
            meeting=Table(
                Meeting,
                [
                    "school",
                    "body",
                    "title",
                    "date",
                    "notice_sent_at",
                    "start_time",
                    "place",
                    "chair",
                    "status",
                    "minutes",
                    "created_by",
                    "finalised_by",
                    "finalised_at",
                    *stamps,
                ],
            ),
            attendance=Table(Attendance, ["meeting", "person", "kind", "status", "leave_reason", *stamps]),
            item=Table(
                AgendaItem,
                [
                    "meeting",
                    "order",
                    "title",
                    "proposer",
                    "lead_member",
                    "added_at_meeting",
                    "chair_consented",
                    "category",
                    "touches_staff_interests",
                    "is_confidential",
                    "gate_override_reason",
                    "secretary_spoke_last",
                    "votes_for",
                    "votes_against",
                    "votes_abstain",
                    "views_heard",
                    "principal_decision",
                    "result",
                    "deferral_reason",
                    "minutes",
                    *stamps,
                ],
            ),
            item_comm=through(AgendaItem.pre_communications, "agendaitem", "communication"),
            vote=Table(Vote, ["item", "person", "choice"]),
            recusal=Table(Recusal, ["item", "person", "reason"]),
            deliberation=Table(Deliberation, ["item", "held_on", "circle", "note", *stamps]),
            deliberation_person=through(Deliberation.participants, "deliberation", "person"),
            decision=Table(
                Decision,
                [
                    "school",
                    "title",
                    "description",
                    "matter_type",
                    "category",
                    "tier",
                    "amount",
                    "status",
                    "outcome",
                    "deciding_item",
                    "decided_by",
                    "decided_on",
                    "closing_summary",
                    "closed_on",
                    "is_emergency",
                    "same_matter_as",
                    "created_by",
                    *stamps,
                ],
            ),
            decision_leader=through(Decision.responsible_leaders, "decision", "person"),
            decision_comm=through(Decision.communications, "decision", "communication"),
            decision_item=through(Decision.agenda_items, "decision", "agendaitem"),
            transition=Table(DecisionTransition, ["decision", "from_status", "to_status", "note", "by", "at"]),
            consultation=Table(Consultation, ["decision", "person", "consulted_on", "opinion", *stamps]),
            legal_review=Table(LegalReview, ["decision", "reviewer", "reviewed_on", "conclusion", "note", *stamps]),
            task=Table(Task, ["decision", "title", "owner", "due_on", "status", "done_on", *stamps]),
            progress=Table(TaskProgress, ["task", "noted_on", "text", "author", "created_at"]),
            report=Table(ImplementationReport, ["decision", "reported_on", "reporter", "item", "summary", *stamps]),
        )

    def all(self) -> list[Table]:
        return [getattr(self, name) for name in self.__dataclass_fields__]

    def flush(self) -> int:
        return sum(table.flush() for table in self.all())
