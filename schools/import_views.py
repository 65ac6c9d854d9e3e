"""Placeholder: the Excel import views (replaced by the import work)."""

from django.http import HttpResponse


def school_import(request):
    return HttpResponse(status=501)


def school_import_template(request):
    return HttpResponse(status=501)
