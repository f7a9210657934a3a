from django.contrib import admin
from django.urls import include, path

from . import api, profile_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("audit/", include("procurement.audit_urls")),
    path("vendors/", include("vendors.urls")),
    path("", include("resilience.urls")),  # /workloads/ and /concentration/
    path("evaluations/", include("scorecards.urls")),
    path("register-of-information/", include("dora.urls")),
    path("api/", include(api.urlpatterns)),
    path("profile/", profile_views.profile, name="profile"),
    path("profile/reminders/", profile_views.reminder_preferences, name="reminder-preferences"),
    path("profile/tokens/<int:pk>/revoke/", profile_views.token_revoke, name="api-token-revoke"),
    path("admin/", admin.site.urls),
]
