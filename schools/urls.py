from django.urls import path

from . import views

urlpatterns = [
    path("schools/", views.school_list, name="school_list"),
    path("schools/import/", views.school_import, name="school_import"),
    path("schools/import/template.xlsx", views.school_import_template, name="school_import_template"),
    path("schools/<int:pk>/", views.school_detail, name="school_detail"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
]
