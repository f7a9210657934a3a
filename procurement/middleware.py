"""Request-scoped context for the audit trail, and the absolute session lifetime."""

import contextvars
import ipaddress
import logging
import re
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

request_logger = logging.getLogger("procurement.request")


def current_request_context() -> RequestContext | None:
    return _current.get()


def _ip(value: str | None) -> str | None:
    try:
        address = ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None
    # A zone id (fe80::1%eth0) names an interface of the sender's machine, not a client.
    return None if getattr(address, "scope_id", None) else address.compressed


def client_ip(request) -> str | None:
    """The address of the client, for the audit trail and for axes (AXES_CLIENT_IP_CALLABLE).

    Each of the TRUSTED_PROXY_COUNT proxies in front of the app appends the address it received
    the request from to X-Forwarded-For, so the client is the entry that many places from the
    right; everything to its left was sent by the client and may be forged. With no trusted
    proxy, or a header too short or malformed to hold that entry, the connection's own address
    (REMOTE_ADDR) is the only one we can vouch for.
    """
    remote = _ip(request.META.get("REMOTE_ADDR"))
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(hops) < count:
        return remote
    return _ip(hops[-count]) or remote


# A client's request id is kept only if it looks like one: letters, digits and - _ . : at most 64.
_CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def _client_request_id(request) -> str:
    value = request.headers.get("X-Request-ID", "")
    return value if _CLIENT_REQUEST_ID.fullmatch(value) else ""


def request_context(get_response):
    """Give each request a server-made id (echoed in X-Request-ID) that audit events carry.

    The id is ours, never the client's: whatever a client sends would otherwise be hashed into
    the audit trail as if we had vouched for it. A well-formed client id is logged beside ours."""

    def middleware(request):
        request_id = uuid.uuid4().hex
        request.request_id = request_id
        # Kept beside ours (one log line) to match the client's own logs, never in its place.
        client_request_id = _client_request_id(request)
        if client_request_id:
            request_logger.info("request_id=%s client_request_id=%s", request_id, client_request_id)
        token = _current.set(RequestContext(request_id=request_id, client_ip=client_ip(request)))
        try:
            response = get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-ID"] = request_id
        return response

    return middleware


SESSION_STARTED_KEY = "session_started_at"
SESSION_REFRESHED_KEY = "session_refreshed_at"


def session_lifetime(get_response):
    """End a session after SESSION_IDLE_SECONDS without a request, and a fixed time after
    sign-in however active it stays (Django has only the first).

    The idle timeout is the session's expiry (SESSION_COOKIE_AGE), which Django pushes back
    whenever the session is saved: this saves it when the last push is over a minute old,
    rather than on every request, so reading a page does not write to the database.
    """

    def middleware(request):
        if request.user.is_authenticated:
            session = request.session
            now = time.time()
            started = session.get(SESSION_STARTED_KEY)
            if started is None:
                session[SESSION_STARTED_KEY] = now
            elif now - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                return get_response(request)
            if now - session.get(SESSION_REFRESHED_KEY, 0) > settings.SESSION_REFRESH_SECONDS:
                session[SESSION_REFRESHED_KEY] = now
        return get_response(request)

    return middleware


denied_logger = logging.getLogger("procurement.denied")

# A questionnaire portal link carries its credential in the path: never write it to a log.
_SECRET_IN_PATH = re.compile(r"^(/portal/)[^/]+")


_SECRET_IN_TEXT = re.compile(r"(/portal/)[^/\s\"']+")


def loggable_path(path: str) -> str:
    return _SECRET_IN_PATH.sub(r"\1<token>", path)


class RedactPortalTokens(logging.Filter):
    """On the log handler: a portal path in any log line (django.request's "Not Found: /portal/…",
    say) is written with its token replaced."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _SECRET_IN_TEXT.sub(r"\1<token>", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                _SECRET_IN_TEXT.sub(r"\1<token>", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


def log_denied(request, status: int, reason: str = "") -> None:
    """One line for a refused request: who asked, for what, how, and why if known.

    Guessing ids and probing pages one may not use show up as a trail of refusals, with the
    request id that the audit trail also carries. Never the query string: it may hold data."""
    user = getattr(request, "user", None)
    who = user.get_username() if user is not None and user.is_authenticated else "anonymous"
    path = loggable_path(request.path)
    denied_logger.warning(
        "denied %s %s %s user=%s ip=%s request_id=%s%s",
        status,
        request.method,
        path,
        who,
        client_ip(request),
        getattr(request, "request_id", ""),
        f" reason={reason!r}" if reason else "",
        extra={"path": path, "user": who, "method": request.method, "status": status},
    )


def denied_requests(get_response):
    """Log every refused request (401, 403, 404); views log the refusals they answer otherwise
    (a redirect with a message) through `log_denied`."""

    def middleware(request):
        response = get_response(request)
        if response.status_code in (401, 403, 404):
            log_denied(request, response.status_code)
        return response

    return middleware


SESSION_TWO_FACTOR_KEY = "two_factor_policy"


def session_policy(request) -> str:
    """The two-factor policy the session began with (stored at sign-in, procurement.accounts).

    A session that did not begin at our sign-in page (one from before the policy was kept) reads
    TWO_FACTOR_REQUIRED: a page costs no query for this."""
    from . import policies

    policy = request.session.get(SESSION_TWO_FACTOR_KEY)
    if policy not in policies.TWO_FACTOR_POLICIES:
        policy = policies.setting_policy()
    return policy


def second_factor_enrolment(get_response):
    """Send whoever must have a second factor (TWO_FACTOR_REQUIRED) and has none to enrol.

    Until they enrol they reach only the two-factor pages, re-authentication (which adding a
    factor asks for) and sign-out. API requests are left to the token's own rules. The policy is
    the one read when the session began (kept in it), so a page costs no query for it."""
    from django.contrib import messages
    from django.shortcuts import redirect
    from django.urls import reverse

    from . import policies

    def middleware(request):
        user = request.user
        if user.is_authenticated and policies.must_use_second_factor(user, session_policy(request)):
            from allauth.mfa.utils import is_mfa_enabled

            enrolment = reverse("mfa_index")
            open_paths = (
                enrolment,
                reverse("account_reauthenticate"),
                reverse("account_logout"),
                reverse("account_login"),
                "/api/",
                settings.STATIC_URL if settings.STATIC_URL.startswith("/") else f"/{settings.STATIC_URL}",
            )
            if not request.path.startswith(open_paths) and not is_mfa_enabled(user):
                messages.warning(
                    request,
                    "Your role needs two-factor authentication: add an authenticator app or a passkey to go on.",
                )
                return redirect(enrolment)
        return get_response(request)

    return middleware
