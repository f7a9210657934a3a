"""What every app's views share: permission checks, htmx fragments, service refusals shown
as form errors (never a 500), and the one delete confirmation.

Services refuse a change by raising: Django's ValidationError (field errors in a dict, or
messages), or a domain error of their app. Views hand those to the form, the same way on every
page: field errors beside their fields, the rest above the form.
"""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render

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
        for field, field_messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_messages)
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


def confirm_delete(
    request,
    obj,
    *,
    delete: Callable[[], object],
    deleted: str,
    done_url: str,
    cancel_url: str,
    consequences: str,
    what: str = "",
    button: str = "Delete",
    refusals: tuple[type[Exception], ...] = (),
):
    """GET asks on the one confirmation page (templates/confirm_delete.html) what deleting `obj`
    does; POST calls `delete` (the service) and says `deleted`, or, when the service refuses
    (one of `refusals`: what still refers to it), says why and goes back to `cancel_url`."""
    if request.method != "POST":
        context = {
            "object": obj,
            "what": what or obj,
            "consequences": consequences,
            "button": button,
            "cancel_url": cancel_url,
        }
        return render(request, "confirm_delete.html", context)
    try:
        delete()
    except refusals as error:
        messages.error(request, str(error))
        return redirect(cancel_url)
    messages.success(request, deleted)
    return redirect(done_url)


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
