"""What every app's views share: permission checks, htmx fragments, and service refusals shown
as form errors (never a 500).

Services refuse a change by raising: Django's ValidationError (field errors in a dict, or
messages), or a domain error of their app. Views hand those to the form, the same way on every
page: field errors beside their fields, the rest above the form.
"""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError

from . import signin


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


def signer_authentication(request, *, sign_page: str) -> dict:
    """What a sign-off page shows of the fresh strong authentication the signer owes
    (procurement.signin), for templates/scorecards/_signoff_fields.html and
    _signer_authentication_steps.html. A passkey confirmation or an IdP sign-in brings the
    signer back to `sign_page`."""
    user = request.user
    authentication = signin.required_method(user)
    return {
        "authentication": authentication,
        "sign_page": sign_page,
        "passkey_confirmed": signin.recent_passkey(request, user),
        "has_passkey": authentication in ("code", "passkey") and signin.has_passkey(user),
        "sso_confirmed": authentication == "sso" and signin.recent_sso(request, user),
        "sso_providers": _sso_providers(request, sign_page) if authentication == "sso" else [],
    }


def _sso_providers(request, sign_page: str) -> list[dict]:
    """The IdP sign-in links that bring an SSO signer back to the sign-off page, freshly authenticated."""
    from allauth.socialaccount.adapter import get_adapter

    accounts = set(request.user.socialaccount_set.values_list("provider", flat=True))
    return [
        {
            "name": provider.name,
            "url": provider.get_login_url(
                request, process="login", next=sign_page, auth_params="prompt=login&max_age=0"
            ),
        }
        for provider in get_adapter().list_providers(request)
        if provider.app.provider_id in accounts or provider.id in accounts
    ]
