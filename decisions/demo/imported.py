"""台账导入: one month of meetings and decisions that two schools held before they used the portal for
meetings, imported from their paper ledgers.

These rows bypass the services on purpose: they stand for data imported from before the portal, and the
services would refuse most of them (a decision without quorum or majority, a recused member's vote, a 三重一大
matter decided by the 校长办公会, no legal review, a large sum decided by one leader). The first check after the
import flags them. At 人大附中 the ledger was right and the import wrong, so the district corrects the rows
against the paper originals (with the ORM, like the import itself) and the findings resolve; at 玉泉小学 the
ledger shows real breaches, which stay open.
"""

from datetime import timedelta
from decimal import Decimal

from core.history import note_history
from decisions.choices import DecisionStatus, ReviewConclusion, Tier
from decisions.models import LegalReview
from meetings.choices import (
    AttendanceStatus,
    CommunicationCategory,
    ItemResult,
    MatterCategory,
    MeetingStatus,
    VoteChoice,
)
from meetings.models import Attendance, Recusal, Vote
from schools.choices import MeetingBody

from .base import Demo, month_start, workday, workday_before, working_days_after
from .matters import Matter
from .sessions import Session
from .talks import plan_talk
from .texts import MATTERS, OFFICE_ITEMS, PARTY_ITEMS

IMPORT_OFFSET = -11
CODES = (
    "QUORUM",
    "QUORUM_PERSONNEL",
    "MAJORITY",
    "RECUSAL",
    "WRONG_BODY",
    "LEGAL_REVIEW",
    "MINUTES_LATE",
    "AMOUNT_TIER",
    "AGENDA_NOTICE",
    "MEETING_FREQUENCY",
)
CORRECTED = "核对纸质台账原件，更正导入错误"


def import_ledger(demo: Demo, year, *, corrected: bool) -> None:
    """The imported month of one school; its 三重一大 matter is deployed in the school's first portal month."""
    school, rng, ledger, importer = year.school, demo.rng, demo.ledger, demo.admin
    first = month_start(demo.today, IMPORT_OFFSET)
    office_day, party_day = workday(first + timedelta(days=5)), workday(first + timedelta(days=14))
    imported = demo.moment(workday(month_start(demo.today, IMPORT_OFFSET + 1) + timedelta(days=1)), 10)
    pair = demo.pair(school, office_day)
    office_staff = year.staff(MeetingBody.PRINCIPAL_OFFICE, office_day, pair)
    party_staff = year.staff(MeetingBody.PARTY_COMMITTEE, party_day, pair)
    category, text = year.matter(IMPORT_OFFSET, set())
    personnel = MATTERS[MatterCategory.PERSONNEL][-1]
    year.used.add(personnel.title)
    talk_day = workday_before(office_day - timedelta(days=3))
    talk = plan_talk(
        demo,
        pair,
        demo.moment(talk_day, 16),
        CommunicationCategory.SANZHONG_YIDA,
        f"关于{text.title}的会前沟通",
        "书记、校长就事项必要性和实施方案沟通，一致同意提交会议研究。",
    )
    personnel_talk = plan_talk(
        demo,
        pair,
        demo.moment(talk_day, 17),
        CommunicationCategory.SANZHONG_YIDA,
        f"关于{personnel.title}的会前沟通",
        "书记、校长就人选条件和推荐程序达成一致。",
    )

    # 校长办公会: at 玉泉小学 only the pair came (假期), yet the principal decided both items; at 人大附中 the
    # import typed the meeting's date a month early (a month without a 校长办公会, minutes and notice late).
    office = Session(
        demo,
        school=school,
        body=MeetingBody.PRINCIPAL_OFFICE,
        day=office_day,
        created=imported,
        number=year.number(MeetingBody.PRINCIPAL_OFFICE, office_day),
        chair=pair.principal,
        clerk=importer,
        away=() if corrected else office_staff,
    )
    proposal = office.add(f"{text.title}（研究提出）", category, proposer=pair.principal, talks=[talk])
    office.add(OFFICE_ITEMS[rng.randrange(len(OFFICE_ITEMS))], MatterCategory.GENERAL, proposer=office_staff[0])
    if corrected:
        office.meeting.date = office_day - timedelta(days=28)

    # 党组织会议: at 人大附中 the import missed page two of the sign-in sheet (four members shown absent) and the
    # signature page, and swapped the 赞成 and 弃权 columns of the routine item; at 玉泉小学 two members were on
    # leave, the matter fell short of a majority of the 应到 members, the 干部任免 item of two thirds present,
    # and the minutes were signed 16 working days late. Both ledgers list the vote of a member who had declared
    # a conflict.
    missed = party_staff[:4] if corrected else party_staff[:2]
    recused = party_staff[-1]
    party = Session(
        demo,
        school=school,
        body=MeetingBody.PARTY_COMMITTEE,
        day=party_day,
        created=imported,
        number=year.number(MeetingBody.PARTY_COMMITTEE, party_day),
        chair=pair.secretary,
        clerk=importer,
        away=missed,
        away_status=AttendanceStatus.ABSENT if corrected else AttendanceStatus.LEAVE,
    )
    decided = party.add(text.title, category, proposer=pair.principal, talks=[talk], abstain=0 if corrected else 1)
    party.add(personnel.title, MatterCategory.PERSONNEL, proposer=pair.secretary, talks=[personnel_talk])
    honours = party.add("审议年度评优评先推荐名单", MatterCategory.GENERAL, proposer=pair.secretary)
    ledger.add(Recusal(item=honours, person=recused, reason="本人列入推荐名单"), imported, importer)
    routine_title = PARTY_ITEMS[rng.randrange(len(PARTY_ITEMS))]
    party_routine = party.add(routine_title, MatterCategory.GENERAL, proposer=pair.secretary)
    for item in (*office.items, *party.items):
        item.result = ItemResult.PASSED  # as the ledger records it
    if corrected:  # the members shown absent voted as well
        for item in party.items:
            item.votes_for += len(missed) - 1
            for person in missed[1:]:
                ledger.add(Vote(item=item, person=person, choice=VoteChoice.FOR), imported, importer)
        party_routine.votes_for, party_routine.votes_abstain = 1, party_routine.votes_for - 1
    office.finish(pair.principal_user, sign_after=2)
    party.finish(None if corrected else pair.secretary_user, sign_after=16)

    # The ledger records the 三重一大 matter as decided by the 校长办公会, without a legal review.
    main = Matter(
        demo,
        school=school,
        title=text.title,
        category=category,
        tier=Tier.COLLECTIVE,
        by=importer,
        at=imported,
        description=text.description,
        amount=text.amount,
        leaders=[pair.principal],
    )
    main.talked([talk], imported)
    main.on_agenda(proposal, imported)
    main.on_agenda(decided, imported)
    main.decide(imported, item=proposal)
    year.to_deploy.append(main)
    # A purchase decided by the deputy principal alone; at 人大附中 the import added a zero to the sum.
    small = Matter(
        demo,
        school=school,
        title="采购学生社团活动器材",
        category=MatterCategory.GENERAL,
        tier=Tier.AUTONOMOUS,
        by=importer,
        at=imported,
        leaders=office_staff[:1],
    )
    small.obj.amount = Decimal("150000.00" if corrected else "168000.00")
    small.decide(imported, decided_by=office_staff[0])
    small.obj.decided_on = office_day + timedelta(days=2)
    small.obj.closing_summary, small.obj.closed_on = "器材已采购到位并完成验收。", office_day + timedelta(days=20)
    small.move(DecisionStatus.CLOSED, "办结", imported)

    def story() -> None:
        demo.check(school, imported.date() + timedelta(days=1), 1, *CODES)
        if corrected:
            with demo.at(imported.date() + timedelta(days=2), 15):
                _correct(demo, office, party, missed[1:], honours, recused, party_routine, main, decided, small, pair)
            demo.check(school, imported.date() + timedelta(days=3), 1, *CODES)

    demo.story(imported + timedelta(hours=15), story)


def _correct(demo, office, party, missed, honours, recused, routine, main, decided, small, pair) -> None:
    """The district checks the rows against the paper ledger and corrects the import errors."""
    for attendance in Attendance.objects.filter(meeting=party.meeting, person__in=missed):
        attendance.status = AttendanceStatus.PRESENT
        note_history(attendance, reason=CORRECTED)
        attendance.save()
    vote = Vote.objects.get(item=honours, person=recused)
    note_history(vote, reason=CORRECTED)
    vote.delete()
    honours.votes_for -= 1
    note_history(honours, reason=CORRECTED)
    honours.save()
    routine.votes_for, routine.votes_abstain = routine.votes_abstain, routine.votes_for
    note_history(routine, reason=CORRECTED)
    routine.save()
    office.meeting.date = office.day
    note_history(office.meeting, reason=CORRECTED)
    office.meeting.save(update_fields=["date", "updated_at"])
    meeting = party.meeting
    meeting.status, meeting.finalised_by = MeetingStatus.FINALISED, pair.secretary_user
    meeting.finalised_at = demo.moment(working_days_after(meeting.date, 2), 17)
    note_history(meeting, reason=CORRECTED)
    meeting.save()
    LegalReview.objects.create(
        decision=main.obj,
        reviewer="学校法律顾问",
        reviewed_on=meeting.date - timedelta(days=4),
        conclusion=ReviewConclusion.LAWFUL,
        note="补录：审查意见书原件存于纸质台账。",
    )
    main.obj.deciding_item, main.obj.decided_on = decided, meeting.date
    note_history(main.obj, reason=CORRECTED)
    main.obj.save()
    small.obj.amount = Decimal("15000.00")
    note_history(small.obj, reason=CORRECTED)
    small.obj.save()
