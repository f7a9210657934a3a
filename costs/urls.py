"""Total cost of execution: /costs/ (offers), exchange rates and the cost of delay per tier."""

from django.urls import path

from . import csv_views

app_name = "costs"

urlpatterns = [
    # CSV export and import of offers (costs/csv_views.py).
    path("offers/export/", csv_views.offer_export, name="offer-export"),
    path("offers/import/", csv_views.offer_import, name="offer-import"),
]
