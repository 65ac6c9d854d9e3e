"""`pk_url("person_detail", pk)`: `reverse(name, args=[pk])` for a route that takes one integer (`<int:pk>`),
for rows that each link to a record.

`reverse()` costs ≈ 12 µs a link (resolver lookups, argument checks, quoting); a page listing 30 people spent
more time there than in its queries. Here the route is reversed once per route name, URLconf and script prefix
with a placeholder number, and each link only puts the row's number in its place. Anything but a non-negative
integer goes to `reverse()`, which refuses what it refuses.

`route_url("school_list")` (the `{% route %}` tag of `core.templatetags.links`): `reverse(name)` for a route
without arguments, kept per route name, URLconf and script prefix — the navigation of every page has thirteen
(≈ 0.2 ms a page through `{% url %}`).
"""

from functools import lru_cache

from django.urls import get_script_prefix, get_urlconf, reverse

PLACEHOLDER = "918273645"  # a number no route holds by itself


@lru_cache(maxsize=128)
def _parts(name: str, urlconf: str | None, prefix: str) -> tuple[str, str]:  # prefix: a key; reverse() reads it
    url = reverse(name, urlconf=urlconf, args=[int(PLACEHOLDER)])
    head, placeholder, tail = url.partition(PLACEHOLDER)
    if not placeholder or PLACEHOLDER in tail:
        raise ValueError(f"route {name!r} does not take one integer argument")
    return head, tail


def pk_url(name: str, pk: int) -> str:
    """`reverse(name, args=[pk])` for a route with one integer argument."""
    if type(pk) is not int or pk < 0:  # noqa: E721  (True is an int to isinstance(), and no id)
        return reverse(name, args=[pk])  # reverse() decides, and raises NoReverseMatch as {% url %} does
    head, tail = _parts(name, get_urlconf(), get_script_prefix())
    return f"{head}{pk}{tail}"


@lru_cache(maxsize=256)
def _route(name: str, urlconf: str | None, prefix: str) -> str:  # prefix: a key; reverse() reads it
    return reverse(name, urlconf=urlconf)


def route_url(name: str) -> str:
    """`reverse(name)` for a route without arguments."""
    return _route(name, get_urlconf(), get_script_prefix())
