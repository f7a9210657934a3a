"""Capacity planning: /capacity/ (the plan), forecasts, allocations and demand visibility."""

from django.urls import path

from . import views

app_name = "capacity"

urlpatterns = [
    path("", views.plan, name="plan"),
    path("forecasts/", views.forecast_list, name="forecast-list"),
    path("forecasts/new/", views.forecast_create, name="forecast-create"),
    path("forecasts/export/", views.forecast_export, name="forecast-export"),
    path("forecasts/import/", views.forecast_import, name="forecast-import"),
    path("forecasts/<int:pk>/edit/", views.forecast_edit, name="forecast-edit"),
    path("forecasts/<int:pk>/delete/", views.forecast_delete, name="forecast-delete"),
    path("allocations/", views.allocation_list, name="allocation-list"),
    path("allocations/new/", views.allocation_create, name="allocation-create"),
    path("allocations/<int:pk>/edit/", views.allocation_edit, name="allocation-edit"),
    path("allocations/<int:pk>/delete/", views.allocation_delete, name="allocation-delete"),
    path("visibility/", views.visibility_list, name="visibility-list"),
    path("visibility/new/", views.visibility_create, name="visibility-create"),
    path("visibility/<int:pk>/edit/", views.visibility_edit, name="visibility-edit"),
]
