"""The bench's URLconf: the app's own URLs plus the baseline view, which exists only here."""

from django.urls import include, path

from . import views

BASELINE_PATH = "/__bench__/baseline/"

urlpatterns = [
    path(BASELINE_PATH.strip("/") + "/", views.baseline, name="bench-baseline"),
    path("", include("procurement.urls")),
]
