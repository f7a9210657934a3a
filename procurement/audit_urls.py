from django.urls import path

from . import audit_views

app_name = "audit"
urlpatterns = [
    path("history/<str:object_type>/<str:object_id>/", audit_views.object_history, name="object-history"),
]
