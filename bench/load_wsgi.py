"""gunicorn's entry for the load test: the app's WSGI application with the bench's URLconf
(the app's URLs plus the bare baseline view)."""

from django.conf import settings

from procurement.wsgi import application

settings.ROOT_URLCONF = "bench.urls"

__all__ = ["application"]
