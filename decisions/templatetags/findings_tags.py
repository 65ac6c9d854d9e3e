"""Template tags of the 合规提示 pages, usable on other apps' pages (e.g. the school page)."""

from django import template

from ..selectors import finding_list

register = template.Library()


@register.simple_tag(takes_context=True)
def open_finding_count(context, school) -> int:
    """Open findings of `school` the page's user may see, in one query."""
    return finding_list(user=context["user"]).filter(school=school, resolved_at__isnull=True).count()
