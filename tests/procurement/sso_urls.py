"""The app's URLs plus allauth's OpenID provider: the identity provider of the SSO tests."""

from django.urls import include, path

from procurement.urls import urlpatterns as app_urlpatterns

urlpatterns = [*app_urlpatterns, path("", include("allauth.idp.urls"))]
