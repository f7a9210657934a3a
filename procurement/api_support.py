"""What every router of the JSON API shares: errors, authentication, pagination, filters, forms.

Writes go through the same forms (the same validation and messages as the pages) and the same
services (the same transactions and audit events); reads through the same selectors and
filter sets. Nothing here decides who may do what: that is `procurement.policies`.
"""

import math
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Annotated, Any, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from django.utils.http import urlencode
from ninja import Field, Schema
from ninja.schema import DjangoGetter
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf
from pydantic import BeforeValidator, ConfigDict, StrictBool, model_validator

from . import api_tokens, policies

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
NON_FIELD = "non_field_errors"
T = TypeVar("T")


# Input types: what the schema says is what is accepted (no silent coercion of 1 to true,
# or of 0 to 1970-01-01), so clients learn of their mistakes.


class InputSchema(Schema):
    """A JSON object body; unknown fields are refused (a misspelt field must not pass unnoticed)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _a_json_object(cls, data):
        raw = data._obj if isinstance(data, DjangoGetter) else data
        if not isinstance(raw, dict):
            raise ValueError("The request body must be a JSON object.")
        return data


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value):
    if isinstance(value, date) or (isinstance(value, str) and ISO_DATE.match(value)):
        return value
    raise ValueError("Use a date as YYYY-MM-DD.")


def _true_or_false(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in {"true", "false"}:
        return value == "true"
    raise ValueError("Use true or false.")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
QueryBool = Annotated[bool, BeforeValidator(_true_or_false)]
Flag = StrictBool


# Errors -----------------------------------------------------------------------------------


class ApiError(Exception):
    """An error answered as JSON: `{"code", "message", "errors"}` with an HTTP status."""

    def __init__(self, status: int, code: str, message: str, errors: Mapping[str, list[str]] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = dict(errors or {})


class NotAuthenticated(ApiError):
    def __init__(self, message: str):
        super().__init__(401, "not_authenticated", message)


class ErrorOut(Schema):
    """Every error the API answers: a code for programs, a message for people, field errors."""

    code: str = Field(..., description="Stable machine-readable code, e.g. `validation_error`.")
    message: str = Field(..., description="What went wrong, written for a person.")
    errors: dict[str, list[str]] = Field(
        default_factory=dict,
        description=f"Messages per field (`{NON_FIELD}` for those about the whole request).",
    )


def error_body(code: str, message: str, errors: Mapping[str, list[str]] | None = None) -> dict:
    return {"code": code, "message": message, "errors": dict(errors or {})}


def field_errors_of(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            (NON_FIELD if field == NON_FIELD_ERRORS else field): [str(m) for e in errors for m in e.messages]
            for field, errors in exc.error_dict.items()
        }
    return {NON_FIELD: [str(m) for m in exc.messages]}


def form_errors_of(form, field_names: Mapping[str, str] | None = None) -> dict[str, list[str]]:
    """A bound form's errors keyed by the API's field names (`field_names` maps form → API)."""
    field_names = field_names or {}
    return {
        (NON_FIELD if field == NON_FIELD_ERRORS else field_names.get(field, field)): [
            str(m) for m in messages
        ]
        for field, messages in form.errors.items()
    }


def invalid(errors: Mapping[str, list[str]], message: str = "") -> ApiError:
    message = message or summary_of(errors)
    return ApiError(422, "validation_error", message, errors)


def summary_of(errors: Mapping[str, list[str]]) -> str:
    general = errors.get(NON_FIELD) or []
    if general:
        return " ".join(general)
    fields = ", ".join(sorted(errors))
    return f"Some fields are not valid: {fields}." if fields else "The request is not valid."


def ninja_validation_errors(errors: Iterable[dict]) -> dict[str, list[str]]:
    """pydantic's `loc` tuples ("body", "payload", "name") become field names ("name")."""
    result: dict[str, list[str]] = {}
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        if loc and loc[0] == "body":
            loc = loc[2:] if len(loc) > 2 else []
        elif loc:
            loc = loc[1:]
        field = ".".join(loc) or NON_FIELD
        result.setdefault(field, []).append(str(error.get("msg", "Invalid value.")))
    return result


def not_found(message: str = "Not found, or not visible to you.") -> ApiError:
    return ApiError(404, "not_found", message)


def forbidden(message: str) -> ApiError:
    return ApiError(403, "permission_denied", message)


def require(allowed: bool, message: str) -> None:
    """Refuse with 403, as the pages do (`PermissionDenied`)."""
    if not allowed:
        raise forbidden(message)


def require_read(request) -> None:
    require(policies.can_read(request.user), "Reading the register needs a role; ask an admin for one.")


def require_write(request, allowed: bool, message: str) -> None:
    """The same check as the page, plus: a read-only token never writes."""
    require(allowed, message)
    if not policies.can_write_through_api(request.user, getattr(request, "api_token", None)):
        raise forbidden("This API token is read-only: create a read-write token to change the register.")


# Any request may be unauthenticated, refused, aimed at nothing, or carry invalid parameters.
ERROR_RESPONSES = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_RESPONSES = {400: ErrorOut, **ERROR_RESPONSES, 409: ErrorOut}


# Authentication ---------------------------------------------------------------------------


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer crt_…`: a personal token, acting with its owner's roles."""

    def __call__(self, request: HttpRequest):
        header = request.headers.get("Authorization")
        if not header:
            return None
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise NotAuthenticated("Send the token as `Authorization: Bearer <token>`.")
        return self.authenticate(request, secret.strip())

    def authenticate(self, request: HttpRequest, token: str):
        try:
            found = api_tokens.authenticate(token)
        except api_tokens.TokenRejected as exc:
            raise NotAuthenticated(str(exc)) from exc
        request.user = found.user
        request.api_token = found
        if found.read_only and request.method not in SAFE_METHODS:
            raise forbidden("This API token is read-only: create a read-write token to change the register.")
        return found.user


class SessionCsrfAuth(APIKeyCookie):
    """The browser session, for same-site calls; writes need the CSRF token (`X-CSRFToken`)."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self):
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise forbidden("CSRF check failed: send the page's CSRF token in the X-CSRFToken header.")
        request.api_token = None
        return user

    def authenticate(self, request: HttpRequest, key):  # pragma: no cover - __call__ decides
        return None


# Pagination -------------------------------------------------------------------------------


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=1_000_000, description="Page number, from 1.")
    page_size: int = Field(
        DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description=f"Items per page (at most {MAX_PAGE_SIZE})."
    )


class Page(Schema, Generic[T]):  # noqa: UP046 - ninja names the schema from the Generic form
    count: int = Field(..., description="Items matching the filters, on all pages.")
    page: int
    page_size: int
    pages: int
    next: str | None = Field(None, description="URL of the next page, if any.")
    previous: str | None = Field(None, description="URL of the previous page, if any.")
    results: list[T]


def _page_url(request, page: int) -> str:
    params = request.GET.copy()
    params["page"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{urlencode(list(params.lists()), doseq=True)}")


def paginate(request, items, query: PageQuery, attach=None) -> dict:
    """One page of a queryset (or list); a page past the end is a 404, never a silent last page.

    `attach(rows)` adds per-row figures to the page only (as the list pages do), rather than
    having the database compute them for every row of the table before paging."""
    count = items.count() if hasattr(items, "count") and not isinstance(items, list) else len(items)
    pages = max(1, math.ceil(count / query.page_size))
    if query.page > pages:
        raise not_found(f"Page {query.page} does not exist: there are {pages} pages of {query.page_size}.")
    start = (query.page - 1) * query.page_size
    results = list(items[start : start + query.page_size])
    if attach is not None:
        results = attach(results)
    return {
        "count": count,
        "page": query.page,
        "page_size": query.page_size,
        "pages": pages,
        "next": _page_url(request, query.page + 1) if query.page < pages else None,
        "previous": _page_url(request, query.page - 1) if query.page > 1 else None,
        "results": results,
    }


# Filters and forms ------------------------------------------------------------------------


def _as_filter_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def filtered(filterset_class, query: Schema, queryset, **kwargs):
    """Apply a page's django-filter FilterSet to the API's query parameters (same search, filters, sort)."""
    data = {
        name: _as_filter_value(value)
        for name, value in query.model_dump(exclude={"page", "page_size"}, exclude_none=True).items()
        if value != ""
    }
    filterset = filterset_class(data, queryset=queryset, **kwargs)
    if not filterset.is_valid():
        raise invalid(form_errors_of(filterset.form), "Some filters are not valid.")
    return filterset.qs


def validated(form, field_names: Mapping[str, str] | None = None):
    """The bound form, valid; otherwise a 422 with the form's own messages."""
    if not form.is_valid():
        raise invalid(form_errors_of(form, field_names))
    return form


def form_data_of(form) -> dict:
    """An unbound instance form's current values, spelled as submitted form data."""
    data = {}
    for name, field in form.fields.items():
        value = form.get_initial_for_field(field, name)
        if isinstance(value, list | tuple):
            value = [getattr(item, "pk", item) for item in value]
        elif hasattr(value, "pk"):
            value = value.pk
        data[name] = "" if value is None else value
    return data


def apply_fields(
    data: dict, payload: Schema, converters: dict | None = None, *, create: bool = False
) -> dict:
    """Overlay the client's fields on form data, converted for the form.

    Update (PATCH): every field sent counts, null included (it clears). Create: a null or
    missing field takes the default in `data`.
    """
    converters = converters or {}
    dumped = payload.model_dump(exclude_none=True) if create else payload.model_dump(exclude_unset=True)
    for name, value in dumped.items():
        convert = converters.get(name)
        if value is None:
            data[name] = ""  # null clears the field (the form says whether it may be empty)
        else:
            data[name] = convert(value) if convert else value
    return data


def write_through_form[T](
    request,
    *,
    allowed: bool,
    refusal: str,
    form: Callable[[dict | None], Any],
    payload: Schema,
    save: Callable[[Any], T],
    defaults: dict | None = None,
    converters: dict | None = None,
    explain: Callable[[Any], Any] | None = None,
) -> T:
    """An API write, as the page does it: check the policy, lay the client's fields over the
    form's data, validate with the page's form (or answer 422), then call the service.

    `form(data)` builds the page's form (`form(None)` unbound, for an update's current values);
    `defaults` makes it a create, whose missing fields take them; `explain` may reword the
    form's errors before the 422; `save(form)` calls the service and returns what it made.
    """
    require_write(request, allowed, refusal)
    create = defaults is not None
    initial = dict(defaults) if create else form_data_of(form(None))
    bound = form(apply_fields(initial, payload, converters, create=create))
    if explain is not None and not bound.is_valid():
        explain(bound)
    return save(validated(bound))


__all__ = [
    "ERROR_RESPONSES",
    "WRITE_RESPONSES",
    "ApiError",
    "BearerTokenAuth",
    "DjangoValidationError",
    "ErrorOut",
    "Page",
    "PageQuery",
    "PermissionDenied",
    "SessionCsrfAuth",
    "apply_fields",
    "write_through_form",
]
