from django.urls import path

from . import views

app_name = "vendors"

urlpatterns = [
    # Vendors
    path("", views.vendor_list, name="vendor-list"),
    path("new/", views.vendor_create, name="vendor-create"),
    path("export.csv", views.vendor_export, name="vendor-export"),
    path("import/", views.vendor_import, name="vendor-import"),
    path("<int:pk>/", views.vendor_detail, name="vendor-detail"),
    path("<int:pk>/edit/", views.vendor_edit, name="vendor-edit"),
    path("<int:pk>/delete/", views.vendor_delete, name="vendor-delete"),
    path("<int:vendor_pk>/contracts/new/", views.contract_create, name="contract-create"),
    # Contracts
    path("contracts/", views.contract_list, name="contract-list"),
    path("contracts/export.csv", views.contract_export, name="contract-export"),
    path("contracts/import/", views.contract_import, name="contract-import"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract-detail"),
    path("contracts/<int:pk>/edit/", views.contract_edit, name="contract-edit"),
    path("contracts/<int:pk>/delete/", views.contract_delete, name="contract-delete"),
    path("contracts/<int:pk>/capacity/", views.capacity_line_add, name="capacity-line-add"),
    path(
        "contracts/<int:pk>/capacity/<int:line_pk>/remove/",
        views.capacity_line_remove,
        name="capacity-line-remove",
    ),
    path("contracts/<int:pk>/documents/", views.document_upload, name="document-upload"),
    path(
        "contracts/<int:pk>/documents/<int:document_pk>/",
        views.document_download,
        name="document-download",
    ),
    path("contracts/<int:pk>/exit-rights/<slug:code>/", views.clause_row, name="clause-row"),
    path("contracts/<int:pk>/exit-rights/<slug:code>/edit/", views.clause_edit, name="clause-edit"),
]
