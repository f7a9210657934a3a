"""Total cost of execution: /costs/ (offers), exchange rates, the cost of delay per tier, the
comparison of offers and the saved comparisons."""

from django.urls import path

from . import comparison_views, csv_views, views

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
    path("compare/", comparison_views.compare, name="compare"),
    path("compare/save/", comparison_views.comparison_save, name="comparison-save"),
    path("comparisons/", comparison_views.comparison_list, name="comparison-list"),
    path("comparisons/<int:pk>/", comparison_views.comparison_detail, name="comparison-detail"),
    # CSV export and import of offers (costs/csv_views.py).
    path("offers/export/", csv_views.offer_export, name="offer-export"),
    path("offers/import/", csv_views.offer_import, name="offer-import"),
]
