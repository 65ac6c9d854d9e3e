"""The rendered body of the busiest read-only pages (dashboards, school list and detail, the long lists), cached
under the data version (`core.dataversion`): a page shows the same body to everyone with the same scope, for
the same path, query string, day and language, until any data changes.

Only the page's own part is cached — its `<title>` text and what `{% block content %}` renders between the
markers of `base.html`. The layout around it (the signed-in user, the logout form with its CSRF token, the
flash messages, the demo banner) is rendered for each request, so nothing personal is ever shared. A body
holding a form token is never stored (a page with a POST form inside its content is not cacheable). A new body
is stored when the server closes the response, once it has been sent, so the first reader does not wait for it.

Views opt in with `@cached_page_body(query=…)`, naming the query parameters the page reads (a FilterSet class
gives its filters' names; `page` is always allowed). Off when `PAGE_CACHE_SECONDS` (default:
`DASHBOARD_CACHE_SECONDS`) is 0 (no shared cache), for anything but a plain GET of a signed-in user, for Excel
downloads (`?format=xlsx`), and for a query with any other parameter, a repeated one or a value longer than a
filter's (the cache holds what users browse, not whatever a client can make up).
"""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from . import dataversion
from .exports import wants_xlsx
from .scope import scope_key

START, END = "<!--page-body-->", "<!--/page-body-->"
TITLE_START, TITLE_END = "<title>", " · 海淀治理台账</title>"
FORM_TOKEN = "csrfmiddlewaretoken"  # noqa: S105  (the name of the form field, not a secret)
TEMPLATE = "core/cached_page.html"


def _key(request: HttpRequest) -> str:
    query = sorted((name, tuple(values)) for name, values in request.GET.lists())
    day = timezone.localdate().isoformat()
    return dataversion.cache_key("page", request.path, tuple(query), scope_key(request.user), day, get_language())


MAX_VALUE = 60  # characters of one query value (a date, an id, a school code or name, a page number)


def _plain_query(request: HttpRequest, allowed: frozenset[str]) -> bool:
    return all(
        name in allowed and len(values) == 1 and len(values[0]) <= MAX_VALUE for name, values in request.GET.lists()
    )


def _cacheable(request: HttpRequest, allowed: frozenset[str]) -> bool:
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method == "GET"
        and request.user.is_authenticated
        and not wants_xlsx(request)
        and _plain_query(request, allowed)
    )


def _names(query) -> frozenset[str]:
    filters = getattr(query, "base_filters", None)
    return frozenset({"page", *(filters if filters is not None else query)})


def extract(html: str) -> tuple[str, str] | None:
    """(title, body) of a rendered page, or None when it has no marked body or the body holds a form token."""
    body_start, body_end = html.find(START), html.rfind(END)
    title_start, title_end = html.find(TITLE_START), html.find(TITLE_END)
    if min(body_start, body_end, title_start, title_end) < 0:
        return None
    body = html[body_start + len(START) : body_end]
    if FORM_TOKEN in body:
        return None
    return html[title_start + len(TITLE_START) : title_end], body


def cached_page_body(*, query=()) -> Callable:
    """Serve the view's page body from the cache when the data has not changed since it was rendered. `query`:
    the names of the query parameters the page reads, or a FilterSet class."""
    allowed = _names(query)

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        return _cached(view, allowed)

    return decorate


def _cached(view: Callable[..., HttpResponse], allowed: frozenset[str]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not _cacheable(request, allowed):
            return view(request, *args, **kwargs)
        key = _key(request)
        stored = cache.get(key)
        if stored is not None:
            title, body = stored
            return render(request, TEMPLATE, {"cached_title": mark_safe(title), "cached_body": mark_safe(body)})  # noqa: S308  (our own rendered, escaped HTML)
        response = view(request, *args, **kwargs)
        if (
            response.status_code == 200
            and not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
        ):
            parts = extract(response.content.decode(response.charset or "utf-8"))
            if parts is not None:
                # Stored when the server closes the response, after sending it: the reader does not wait for it.
                response._resource_closers.append(lambda: cache.set(key, parts, timeout=settings.PAGE_CACHE_SECONDS))
        return response

    return wrapper
