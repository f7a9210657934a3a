from django.urls import path

from . import audit_views

app_name = "audit"
urlpatterns = [
    path("", audit_views.event_list, name="event-list"),
    path("export.csv", audit_views.event_export, name="event-export"),
    path("verify/", audit_views.verify, name="verify"),
    path("history/<str:object_type>/<str:object_id>/", audit_views.object_history, name="object-history"),
]
