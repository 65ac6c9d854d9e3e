"""The district dashboard's per-学区 and per-集团 tables as one workbook (one sheet each), same figures as the page."""

from django.utils import timezone

from core.exports import Sheet, form_filters, xlsx_sheets_response

SLICE_HEADERS = [
    "学校",
    "搭档在任",
    "空缺",
    "一肩挑",
    "沟通",
    "会议",
    "三重一大决策",
    "合规率",
    "未整改提示",
    "逾期任务",
]


def _rate(figures) -> str:
    if figures.compliance_rate is None:
        return "—"
    return f"{round(figures.compliant_decisions / figures.decisions_total * 100)}%"  # as `widthratio` on the page


def slice_rows(slices) -> list[list]:
    return [
        [
            f.name,
            f.schools,
            f.pairs_in_office,
            f.vacancies,
            f.combined,
            f.communications_total,
            f.meetings_total,
            f.decisions_total,
            _rate(f),
            f.open_findings,
            f.overdue_tasks,
        ]
        for f in slices
    ]


def dashboard_filters(form, scope) -> list[tuple[str, str]]:
    """The period actually used (defaults in place of missing or bad dates), then the other valid filters."""
    period = [("起始日期", scope.date_from.isoformat()), ("截止日期", scope.date_to.isoformat())]
    return period + form_filters(form, exclude=("from", "to"))


def district_dashboard_xlsx(form, dashboard):
    filters = dashboard_filters(form, dashboard.scope)
    return xlsx_sheets_response(
        filename=f"总览-{timezone.localdate():%Y%m%d}.xlsx",
        sheets=[
            Sheet("各学区", filters, ["学区", *SLICE_HEADERS], slice_rows(dashboard.districts)),
            Sheet("各教育集团", filters, ["教育集团", *SLICE_HEADERS], slice_rows(dashboard.groups)),
        ],
    )
