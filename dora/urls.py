from django.urls import path

from . import views

app_name = "dora"

urlpatterns = [
    path("", views.register_page, name="register"),
    path("lint/", views.lint_page, name="lint"),
    path("package.zip", views.package_download, name="package-download"),
    path("entities/new/", views.entity_create, name="entity-create"),
    path("entities/<int:pk>/edit/", views.entity_edit, name="entity-edit"),
    path("vendors/<int:pk>/", views.vendor_record, name="vendor-record"),
    path("contracts/<int:pk>/", views.contract_record, name="contract-record"),
    path("contracts/<int:pk>/override/", views.override, name="override"),
    path("functions/<int:pk>/", views.function_record, name="function-record"),
    path("submissions/new/", views.submission_create, name="submission-create"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission-detail"),
    path("submissions/<int:pk>/sign/", views.submission_sign, name="submission-sign"),
    path("submissions/<int:pk>/package.zip", views.submission_download, name="submission-download"),
    path("verify/", views.verify, name="verify"),
]
