"""制度依据: every compliance rule with what it checks, its source and quote, the parameter in force and the open
findings in the reader's scope (DESIGN §3, §6). Read-only, for every signed-in user."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import selectors

__all__ = ["rule_detail", "rule_list"]


@login_required
@require_GET
def rule_list(request: HttpRequest) -> HttpResponse:
    return render(request, "decisions/rule_list.html", {"sheets": selectors.rulebook(user=request.user)})


@login_required
@require_GET
def rule_detail(request: HttpRequest, code: str) -> HttpResponse:
    sheet = selectors.rule_sheet(user=request.user, code=code)
    if sheet is None:
        raise Http404("没有这条规则。")
    return render(request, "decisions/rule_detail.html", {"sheet": sheet, "rule": sheet.rule})
