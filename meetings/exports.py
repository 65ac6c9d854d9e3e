"""The communication and meeting lists as Excel sheets: the same rows and columns as the pages."""

from django.utils import timezone

from core.exports import filterset_filters, xlsx_response

from .choices import MeetingStatus

COMMUNICATION_HEADERS = ["沟通时间", "学校", "沟通类别", "时机", "主题", "参与人", "沟通结果", "确认状态"]
MEETING_HEADERS = ["日期", "开始时间", "学校", "会议类型", "会议名称", "应到", "实到", "议题数", "主持人", "状态"]


def communication_rows(communications):
    for c in communications.iterator(chunk_size=500):  # the participants are prefetched per chunk
        yield [
            timezone.localtime(c.occurred_at).strftime("%Y-%m-%d %H:%M"),
            c.school.name,
            c.get_category_display(),
            c.get_timing_display(),
            c.subject,
            "、".join(person.name for person in c.participants.all()),
            c.get_outcome_display(),
            "已确认" if c.is_confirmed else "待确认",
        ]


def meeting_rows(meetings):
    for meeting in meetings.iterator(chunk_size=500):
        yield [
            meeting.date.isoformat(),
            meeting.start_time.strftime("%H:%M") if meeting.start_time else "",
            meeting.school.name,
            meeting.get_body_display(),
            meeting.title,
            meeting.expected_count,
            "" if meeting.status == MeetingStatus.PREPARING else meeting.present_count,
            meeting.item_count,
            meeting.chair.name if meeting.chair else "",
            meeting.get_status_display(),
        ]


def communication_list_xlsx(communication_filter):
    return xlsx_response(
        filename=f"沟通记录-{timezone.localdate():%Y%m%d}.xlsx",
        title="沟通记录（四沟通）",
        filters=filterset_filters(communication_filter),
        headers=COMMUNICATION_HEADERS,
        rows=communication_rows(communication_filter.qs),
    )


def meeting_list_xlsx(meeting_filter):
    return xlsx_response(
        filename=f"会议-{timezone.localdate():%Y%m%d}.xlsx",
        title="会议",
        filters=filterset_filters(meeting_filter),
        headers=MEETING_HEADERS,
        rows=meeting_rows(meeting_filter.qs),
    )
