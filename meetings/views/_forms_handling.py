"""Helpers of the meeting pages: services' errors onto forms, the 403 / 409 responses, and the one-POST
save of the meeting edit page (meeting, attendance and agenda in one transaction)."""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms import Form
from django.shortcuts import render
from django.utils import timezone

from core.errors import RecordFinalisedError
from core.models import User
from core.pages import errors_to_form

from .. import services
from ..forms.meetings import MeetingPageForms
from ..models import Meeting


def attempt(form: Form, service: Callable, **kwargs):
    """Call a service; its `ValidationError` goes onto `form` and the call returns None.

    `RecordFinalisedError` (409) and `PermissionDenied` (403) propagate to `service_errors`.
    """
    try:
        return service(**kwargs)
    except RecordFinalisedError:
        raise
    except ValidationError as exc:
        errors_to_form(form, exc)
        return None


def service_errors(view):
    """Render `PermissionDenied` as the 403 page and `RecordFinalisedError` as 409, with their messages."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except RecordFinalisedError as exc:
            context = {"message": " ".join(exc.messages), "meeting_pk": kwargs.get("pk")}
            return render(request, "meetings/meeting_locked.html", context, status=409)
        except PermissionDenied as exc:
            message = str(exc) or "您没有执行此操作的权限。"
            return render(request, "403.html", {"message": message}, status=403)

    return wrapper


def save_meeting_page(*, user: User, meeting: Meeting, page: MeetingPageForms) -> bool:
    """Save the edit page through the services in one transaction; any error anywhere saves nothing.

    Every part is still tried so that each form shows its own errors. Returns True when all was saved.
    """
    failed = False
    with transaction.atomic():
        form = page.meeting_form
        if form.has_changed():
            updated = attempt(form, services.meeting_update, user=user, meeting=meeting, **form.cleaned_data)
            failed |= updated is None
            meeting = updated or meeting
        if page.attendance_changed and meeting.date <= timezone.localdate():
            recorded = attempt(
                page.observers_form,
                services.meeting_record_attendance,
                user=user,
                meeting=meeting,
                statuses=page.attendance.statuses(),
                observers=page.observers_form.cleaned_data["observers"],
            )
            failed |= recorded is None
        for form in page.agenda.changed_forms():
            if form.item is not None:
                saved = attempt(form, services.agenda_item_update, user=user, item=form.item, **form.update_changes())
            else:
                saved = attempt(form, services.agenda_item_create, user=user, meeting=meeting, **form.create_kwargs())
            failed |= saved is None
        if failed:
            transaction.set_rollback(True)
    return not failed
