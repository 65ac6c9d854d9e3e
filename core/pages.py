"""What every app's pages do with a service's refusal: errors next to the form's fields, or the 403 page."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    message = str(exc) or "您没有执行此操作的权限。"
    return render(request, "403.html", {"message": message}, status=403)


def errors_to_form(form: Form, exc: ValidationError) -> None:
    """Put a service's messages next to their fields (fields the form lacks go to the top of the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
