from django.urls import path

from .views import communications, deliberations, meetings

urlpatterns = [
    path("communications/", communications.communication_list, name="communication_list"),
    path("communications/new/", communications.communication_create, name="communication_create"),
    path("communications/<int:pk>/", communications.communication_detail, name="communication_detail"),
    path("communications/<int:pk>/edit/", communications.communication_edit, name="communication_edit"),
    path("communications/<int:pk>/confirm/", communications.communication_confirm, name="communication_confirm"),
    path("communications/<int:pk>/amend/", communications.communication_amend, name="communication_amend"),
    path("schools/<int:pk>/calendar/", communications.school_calendar, name="school_calendar"),
    path("meetings/", meetings.meeting_list, name="meeting_list"),
    path("meetings/new/", meetings.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", meetings.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", meetings.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/held/", meetings.meeting_mark_held, name="meeting_mark_held"),
    path("meetings/<int:pk>/minutes/", meetings.meeting_minutes, name="meeting_minutes"),
    path("meetings/<int:pk>/finalise/", meetings.meeting_finalise, name="meeting_finalise"),
    path("meetings/<int:pk>/amend/", meetings.meeting_amend, name="meeting_amend"),
    path("meetings/<int:pk>/items/<int:item_pk>/votes/", meetings.item_votes, name="item_votes"),
    path("meetings/<int:pk>/items/<int:item_pk>/defer/", meetings.item_defer, name="item_defer"),
    path(
        "meetings/<int:pk>/items/<int:item_pk>/principal-decision/",
        meetings.item_principal_decision,
        name="item_principal_decision",
    ),
    path(
        "meetings/<int:pk>/items/<int:item_pk>/deliberations/",
        deliberations.item_deliberation,
        name="item_deliberation",
    ),
]
