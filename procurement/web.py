"""What every app's views share: permission checks, htmx fragments, and service refusals shown
as form errors (never a 500).

Services refuse a change by raising: Django's ValidationError (field errors in a dict, or
messages), or a domain error of their app. Views hand those to the form, the same way on every
page: field errors beside their fields, the rest above the form.
"""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError


def require(allowed: bool) -> None:
    """A 403 (logged as denied by the middleware) unless the policy allows it."""
    if not allowed:
        raise PermissionDenied


def is_htmx_fragment(request) -> bool:
    """htmx asked for a fragment (a boosted link wants the whole page)."""
    return bool(request.htmx) and not request.htmx.boosted


def add_refusal(form, error: Exception) -> None:
    """Put a service's refusal on the form: field errors on their fields, the rest on the form."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    elif isinstance(error, ValidationError):
        form.add_error(None, error.messages)
    else:
        form.add_error(None, getattr(error, "message", None) or str(error))


def save_form[T](form, call: Callable[[], T], refusals: tuple[type[Exception], ...] = ()) -> T | None:
    """Run the service for a valid form; its refusal (ValidationError, or one of `refusals`)
    lands on the form and the result is None."""
    try:
        return call()
    except (ValidationError, *refusals) as error:
        add_refusal(form, error)
        return None
