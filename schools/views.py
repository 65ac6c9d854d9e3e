"""School list and detail, person detail. Views stay thin: selectors do the reading and scoping."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from core.exports import wants_xlsx
from core.paging import CachedCountPaginator
from decisions.selectors import open_finding_count

from . import selectors
from .exports import school_list_xlsx
from .filters import SchoolListFilter
from .import_views import school_import, school_import_template

__all__ = ["person_detail", "school_detail", "school_import", "school_import_template", "school_list"]


@login_required
def school_list(request):
    schools = selectors.school_list(user=request.user)
    school_filter = SchoolListFilter(request.GET, queryset=schools, request=request)
    if wants_xlsx(request):
        return school_list_xlsx(school_filter)
    page = CachedCountPaginator(school_filter.qs, 50).get_page(request.GET.get("page"))
    pairs = selectors.pairs_on(schools=page.object_list, on=timezone.localdate())
    rows = [(school, pairs[school.pk]) for school in page.object_list]
    return render(request, "schools/school_list.html", {"filter": school_filter, "page": page, "rows": rows})


@login_required
def school_detail(request, pk: int):
    schools = selectors.school_detail_queryset(user=request.user).annotate(open_finding_count=open_finding_count())
    school = get_object_or_404(schools, pk=pk)
    today = timezone.localdate()
    leadership = selectors.school_leadership(school=school, on=today)  # the school is in scope: all of its rows are
    context = {
        "school": school,
        "campuses": selectors.campuses_of(school=school),
        "pair": leadership.pair,
        "pair_history": leadership.pair_history,
        "appointments": leadership.appointments,
        "memberships": selectors.memberships_on_school(school=school, on=today),
    }
    return render(request, "schools/school_detail.html", context)


@login_required
def person_detail(request, pk: int):
    person = get_object_or_404(selectors.person_list(user=request.user), pk=pk)
    appointments = selectors.appointment_list(user=request.user).filter(person=person).order_by("-start")
    return render(request, "schools/person_detail.html", {"person": person, "appointments": appointments})
