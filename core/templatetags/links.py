"""`{% route "school_list" %}`: `{% url "school_list" %}` for a route without arguments, reversed once
(core.links.route_url)."""

from django import template

from core.links import route_url

register = template.Library()


@register.simple_tag
def route(name: str) -> str:
    return route_url(name)
