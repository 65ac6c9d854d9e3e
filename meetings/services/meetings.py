"""Meetings: creation with the stored roster, attendance, holding, minutes, finalising and amendments."""

from collections.abc import Iterable
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core import dataversion
from core.errors import RecordFinalisedError
from core.hooks import recheck_school
from core.models import Amendment, User
from core.services import amendment_create
from schools.models import Person, School
from schools.selectors import memberships_on

from ..choices import AttendanceKind, AttendanceStatus, ItemResult, MeetingStatus
from ..models import AgendaItem, Attendance, Meeting, Vote
from ..rules.agenda import meeting_start
from ._common import require_edit, require_finalise

MEETING_FINALISED = "会议纪要已定稿，不能修改；如需更正，请提交更正记录。"


def lock_meeting(meeting: Meeting) -> Meeting:
    """Re-read the meeting under a row lock and refuse any write once its minutes are finalised."""
    meeting = Meeting.objects.select_for_update().select_related("school").get(pk=meeting.pk)
    if meeting.is_finalised:
        raise RecordFinalisedError(MEETING_FINALISED)
    return meeting


def touch_meeting(meeting_id: int) -> datetime:
    """A change of what a meeting embeds (attendance, items, votes), written in bulk without model signals: the
    meeting's `updated_at` moves (its ETag and `updated_since` sync see it) and the data version is bumped."""
    now = timezone.now()
    Meeting.objects.filter(pk=meeting_id).update(updated_at=now)
    dataversion.bump_on_commit()
    return now


def _snapshot_roster(meeting: Meeting, user: User) -> None:
    """Store the expected (应到) members from the memberships in force on the meeting date."""
    meeting.attendance.filter(kind=AttendanceKind.MEMBER).delete()
    members = memberships_on(school=meeting.school, body=meeting.body, on=meeting.date)
    observers = set(meeting.attendance.values_list("person_id", flat=True))
    bulk_create_with_history(
        [
            Attendance(meeting=meeting, person_id=m.person_id, kind=AttendanceKind.MEMBER)
            for m in members
            if m.person_id not in observers
        ],
        Attendance,
        default_user=user,
    )


def _validate_chair(meeting: Meeting) -> None:
    if meeting.chair_id is None:
        return
    member_ids = set(
        memberships_on(school=meeting.school, body=meeting.body, on=meeting.date).values_list("person_id", flat=True)
    )
    if meeting.chair_id not in member_ids:
        raise ValidationError({"chair": "主持人须为该会议在会议日期的应到成员。"})


def _validate_notice(meeting: Meeting) -> None:
    """通知及材料送达时间 (AGENDA_NOTICE): not in the future and not after the meeting starts (without a start
    time, not after the meeting day)."""
    sent = meeting.notice_sent_at
    if sent is None:
        return
    if sent > timezone.now():
        raise ValidationError({"notice_sent_at": "通知及材料送达时间不能晚于现在。"})
    if meeting.start_time is not None and sent > meeting_start(meeting.date, meeting.start_time):
        raise ValidationError({"notice_sent_at": "通知及材料送达时间不能晚于会议开始时间。"})
    if timezone.localdate(sent) > meeting.date:
        raise ValidationError({"notice_sent_at": "通知及材料送达时间不能晚于会议日期。"})


@transaction.atomic
def meeting_create(
    *,
    user: User,
    school: School,
    body: str,
    title: str,
    date: date,
    start_time: time | None = None,
    place: str = "",
    chair: Person | None = None,
    notice_sent_at: datetime | None = None,
) -> Meeting:
    require_edit(user, school)
    meeting = Meeting(
        school=school,
        body=body,
        title=title.strip(),
        date=date,
        start_time=start_time,
        place=place.strip(),
        chair=chair,
        notice_sent_at=notice_sent_at,
        created_by=user,
    )
    meeting.full_clean()
    _validate_chair(meeting)
    _validate_notice(meeting)
    meeting.save()
    _snapshot_roster(meeting, user)
    recheck_school(meeting.school_id)
    return meeting


@transaction.atomic
def meeting_update(*, user: User, meeting: Meeting, **changes) -> Meeting:
    """Edit a meeting not yet finalised; after it was held its date and body are fixed."""
    require_edit(user, meeting.school)
    meeting = lock_meeting(meeting)
    roster_changes = {f for f in ("date", "body") if f in changes and changes[f] != getattr(meeting, f)}
    if roster_changes and meeting.status != MeetingStatus.PREPARING:
        raise ValidationError(dict.fromkeys(roster_changes, "会议已召开，不能修改会议日期或会议类型。"))
    for field, value in changes.items():
        setattr(meeting, field, value.strip() if isinstance(value, str) else value)
    meeting.full_clean()
    _validate_chair(meeting)
    _validate_notice(meeting)
    meeting.save()
    if roster_changes:
        _snapshot_roster(meeting, user)
    recheck_school(meeting.school_id)
    return meeting


def _refuse_absent_voters(meeting: Meeting, members: dict[int, Attendance]) -> None:
    """A member who voted on an item was present: marking them 请假 / 缺席 would leave votes the quorum and the
    record cannot account for. The item's votes are re-recorded (or the item deferred) first."""
    absent = {pid for pid, a in members.items() if a.status != AttendanceStatus.PRESENT}
    voted = (
        Vote.objects.filter(item__meeting=meeting, person_id__in=absent)
        .values_list("person__name", "item__title")
        .order_by("person__name", "item__order", "item__pk")
    )
    errors = [
        f"{name}已参加议题“{title}”的表决，不能登记为请假或缺席；请先重新登记该议题的表决。" for name, title in voted
    ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def meeting_record_attendance(
    *,
    user: User,
    meeting: Meeting,
    statuses: dict[int, tuple[str, str]],
    observers: Iterable[Person] = (),
) -> Meeting:
    """Record 出席 / 请假 (with reason) / 缺席 per expected member, and the 列席 attendees who do not vote."""
    require_edit(user, meeting.school)
    meeting = lock_meeting(meeting)
    if meeting.date > timezone.localdate():
        raise ValidationError("会议尚未召开，不能登记出席情况。")
    members = {a.person_id: a for a in meeting.attendance.filter(kind=AttendanceKind.MEMBER).select_related("person")}
    errors = []
    for person_id, (status, reason) in statuses.items():
        attendance = members.get(person_id)
        if attendance is None:
            errors.append("出席登记中有不属于本次会议应到成员的人员。")
            continue
        if status not in AttendanceStatus.values:
            errors.append(f"{attendance.person.name}：出席情况无效。")
        elif status == AttendanceStatus.LEAVE and not reason.strip():
            errors.append(f"{attendance.person.name}：请假须填写事由。")
        attendance.status, attendance.leave_reason = status, reason.strip() if status == AttendanceStatus.LEAVE else ""
    observers = list(observers)
    if any(person.pk in members for person in observers):
        errors.append("应到成员不能同时登记为列席人员。")
    if errors:
        raise ValidationError(errors)
    _refuse_absent_voters(meeting, members)
    for attendance in members.values():
        attendance.updated_at = timezone.now()
    bulk_update_with_history(
        list(members.values()), Attendance, ["status", "leave_reason", "updated_at"], default_user=user
    )
    meeting.attendance.filter(kind=AttendanceKind.OBSERVER).exclude(person__in=observers).delete()
    existing = set(meeting.attendance.filter(kind=AttendanceKind.OBSERVER).values_list("person_id", flat=True))
    bulk_create_with_history(
        [
            Attendance(meeting=meeting, person=p, kind=AttendanceKind.OBSERVER, status=AttendanceStatus.PRESENT)
            for p in observers
            if p.pk not in existing
        ],
        Attendance,
        default_user=user,
    )
    meeting.updated_at = touch_meeting(meeting.pk)  # the attendance is part of the meeting record
    recheck_school(meeting.school_id)
    return meeting


@transaction.atomic
def meeting_mark_held(*, user: User, meeting: Meeting) -> Meeting:
    require_edit(user, meeting.school)
    meeting = lock_meeting(meeting)
    if meeting.status != MeetingStatus.PREPARING:
        raise ValidationError("会议已标记为已召开。")
    if meeting.date > timezone.localdate():
        raise ValidationError({"date": "会议日期在未来，不能标记为已召开。"})
    if not meeting.attendance.filter(kind=AttendanceKind.MEMBER).exists():
        raise ValidationError("该会议没有应到成员，请先在管理后台维护会议组成人员。")
    if meeting.attendance.filter(kind=AttendanceKind.MEMBER, status="").exists():
        raise ValidationError("请先登记全部应到成员的出席情况。")
    meeting.status = MeetingStatus.HELD
    meeting.save(update_fields=["status", "updated_at"])
    recheck_school(meeting.school_id)
    return meeting


@transaction.atomic
def meeting_set_minutes(*, user: User, meeting: Meeting, minutes: str, item_minutes: dict[int, str]) -> Meeting:
    """Write the minutes of the meeting and of each item (drafts until finalised)."""
    require_edit(user, meeting.school)
    meeting = lock_meeting(meeting)
    items = {item.pk: item for item in meeting.items.all()}
    if set(item_minutes) - set(items):
        raise ValidationError("纪要中包含不属于本次会议的议题。")
    meeting.minutes = minutes.strip()
    meeting.save(update_fields=["minutes", "updated_at"])
    for item_id, text in item_minutes.items():
        items[item_id].minutes = text.strip()
        items[item_id].updated_at = timezone.now()
    bulk_update_with_history([items[i] for i in item_minutes], AgendaItem, ["minutes", "updated_at"], default_user=user)
    recheck_school(meeting.school_id)
    return meeting


@transaction.atomic
def meeting_finalise(*, user: User, meeting: Meeting) -> Meeting:
    """The school's secretary or principal signs the minutes; the meeting and its items are then immutable."""
    require_finalise(user, meeting.school, "定稿并签发会议纪要")
    meeting = lock_meeting(meeting)
    errors = []
    if meeting.status != MeetingStatus.HELD:
        errors.append("会议召开并登记出席情况后才能定稿纪要。")
    if not meeting.minutes.strip():
        errors.append("请先填写会议纪要。")
    pending = [item.title for item in meeting.items.filter(result=ItemResult.PENDING)]
    if pending:
        errors.append(f"以下议题尚未表决或暂缓：{'、'.join(pending)}。")
    if errors:
        raise ValidationError(errors)
    meeting.status = MeetingStatus.FINALISED
    meeting.finalised_by = user
    meeting.finalised_at = timezone.now()
    meeting.save(update_fields=["status", "finalised_by", "finalised_at", "updated_at"])
    recheck_school(meeting.school_id)
    return meeting


def meeting_amend(
    *, user: User, meeting: Meeting, correction: str, reason: str, item: AgendaItem | None = None
) -> Amendment:
    """Correct finalised minutes (of the meeting or one item) without changing the signed text."""
    meeting = Meeting.objects.select_related("school").get(pk=meeting.pk)
    if item is not None and item.meeting_id != meeting.pk:
        raise ValidationError({"item": "议题不属于本次会议。"})
    return amendment_create(
        user=user,
        target=item or meeting,
        school=meeting.school,
        is_final=meeting.is_finalised,
        field_label=f"议题纪要：{item.title}" if item else "会议纪要",
        correction=correction,
        reason=reason,
    )
