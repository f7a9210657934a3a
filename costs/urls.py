"""Total cost of execution: the comparison of offers and the saved comparisons."""

from django.urls import path

from . import comparison_views

app_name = "costs"

urlpatterns = [
    path("compare/", comparison_views.compare, name="compare"),
    path("compare/save/", comparison_views.comparison_save, name="comparison-save"),
    path("comparisons/", comparison_views.comparison_list, name="comparison-list"),
    path("comparisons/<int:pk>/", comparison_views.comparison_detail, name="comparison-detail"),
]
