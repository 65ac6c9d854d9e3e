from django.urls import path

from .views import dashboard, runs

urlpatterns = [
    path("dashboard/", dashboard.district_dashboard, name="district_dashboard"),
    path("school/<int:pk>/dashboard/", dashboard.school_dashboard, name="school_dashboard"),
    path("reports/", runs.run_list, name="report_run_list"),
    path("reports/new/", runs.run_request, name="report_run_request"),
    path("reports/<int:pk>/", runs.run_detail, name="report_run_detail"),
    path("reports/<int:pk>/status/", runs.run_status, name="report_run_status"),
    path("reports/<int:pk>/download/", runs.run_download, name="report_run_download"),
]
