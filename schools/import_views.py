"""Excel import of schools, people and appointments: the upload page and the template download.

Both pages are for district admins only; anyone else gets a 404, as for any object outside their scope.
"""

from collections.abc import Sequence

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods

from core.models import User
from core.scope import is_district_admin

from .forms import SchoolImportForm
from .importing import TEMPLATE_FILENAME, XLSX_CONTENT_TYPE, RowError, build_template, import_workbook


def _require_district_admin(user: User) -> None:
    if not is_district_admin(user):
        raise Http404


def _page(
    request: HttpRequest, form: SchoolImportForm, errors: Sequence[RowError] = (), status: int = 200
) -> HttpResponse:
    return render(request, "schools/import.html", {"form": form, "errors": errors}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def school_import(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: validate the whole file, then import it or list every error (400)."""
    _require_district_admin(request.user)
    if request.method == "GET":
        return _page(request, SchoolImportForm())
    form = SchoolImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=400)
    result = import_workbook(file=form.cleaned_data["file"], user=request.user)
    if not result.ok:
        messages.error(request, f"导入未执行：文件中有 {len(result.errors)} 处错误，请修改后重新上传。")
        return _page(request, form, result.errors, status=400)
    messages.success(request, result.summary)
    return redirect("school_import")


@login_required
@require_http_methods(["GET"])
def school_import_template(request: HttpRequest) -> HttpResponse:
    """The empty import workbook (three sheets, header row and one example row each)."""
    _require_district_admin(request.user)
    response = HttpResponse(build_template(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=TEMPLATE_FILENAME)
    return response
