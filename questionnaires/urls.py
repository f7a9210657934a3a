"""Questionnaires: procurement's pages under /questionnaires/, the vendor portal under /portal/."""

from django.urls import path

from . import portal_views, views

app_name = "questionnaires"

urlpatterns = [
    path("questionnaires/", views.questionnaire_list, name="list"),
    path("questionnaires/send/", views.questionnaire_send, name="send"),
    path("questionnaires/<int:pk>/", views.questionnaire_detail, name="detail"),
    path("questionnaires/<int:pk>/export/", views.answers_export, name="export"),
    path("questionnaires/<int:pk>/reopen/", views.questionnaire_reopen, name="reopen"),
    path("questionnaires/<int:pk>/contacts/", views.recipient_add, name="recipient-add"),
    path(
        "questionnaires/<int:pk>/contacts/<int:recipient_pk>/revoke/",
        views.recipient_revoke,
        name="recipient-revoke",
    ),
    path(
        "questionnaires/<int:pk>/contacts/<int:recipient_pk>/link/",
        views.recipient_link,
        name="recipient-link",
    ),
    path("questionnaires/<int:pk>/answers/<int:answer_pk>/", views.answer_detail, name="answer-detail"),
    path(
        "questionnaires/<int:pk>/answers/<int:answer_pk>/review/", views.answer_review, name="answer-review"
    ),
    path("questionnaires/files/<int:pk>/", views.file_download, name="file-download"),
    # The vendor portal: the token in the path is the only credential.
    path("portal/<str:token>/", portal_views.portal_questionnaire, name="portal"),
    path(
        "portal/<str:token>/files/<int:file_pk>/remove/",
        portal_views.portal_file_remove,
        name="portal-file-remove",
    ),
]
