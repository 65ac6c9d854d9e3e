"""Placeholder views, replaced by the communications pages work."""

from django.http import HttpResponse


def _todo(request, **kwargs):
    return HttpResponse(status=501)


communication_list = communication_create = communication_detail = communication_edit = _todo
communication_confirm = communication_amend = school_calendar = _todo
