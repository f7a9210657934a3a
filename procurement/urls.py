from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("audit/", include("procurement.audit_urls")),
    path("vendors/", include("vendors.urls")),
    path("", include("vendors.workload_urls")),  # /workloads/ and /concentration/
    path("evaluations/", include("scorecards.urls")),
    path("admin/", admin.site.urls),
]
