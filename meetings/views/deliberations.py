"""酝酿 of 干部任免 items on the meeting page (PERSONNEL_DELIBERATION): a small form under each personnel item,
and the page it falls back to when the input is refused (400)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from core.models import User

from .. import services
from ..forms.meetings import DeliberationForm, deliberation_people
from ..models import AgendaItem, Meeting
from ._forms_handling import attempt, service_errors
from .meetings import _item, _meeting, _require_open_for_edit

__all__ = ["item_deliberation"]


def _page(request: HttpRequest, meeting: Meeting, item: AgendaItem, form: DeliberationForm) -> HttpResponse:
    context = {"meeting": meeting, "item": item, "form": form}
    return render(request, "meetings/item_deliberation.html", context, status=400 if form.is_bound else 200)


@login_required
@require_http_methods(["GET", "POST"])
@service_errors
def item_deliberation(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    user: User = request.user
    meeting = _meeting(request, pk)
    item = _item(user, meeting, item_pk)
    _require_open_for_edit(user, meeting)
    data = request.POST if request.method == "POST" else None
    form = DeliberationForm(data, item=item, people=deliberation_people(meeting))
    saved = (
        data is not None
        and form.is_valid()
        and attempt(form, services.deliberation_add, user=user, item=item, **form.cleaned_data)
    )
    if saved:
        messages.success(request, "酝酿情况已登记。")
        return redirect(f"{reverse('meeting_detail', args=[pk])}#item-{item.pk}")
    return _page(request, meeting, item, form)
