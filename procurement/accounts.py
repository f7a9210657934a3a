"""Sign-in through django-allauth: local accounts, OIDC single sign-on, two-factor and passkeys.

allauth runs the pages and the flows; this module holds our rules, in its adapters:
- nobody signs up: local accounts are made by an admin; an SSO sign-in creates an account only
  when the IdP's groups map to one of our roles (OIDC_GROUP_ROLES, OIDC_CREATE_USERS);
- every password check goes through authenticate(), so django-axes counts the failures and
  locks the username + address (procurement.signin audits the lockout);
- sign-in, sign-out, the roles an SSO sign-in sets, adding and removing a second factor, and a
  wrong second-factor code are audit events, naming the account (never what was typed);
- the IdP's groups set the person's roles on every SSO sign-in.
"""

import logging

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa import signals as mfa_signals
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.dispatch import receiver
from django.urls import include, path, re_path, reverse

from . import audit, policies
from .middleware import log_denied

logger = logging.getLogger("procurement.signin")


# IdP groups -> our roles ----------------------------------------------------------------------


def group_roles() -> dict[str, str]:
    """OIDC_GROUP_ROLES as {IdP group: role}: "cr-legal=legal,cr-audit=auditor"."""
    mapping = {}
    for item in (settings.OIDC_GROUP_ROLES or "").split(","):
        if not item.strip():
            continue
        group, sep, role = item.rpartition("=")
        group, role = group.strip(), role.strip()
        if not sep or not group or role not in policies.ROLES:
            raise ImproperlyConfigured(
                f"OIDC_GROUP_ROLES: {item.strip()!r} is not 'idp-group=role' with a role of {policies.ROLES}"
            )
        mapping[group] = role
    return mapping


def roles_from_claims(claims: dict) -> set[str]:
    """Our roles for the IdP groups in `claims` (a list, or one comma-separated string)."""
    groups = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    if isinstance(groups, str):
        groups = groups.split(",")
    if not isinstance(groups, list):
        return set()
    mapping = group_roles()
    return {mapping[str(g).strip()] for g in groups if str(g).strip() in mapping}


def _claims(sociallogin) -> dict:
    data = sociallogin.account.extra_data or {}
    # allauth keeps the ID token's claims and the userinfo answer; a group claim may be in either.
    return {**(data.get("id_token") or {}), **(data.get("userinfo") or {})}


@transaction.atomic
def user_roles_sync(*, actor, user, roles: set[str], provider: str) -> bool:
    """Give `user` exactly `roles` of ours (other groups untouched); audited when they change."""
    wanted = set(roles) & set(policies.ROLES)
    current = set(user.groups.filter(name__in=policies.ROLES).values_list("name", flat=True))
    if wanted == current:
        return False
    user.groups.remove(*Group.objects.filter(name__in=current - wanted))
    user.groups.add(*Group.objects.filter(name__in=wanted - current))
    user.__dict__.pop("_role_names", None)
    audit.record(
        actor=actor,
        action="auth.roles_synced",
        obj=user,
        object_label=user.get_username(),
        before={"roles": sorted(current)},
        after={"roles": sorted(wanted), "provider": provider},
    )
    return True


# Adapters -------------------------------------------------------------------------------------


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # Django's wording, which people (and our tests) know.
        "username_password_mismatch": "Please enter a correct username and password. "
        "Note that both fields may be case-sensitive.",
    }

    def is_open_for_signup(self, request) -> bool:
        return False  # accounts are made by an admin, or by the IdP (SocialAccountAdapter)

    def login(self, request, user) -> None:
        from .middleware import SESSION_TWO_FACTOR_KEY

        with transaction.atomic():
            super().login(request, user)
            request.session[SESSION_TWO_FACTOR_KEY] = policies.two_factor_policy()
            via = getattr(request, "_sso_provider", None)
            audit.record(
                actor=user,
                action="auth.login",
                obj=user,
                object_label=user.get_username(),
                changes={"method": "sso", "provider": via} if via else None,
            )

    def logout(self, request) -> None:
        user = request.user
        with transaction.atomic():
            if user.is_authenticated:
                audit.record(actor=user, action="auth.logout", obj=user, object_label=user.get_username())
            super().logout(request)

    def authentication_failed(self, request, **credentials) -> None:
        # Not an audit event: what a stranger types stays in axes' attempts and this log line.
        if getattr(request, "axes_locked_out", False):
            log_denied(request, 429, "sign-in locked out")
        else:
            log_denied(request, 401, "sign-in failed")

    def get_login_redirect_url(self, request) -> str:
        from allauth.mfa.utils import is_mfa_enabled

        from .middleware import session_policy

        user = request.user
        if policies.must_use_second_factor(user, session_policy(request)) and not is_mfa_enabled(user):
            return reverse("mfa_index")
        return super().get_login_redirect_url(request)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        """A first SSO sign-in creates the account only for someone the IdP gives a role."""
        return settings.OIDC_CREATE_USERS and bool(roles_from_claims(_claims(sociallogin)))

    def pre_social_login(self, request, sociallogin) -> None:
        request._sso_provider = sociallogin.account.provider
        if sociallogin.is_existing:
            user_roles_sync(
                actor=sociallogin.user,
                user=sociallogin.user,
                roles=roles_from_claims(_claims(sociallogin)),
                provider=sociallogin.account.provider,
            )

    def save_user(self, request, sociallogin, form=None):
        with transaction.atomic():
            user = super().save_user(request, sociallogin, form)
            audit.record(
                actor=user,
                action="auth.user_created",
                obj=user,
                object_label=user.get_username(),
                after={"provider": sociallogin.account.provider, "uid": sociallogin.account.uid},
            )
            user_roles_sync(
                actor=user,
                user=user,
                roles=roles_from_claims(_claims(sociallogin)),
                provider=sociallogin.account.provider,
            )
        return user


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator) -> bool:
        """Whoever must have a second factor keeps one: remove the last only after adding another."""
        from allauth.mfa.models import Authenticator

        user = authenticator.user
        if not policies.must_use_second_factor(user):
            return True
        others = Authenticator.objects.filter(user=user).exclude(pk=authenticator.pk)
        return others.exclude(type=Authenticator.Type.RECOVERY_CODES).exists()


# allauth's MFA events -> the audit trail -----------------------------------------------------
# allauth writes the authenticator itself; the event follows in the same request.

MFA_KINDS = {"totp": "authenticator app", "recovery_codes": "recovery codes", "webauthn": "passkey"}


def _audit_authenticator(action: str, user, authenticator) -> None:
    audit.record(
        actor=user,
        action=action,
        obj=user,
        object_label=user.get_username(),
        changes={"kind": authenticator.type, "authenticator": authenticator.pk},
    )


@receiver(mfa_signals.authenticator_added, dispatch_uid="procurement.audit_mfa_added")
def audit_mfa_added(sender, request=None, user=None, authenticator=None, **kwargs) -> None:
    _audit_authenticator("auth.mfa_added", user, authenticator)


@receiver(mfa_signals.authenticator_removed, dispatch_uid="procurement.audit_mfa_removed")
def audit_mfa_removed(sender, request=None, user=None, authenticator=None, **kwargs) -> None:
    _audit_authenticator("auth.mfa_removed", user, authenticator)


@receiver(mfa_signals.authenticator_reset, dispatch_uid="procurement.audit_mfa_reset")
def audit_mfa_reset(sender, request=None, user=None, authenticator=None, **kwargs) -> None:
    _audit_authenticator("auth.mfa_reset", user, authenticator)


@receiver(mfa_signals.authentication_failed, dispatch_uid="procurement.mfa_failed")
def mfa_code_failed(
    sender, request=None, user=None, authenticator=None, reauthentication=False, **kwargs
) -> None:
    """A wrong code after the right password (or in a signed-in session): counted by axes like a
    wrong password, logged and audited (the account is real: its password was just given)."""
    from . import signin

    signin.second_factor_failed(request, user, purpose="re-authentication" if reauthentication else "sign-in")


# URLs -----------------------------------------------------------------------------------------
# The allauth pages we serve, no more: no sign-up, no password reset by mail, no email management
# (accounts are the admin's, or the IdP's).


def urlpatterns():
    from allauth.account import views as account
    from allauth.socialaccount import views as social
    from allauth.socialaccount.providers.openid_connect import views as oidc

    return [
        path("inactive/", account.account_inactive, name="account_inactive"),
        path("signup/", account.signup, name="account_signup"),
        path("reauthenticate/", account.reauthenticate, name="account_reauthenticate"),
        path("2fa/", include("allauth.mfa.urls")),
        path("sso/login/cancelled/", social.login_cancelled, name="socialaccount_login_cancelled"),
        path("sso/login/error/", social.login_error, name="socialaccount_login_error"),
        path("sso/signup/", social.signup, name="socialaccount_signup"),
        re_path(
            r"^oidc/(?P<provider_id>[^/]+)/",
            include(
                [
                    path("login/", oidc.login, name="openid_connect_login"),
                    path("login/callback/", oidc.callback, name="openid_connect_callback"),
                ]
            ),
        ),
    ]
