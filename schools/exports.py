"""The school list as an Excel sheet: the same columns as the page, the pair on today's date."""

from django.utils import timezone

from core.exports import filterset_filters, in_batches, xlsx_response

from . import selectors

HEADERS = ["代码", "学校", "所属学校", "学段", "党组织", "学区", "教育集团", "书记", "校长"]


def _principal(pair) -> str:
    if pair.principal is None:
        return "校长空缺"
    if pair.is_combined:
        return f"{pair.principal.name}（一肩挑）"
    if pair.principal_post != "principal":
        return f"{pair.principal.name}（{pair.principal_post_label}）"
    return pair.principal.name


def rows(schools):
    today = timezone.localdate()
    for batch in in_batches(schools.iterator(chunk_size=500)):
        pairs = selectors.pairs_on(schools=batch, on=today)
        for school in batch:
            pair = pairs[school.pk]
            yield [
                school.code,
                school.name,
                school.parent.name if school.parent else "",
                school.get_level_display(),
                school.get_party_org_type_display(),
                school.district.name,
                school.group.name if school.group else "",
                pair.secretary.name if pair.secretary else "书记空缺",
                _principal(pair),
            ]


def school_list_xlsx(school_filter):
    return xlsx_response(
        filename=f"学校名单-{timezone.localdate():%Y%m%d}.xlsx",
        title="学校名单",
        filters=filterset_filters(school_filter),
        headers=HEADERS,
        rows=rows(school_filter.qs),
    )
