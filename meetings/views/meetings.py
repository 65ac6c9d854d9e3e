"""Placeholder views, replaced by the meeting pages work."""

from django.http import HttpResponse


def _todo(request, **kwargs):
    return HttpResponse(status=501)


meeting_list = meeting_create = meeting_detail = meeting_edit = meeting_mark_held = _todo
meeting_minutes = meeting_finalise = meeting_amend = item_votes = item_defer = _todo
