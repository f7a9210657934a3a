"""Request-scoped context for the audit trail, and the absolute session lifetime."""

import contextvars
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import logout


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    client_ip: str | None


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "request_context", default=None
)


def current_request_context() -> RequestContext | None:
    return _current.get()


def client_ip(request) -> str | None:
    # Behind a proxy REMOTE_ADDR is the proxy; the deployment sets the forwarded header we trust.
    return request.META.get("REMOTE_ADDR") or None


def request_context(get_response):
    """Give each request an id (echoed in X-Request-ID) that audit events carry."""

    def middleware(request):
        request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        request.request_id = request_id
        token = _current.set(RequestContext(request_id=request_id, client_ip=client_ip(request)))
        try:
            response = get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-ID"] = request_id
        return response

    return middleware


SESSION_STARTED_KEY = "session_started_at"


def session_lifetime(get_response):
    """End a session a fixed time after sign-in, however active it stays.

    The idle timeout is SESSION_COOKIE_AGE with SESSION_SAVE_EVERY_REQUEST; this adds the
    absolute limit, which Django does not have.
    """

    def middleware(request):
        if request.user.is_authenticated:
            started = request.session.get(SESSION_STARTED_KEY)
            now = time.time()
            if started is None:
                request.session[SESSION_STARTED_KEY] = now
            elif now - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
        return get_response(request)

    return middleware
