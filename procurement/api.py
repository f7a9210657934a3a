"""The JSON API at /api/v1/: one NinjaAPI, its authentication, error handlers and the audit trail.

Another system reads and writes the register with the rules a person has in the browser: the
same policies, the same forms' validation, the same services and audit events. Workflow actions
that need a person's re-authentication (submitting, signing) stay in the browser.

Errors are always JSON (`{"code", "message", "errors"}`), including unknown URLs, wrong methods
and malformed bodies; the OpenAPI schema is at /api/v1/openapi.json and the docs at /api/v1/docs.
"""

import functools
import logging
from datetime import datetime
from typing import Any, Literal

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.urls import path, re_path
from ninja import Field, NinjaAPI, Query, Router, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import Swagger
from ninja.renderers import JSONRenderer

from . import policies
from .api_support import (
    ERROR_RESPONSES,
    ApiError,
    BearerTokenAuth,
    IsoDate,
    NotAuthenticated,
    Page,
    PageQuery,
    SessionCsrfAuth,
    error_body,
    field_errors_of,
    filtered,
    ninja_validation_errors,
    not_found,
    paginate,
    summary_of,
)
from .audit_views import AuditEventFilter
from .models import AuditEvent

logger = logging.getLogger(__name__)

DESCRIPTION = """
The register of AI-infrastructure vendors, contracts, exit rights, workloads, evaluations and
the audit trail, for the systems procurement already uses (ERP, GRC, scripts).

**Authentication.** Create a personal token on your profile page (`/profile/`) and send it as
`Authorization: Bearer <token>`. A token acts with your roles; a read-only token never writes.
Same-site calls from a signed-in browser use the session and send the CSRF token in `X-CSRFToken`.

**Errors** are JSON: `{"code": "...", "message": "...", "errors": {"field": ["..."]}}`.

**Lists** take `page` and `page_size` (at most 100), the filters of the matching page, and `sort`
(a field name, `-` in front for descending).
"""


class JsonRenderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}


class DocsPage(Swagger):
    """Swagger UI from our own static files (no CDN), in a template with no inline script."""

    template = "procurement/api_docs.html"


class ProcurementAPI(NinjaAPI):
    def _get_urls(self):
        patterns = super()._get_urls()
        for pattern in patterns:
            # The schema and the docs are pages to read: GET (and HEAD) only.
            read_only = pattern.name in {"openapi-json", "openapi-view"}
            pattern.callback = _api_view(pattern.callback, methods=("GET", "HEAD") if read_only else None)
        # Anything else under /api/v1/ is a JSON 404, not the HTML page (nor a sign-in redirect).
        patterns.append(re_path(r"^.*$", unknown_endpoint, name="unknown-endpoint"))
        return patterns


def _method_not_allowed(request, allowed: str):
    response = JsonResponse(
        error_body("method_not_allowed", f"{request.method} is not allowed here. Allowed: {allowed}."),
        status=405,
    )
    response["Allow"] = allowed
    return response


def _api_view(view, methods: tuple[str, ...] | None = None):
    """The API authenticates itself (token or session); 404 and 405 are JSON like every error."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if methods and request.method not in methods:
            return _method_not_allowed(request, ", ".join(methods))
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            # ninja's root view (/api/v1/) only raises Http404: say where the endpoints are.
            return unknown_endpoint(request)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            return _method_not_allowed(request, response.get("Allow", ""))
        return response

    wrapper.csrf_exempt = True  # the session authentication checks CSRF itself
    return login_not_required(wrapper)


@login_not_required
def unknown_endpoint(request, *args, **kwargs):
    return JsonResponse(
        error_body(
            "not_found", f"No API endpoint at {request.path}. The endpoints are listed at /api/v1/docs."
        ),
        status=404,
    )


unknown_endpoint.csrf_exempt = True

api = ProcurementAPI(
    title="Compute Register API",
    version="1",
    description=DESCRIPTION.strip(),
    urls_namespace="api-v1",
    auth=[BearerTokenAuth(), SessionCsrfAuth()],
    renderer=JsonRenderer(),
    docs=DocsPage(settings={"persistAuthorization": False, "tryItOutEnabled": False}),
)


# Error handlers: every error is JSON with a message and field errors ----------------------


def _respond(request, status: int, body: dict, headers: dict | None = None):
    response = api.create_response(request, body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@api.exception_handler(ApiError)
def _api_error(request, exc: ApiError):
    headers = {"WWW-Authenticate": 'Bearer realm="api"'} if exc.status == 401 else None
    return _respond(request, exc.status, error_body(exc.code, exc.message, exc.errors), headers)


@api.exception_handler(AuthenticationError)
def _not_authenticated(request, exc):
    return _api_error(
        request,
        NotAuthenticated(
            "Authentication required: send `Authorization: Bearer <token>` (create one on your profile page)."
        ),
    )


@api.exception_handler(NinjaValidationError)
def _invalid_request(request, exc: NinjaValidationError):
    errors = ninja_validation_errors(exc.errors)
    fields = ", ".join(sorted(errors))
    return _respond(
        request, 422, error_body("validation_error", f"Some fields are not valid: {fields}.", errors)
    )


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        body = error_body("malformed_request", "The request body is not valid JSON.")
    else:
        body = error_body(_code_for(exc.status_code), str(exc))
    return _respond(request, exc.status_code, body)


@api.exception_handler(DjangoValidationError)
def _refused_by_validation(request, exc: DjangoValidationError):
    errors = field_errors_of(exc)
    return _respond(request, 422, error_body("validation_error", summary_of(errors), errors))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _api_error(request, not_found())


@api.exception_handler(PermissionDenied)
def _permission_denied(request, exc):
    return _api_error(request, ApiError(403, "permission_denied", str(exc) or "You may not do this."))


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    return _respond(request, 413, error_body("request_too_large", "The request body is too large."))


@api.exception_handler(Exception)
def _unexpected(request, exc: Exception):
    # Domain refusals of the apps' services are 409s; anything else is a bug, logged, still JSON.
    if _is_domain_refusal(exc):
        return _respond(request, 409, error_body("conflict", str(exc)))
    logger.exception("API error on %s %s", request.method, request.path)
    request_id = getattr(request, "request_id", "")
    return _respond(
        request,
        500,
        error_body(
            "server_error", f"Something went wrong on our side (request {request_id}). It was logged."
        ),
    )


def _is_domain_refusal(exc: Exception) -> bool:
    from scorecards.services import ScorecardError
    from vendors.services import VendorRegisterError

    return isinstance(exc, VendorRegisterError | ScorecardError)


def _code_for(status: int) -> str:
    return {
        400: "bad_request",
        401: "not_authenticated",
        403: "permission_denied",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        413: "request_too_large",
        422: "validation_error",
        429: "throttled",
    }.get(status, "error")


# Who am I ---------------------------------------------------------------------------------

me_router = Router(tags=["Account"])


class MeOut(Schema):
    id: int
    username: str
    name: str
    roles: list[str] = Field(
        ..., description="Role codes: procurement, legal, finance, security, platform, auditor."
    )
    is_admin: bool
    authenticated_by: Literal["token", "session"]
    token_name: str | None = None
    token_scope: Literal["read", "read-write"] | None = None
    token_expires_at: datetime | None = None


@me_router.get("/me", response={200: MeOut, **ERROR_RESPONSES}, summary="Who the request acts as")
def me(request):
    user = request.user
    token = getattr(request, "api_token", None)
    return {
        "id": user.pk,
        "username": user.get_username(),
        "name": user.get_full_name(),
        "roles": [role for role in policies.ROLES if policies.has_role(user, role)],
        "is_admin": policies.is_admin(user),
        "authenticated_by": "token" if token else "session",
        "token_name": token.name if token else None,
        "token_scope": token.scope if token else None,
        "token_expires_at": token.expires_at if token else None,
    }


# Audit trail: auditors and admins only (others get 404, as on the audit log page) ---------

audit_router = Router(tags=["Audit trail"])


class AuditEventOut(Schema):
    sequence: int
    occurred_at: datetime
    actor_id: int | None
    actor_name: str
    action: str
    object_type: str
    object_id: str
    object_label: str
    changes: dict[str, Any]
    request_id: str
    client_ip: str | None
    prev_hash: str
    hash: str


class AuditEventQuery(PageQuery):
    actor: str | None = Field(None, description="Part of the actor's name or username.")
    action: str | None = Field(None, description="Exact action, e.g. `vendor.update`.")
    object_type: str | None = Field(None, description="e.g. `vendors.vendor`.")
    object_id: str | None = None
    date_from: IsoDate | None = None
    date_to: IsoDate | None = Field(None, description="Inclusive.")


def _require_audit_reader(request) -> None:
    if not policies.can_view_audit_log(request.user):
        raise not_found()


@audit_router.get(
    "/audit/events",
    response={200: Page[AuditEventOut], **ERROR_RESPONSES},
    summary="Audit events, newest first",
)
def audit_event_list(request, query: Query[AuditEventQuery]):
    _require_audit_reader(request)
    events = filtered(AuditEventFilter, query, AuditEvent.objects.order_by("-sequence"))
    return paginate(request, events.order_by("-sequence"), query)


@audit_router.get(
    "/audit/events/{sequence}", response={200: AuditEventOut, **ERROR_RESPONSES}, summary="One audit event"
)
def audit_event_detail(request, sequence: int):
    _require_audit_reader(request)
    event = AuditEvent.objects.filter(sequence=sequence).first()
    if event is None:
        raise not_found(f"No audit event with sequence {sequence}.")
    return event


def _add_routers() -> None:
    # The API root is a composition root: it may import every app.
    from capacity.api import router as capacity_router
    from costs.api import router as costs_router
    from dora.api import router as dora_router
    from questionnaires.api import router as questionnaires_router
    from resilience.api import router as resilience_router
    from scorecards.api import router as scorecards_router
    from vendors.api import router as vendors_router

    api.add_router("", me_router)
    api.add_router("", vendors_router)
    api.add_router("", resilience_router)
    api.add_router("", capacity_router)
    api.add_router("", costs_router)
    api.add_router("", scorecards_router)
    api.add_router("", questionnaires_router)
    api.add_router("", dora_router)
    api.add_router("", audit_router)


_add_routers()

urlpatterns = [
    path("v1/", api.urls),
    re_path(r"^.*$", unknown_endpoint),
]
