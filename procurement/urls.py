from allauth.account import views as account_views
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.decorators.http import require_POST

from . import accounts, api, profile_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Sign-in is django-allauth's (procurement/accounts.py): these two at their old addresses.
    path("login/", account_views.login, name="account_login"),
    # Signing out is POST only, as before (allauth would show a confirmation page on GET).
    path("logout/", login_required(require_POST(account_views.logout)), name="account_logout"),
    path("accounts/", include(accounts.urlpatterns())),
    path("audit/", include("procurement.audit_urls")),
    path("vendors/", include("vendors.urls")),
    path("", include("resilience.urls")),  # /workloads/ and /concentration/
    path("capacity/", include("capacity.urls")),
    path("costs/", include("costs.urls")),
    path("evaluations/", include("scorecards.urls")),
    path("", include("questionnaires.urls")),  # /questionnaires/ and the vendor portal /portal/
    path("register-of-information/", include("dora.urls")),
    path("api/", include(api.urlpatterns)),
    path("profile/", profile_views.profile, name="profile"),
    path("profile/reminders/", profile_views.reminder_preferences, name="reminder-preferences"),
    path("profile/tokens/<int:pk>/revoke/", profile_views.token_revoke, name="api-token-revoke"),
    path("admin/", admin.site.urls),
]

if settings.IDP_OIDC_ENABLED and settings.IDP_OIDC_SERVE_URLS:
    # This app as an OpenID provider, for trying SSO locally against itself (never in production).
    urlpatterns.append(path("", include("allauth.idp.urls")))
