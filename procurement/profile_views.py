"""The profile page: who you are in the register, how reminders reach you, and your personal API tokens.

A new token is shown once, in the response to the form that created it (never stored, never
put in a redirect URL, a message or the session); the page is not cached.
"""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from . import api_tokens, policies, reminders
from .forms import StyledForm
from .models import ApiToken, Delivery
from .web import is_htmx_fragment

LIFETIMES = [("30", "30 days"), ("90", "90 days"), ("365", "1 year"), ("never", "Never (revoke it yourself)")]


class ApiTokenForm(StyledForm):
    name = forms.CharField(
        max_length=100, help_text="What the token is for, so you recognise it later, e.g. “ERP vendor sync”."
    )
    scope = forms.ChoiceField(
        choices=[("read", "Read only"), ("read-write", "Read and write (as your roles allow)")],
        initial="read",
        widget=forms.RadioSelect,
        help_text="A read-only token can never change the register, whatever your roles.",
    )
    lifetime = forms.ChoiceField(choices=LIFETIMES, initial="90", label="Expires after")

    def service_data(self) -> dict:
        lifetime = self.cleaned_data["lifetime"]
        return {
            "name": self.cleaned_data["name"],
            "read_only": self.cleaned_data["scope"] == "read",
            "expires_at": None if lifetime == "never" else timezone.now() + timedelta(days=int(lifetime)),
        }


class ReminderPreferencesForm(StyledForm):
    """One choice per registered kind of reminder: a mail each, a daily digest, or none."""

    def __init__(self, *args, current: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for name, kind in reminders.REMINDER_KINDS.items():
            self.fields[name] = forms.ChoiceField(
                label=kind.label, choices=Delivery.choices, initial=current[name], widget=forms.Select
            )


def _render(request, form, new_token=None, reminder_form=None):
    now = timezone.now()
    tokens = list(api_tokens.tokens_of(request.user))
    for token in tokens:
        token.state = "revoked" if token.revoked_at else "expired" if token.is_expired(now) else "active"
    context = {
        "form": form,
        "tokens": tokens,
        "new_token": new_token,
        "can_use_api": policies.can_use_api(request.user),
        "roles": [policies.ROLE_LABELS[r] for r in policies.ROLES if policies.has_role(request.user, r)],
        "api_base": request.build_absolute_uri("/api/v1/"),
        "reminder_form": reminder_form
        or ReminderPreferencesForm(current=reminders.preferences_of(request.user), prefix="reminders"),
    }
    template = "procurement/profile.html"
    return render(request, template + "#api-tokens" if is_htmx_fragment(request) else template, context)


@never_cache
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            new_token = api_tokens.api_token_create(actor=request.user, **form.service_data())
        except ValidationError as exc:
            form.add_error(None, exc)
        except api_tokens.TokenError as exc:
            form.add_error(None, str(exc))
        else:
            form = ApiTokenForm()
    return _render(request, form, new_token)


@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    api_tokens.api_token_revoke(actor=request.user, token=token)
    if is_htmx_fragment(request):
        return _render(request, ApiTokenForm())
    messages.success(request, f"Token “{token.name}” revoked: it no longer works.")
    return redirect("profile")


@require_POST
def reminder_preferences(request):
    form = ReminderPreferencesForm(
        request.POST, current=reminders.preferences_of(request.user), prefix="reminders"
    )
    if not form.is_valid():
        return _render(request, ApiTokenForm(), reminder_form=form)
    reminders.reminder_preferences_update(actor=request.user, choices=form.cleaned_data)
    messages.success(request, "Your reminder choices are saved.")
    return redirect("profile")
