"""The decision list and the open findings as Excel sheets: the same rows and columns as the pages."""

from django.utils import timezone

from core.exports import filterset_filters, xlsx_response

from .selectors import rule_titles

DECISION_HEADERS = [
    "登记日期",
    "学校",
    "学区",
    "事项名称",
    "事项类别",
    "决策层级",
    "涉及金额（元）",
    "状态",
    "决策结果",
    "决策日期",
    "未完成督办任务",
    "督办任务总数",
    "合规提示",
]
FINDING_HEADERS = ["学校", "学区", "规则", "级别", "提示内容", "首次发现", "相关记录"]


def decision_rows(decisions):
    for d in decisions.iterator(chunk_size=500):
        yield [
            timezone.localtime(d.created_at).date().isoformat(),
            d.school.name,
            d.school.district.name,
            d.title,
            d.get_category_display(),
            d.get_tier_display(),
            d.amount,
            d.get_status_display(),
            d.get_outcome_display() if d.outcome else "",
            d.decided_on.isoformat() if d.decided_on else "",
            d.open_task_count,
            d.task_count,
            "有未整改提示" if d.has_open_findings else "",
        ]


def finding_rows(findings):
    from .views.findings import subject_url  # the page's link rule: no link when the record was deleted

    titles = rule_titles()
    for f in findings.iterator(chunk_size=500):  # the subjects are prefetched per chunk
        yield [
            f.school.name,
            f.school.district.name,
            titles.get(f.rule, f.rule),
            f.get_severity_display(),
            f.message,
            timezone.localtime(f.first_seen).date().isoformat(),
            f.content_type.name if subject_url(f) else "记录已删除",
        ]


def decision_list_xlsx(decision_filter):
    return xlsx_response(
        filename=f"决策事项-{timezone.localdate():%Y%m%d}.xlsx",
        title="决策事项",
        filters=filterset_filters(decision_filter),
        headers=DECISION_HEADERS,
        rows=decision_rows(decision_filter.qs),
    )


def finding_list_xlsx(finding_filter):
    return xlsx_response(
        filename=f"未整改合规提示-{timezone.localdate():%Y%m%d}.xlsx",
        title="未整改合规提示",
        filters=filterset_filters(finding_filter),
        headers=FINDING_HEADERS,
        rows=finding_rows(finding_filter.qs),
    )
