"""The audit trail as an Excel sheet: the same rows and columns as the page, all rows of the filters."""

from django.utils import timezone

from ..exports import filterset_filters, xlsx_response
from ..models import AuditAction
from .selectors import model_name

SYSTEM = "系统"  # a change without a user: a scheduled task, a command or the demo data
HEADERS = ["时间", "操作", "账号", "姓名", "学校", "学区", "对象类型", "对象编号", "对象", "变更内容", "IP 地址"]


def audit_row(event) -> list:
    """One event as the page and the sheet show it."""
    school = event.school
    return [
        timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S"),
        event.get_action_display(),
        event.username or ("" if event.action == AuditAction.LOGIN_FAILED else SYSTEM),
        event.user.get_full_name() if event.user else "",
        school.name if school else "",
        school.district.name if school else "",
        model_name(event.model),
        event.object_id,
        event.object_repr,
        event.changes,
        event.ip or "",
    ]


def audit_rows(events):
    for event in events.iterator(chunk_size=500):
        yield audit_row(event)


def audit_list_xlsx(audit_filter):
    return xlsx_response(
        filename=f"审计日志-{timezone.localdate():%Y%m%d}.xlsx",
        title="审计日志",
        filters=filterset_filters(audit_filter),
        headers=HEADERS,
        rows=audit_rows(audit_filter.qs),
    )
