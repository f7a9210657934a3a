"""Total cost of execution: /costs/ (offers), exchange rates and the cost of delay per tier."""

from django.urls import path

from . import csv_views, views

app_name = "costs"

urlpatterns = [
    path("", views.offer_list, name="offer-list"),
    path("offers/new/", views.offer_create, name="offer-create"),
    path("offers/from-contract/", views.offer_from_contract, name="offer-from-contract"),
    path("offers/<int:pk>/", views.offer_detail, name="offer-detail"),
    path("offers/<int:pk>/edit/", views.offer_edit, name="offer-edit"),
    path("offers/<int:pk>/delete/", views.offer_delete, name="offer-delete"),
    path("rates/", views.rate_list, name="rate-list"),
    path("rates/<int:pk>/delete/", views.rate_delete, name="rate-delete"),
    path("cost-of-delay/", views.delay_list, name="delay-list"),
    path("cost-of-delay/<slug:tier>/", views.delay_edit, name="delay-edit"),
    # CSV export and import of offers (costs/csv_views.py).
    path("offers/export/", csv_views.offer_export, name="offer-export"),
    path("offers/import/", csv_views.offer_import, name="offer-import"),
]
