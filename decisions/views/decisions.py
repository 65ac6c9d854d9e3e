"""Placeholder views, replaced by the decisions pages work."""

from django.http import HttpResponse


def _todo(request, **kwargs):
    return HttpResponse(status=501)


def __getattr__(name):
    return _todo
