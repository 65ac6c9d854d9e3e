from django.urls import path

from .views import decisions, findings, rules, tasks

urlpatterns = [
    path("decisions/", decisions.decision_list, name="decision_list"),
    path("decisions/new/", decisions.decision_create, name="decision_create"),
    path("decisions/<int:pk>/", decisions.decision_detail, name="decision_detail"),
    path("decisions/<int:pk>/edit/", decisions.decision_edit, name="decision_edit"),
    path("decisions/<int:pk>/transition/", decisions.decision_transition, name="decision_transition"),
    path("decisions/<int:pk>/link-item/", decisions.decision_link_item, name="decision_link_item"),
    path("decisions/<int:pk>/decide/", decisions.decision_decide, name="decision_decide"),
    path("decisions/<int:pk>/consultations/new/", decisions.consultation_add, name="consultation_add"),
    path("decisions/<int:pk>/legal-reviews/new/", decisions.legal_review_add, name="legal_review_add"),
    path("decisions/<int:pk>/amend/", decisions.decision_amend, name="decision_amend"),
    path(
        "decisions/<int:pk>/implementation-reports/new/",
        decisions.implementation_report_add,
        name="implementation_report_add",
    ),
    path("decisions/<int:pk>/close/", tasks.decision_close, name="decision_close"),
    path("decisions/<int:pk>/tasks/new/", tasks.task_create, name="task_create"),
    path("tasks/<int:pk>/", tasks.task_detail, name="task_detail"),
    path("tasks/<int:pk>/progress/", tasks.task_add_progress, name="task_add_progress"),
    path("tasks/<int:pk>/complete/", tasks.task_complete, name="task_complete"),
    path("tasks/<int:pk>/evidence/", tasks.evidence_upload, name="evidence_upload"),
    path("evidence/<int:pk>/download/", tasks.evidence_download, name="evidence_download"),
    path("schools/<int:pk>/tasks/", tasks.school_task_board, name="school_task_board"),
    path("rules/", rules.rule_list, name="rule_list"),
    path("rules/<str:code>/", rules.rule_detail, name="rule_detail"),
    path("findings/", findings.finding_list, name="finding_list"),
    path("findings/resolved/", findings.finding_resolved_list, name="finding_resolved_list"),
    path("schools/<int:pk>/findings/", findings.school_findings, name="school_findings"),
    path("schools/<int:pk>/handover/", findings.school_handover, name="school_handover"),
]
