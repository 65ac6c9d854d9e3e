from django.urls import path

from .views import dashboard

urlpatterns = [
    path("dashboard/", dashboard.district_dashboard, name="district_dashboard"),
    path("school/<int:pk>/dashboard/", dashboard.school_dashboard, name="school_dashboard"),
]
