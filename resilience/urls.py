"""Workloads, their dependencies and rehearsals, and the concentration views: /workloads/, /concentration/."""

from django.urls import path

from . import views

app_name = "resilience"

urlpatterns = [
    path("workloads/", views.workload_list, name="workload-list"),
    path("workloads/new/", views.workload_create, name="workload-create"),
    path("workloads/<int:pk>/", views.workload_detail, name="workload-detail"),
    path("workloads/<int:pk>/edit/", views.workload_edit, name="workload-edit"),
    path("workloads/<int:pk>/dependencies/", views.dependency_add, name="dependency-add"),
    path("workloads/<int:pk>/dependencies/<int:dependency_pk>/", views.dependency_row, name="dependency-row"),
    path(
        "workloads/<int:pk>/dependencies/<int:dependency_pk>/edit/",
        views.dependency_edit,
        name="dependency-edit",
    ),
    path(
        "workloads/<int:pk>/dependencies/<int:dependency_pk>/remove/",
        views.dependency_remove,
        name="dependency-remove",
    ),
    path("workloads/<int:pk>/rehearsals/new/", views.rehearsal_create, name="rehearsal-create"),
    path(
        "workloads/<int:pk>/rehearsals/<int:rehearsal_pk>/", views.rehearsal_detail, name="rehearsal-detail"
    ),
    path(
        "workloads/<int:pk>/rehearsals/<int:rehearsal_pk>/edit/",
        views.rehearsal_edit,
        name="rehearsal-edit",
    ),
    path("concentration/", views.concentration_view, name="concentration"),
    path("concentration/loss/", views.loss_scenario, name="loss-scenario"),
    path("concentration/vendors/<int:vendor_pk>/", views.vendor_exposure, name="vendor-exposure"),
]
