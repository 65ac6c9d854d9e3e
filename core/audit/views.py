"""审计日志 page (`/audit/`): district admins only; for anyone else the page does not exist (404)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from ..exports import wants_xlsx
from ..scope import is_district_admin
from .exports import HEADERS, audit_list_xlsx, audit_row
from .filters import AuditEventFilter
from .selectors import audit_event_list

PAGE_SIZE = 50


@login_required
@require_http_methods(["GET"])
def audit_list(request: HttpRequest) -> HttpResponse:
    if not is_district_admin(request.user):
        raise Http404
    audit_filter = AuditEventFilter(request.GET, queryset=audit_event_list(user=request.user), request=request)
    if wants_xlsx(request):
        return audit_list_xlsx(audit_filter)
    page = Paginator(audit_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(event, audit_row(event)) for event in page.object_list]
    return render(
        request, "core/audit_list.html", {"filter": audit_filter, "page": page, "rows": rows, "headers": HEADERS}
    )
