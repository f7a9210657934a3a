from django.urls import path

from . import record_views, views

app_name = "scorecards"
urlpatterns = [
    path("", views.evaluation_list, name="evaluation-list"),
    path("new/", views.evaluation_create, name="evaluation-create"),
    path("compare/", views.evaluation_compare, name="evaluation-compare"),
    path("<int:pk>/", views.evaluation_detail, name="evaluation-detail"),
    path("<int:pk>/edit/", views.evaluation_edit, name="evaluation-edit"),
    path("<int:pk>/scores/", views.evaluation_scores, name="evaluation-scores"),
    path("<int:pk>/scores/preview/", views.evaluation_scores_preview, name="evaluation-scores-preview"),
    path("<int:pk>/tce/attach/", views.evaluation_tce_attach, name="evaluation-tce-attach"),
    path("<int:pk>/tce/detach/", views.evaluation_tce_detach, name="evaluation-tce-detach"),
    # Decision records (scorecards/record_views.py)
    path("<int:pk>/record/", record_views.record_status, name="record-status"),
    path("<int:pk>/record/download/", record_views.record_download, name="record-download"),
    path("<int:pk>/record/preview/", record_views.record_preview, name="record-preview"),
    path("<int:pk>/record/retry/", record_views.record_retry, name="record-retry"),
    path("records/verify/", record_views.record_verify, name="record-verify"),
    path("<int:pk>/submit/", views.evaluation_submit, name="evaluation-submit"),
    path("<int:pk>/sign/", views.evaluation_sign, name="evaluation-sign"),
    path("<int:pk>/withdraw/", views.evaluation_withdraw, name="evaluation-withdraw"),
    path("<int:pk>/revise/", views.evaluation_revise, name="evaluation-revise"),
    path("inbox/", views.signoff_inbox, name="signoff-inbox"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence-download"),
    path("evidence/<int:pk>/delete/", views.evidence_delete, name="evidence-delete"),
    path("vendors/<int:vendor_pk>/", views.vendor_history, name="vendor-history"),
    path("templates/", views.template_list, name="template-list"),
    path("templates/new/", views.template_create, name="template-create"),
    path("templates/<int:pk>/", views.template_detail, name="template-detail"),
    path("templates/<int:pk>/edit/", views.template_edit, name="template-edit"),
]
