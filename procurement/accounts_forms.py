"""allauth's forms with our look (Bootstrap classes, invalid fields marked): ACCOUNT_FORMS, MFA_FORMS."""

from allauth.account import forms as account_forms
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.totp import forms as totp_forms
from allauth.mfa.webauthn import forms as webauthn_forms

from .forms import StyledFormMixin


class LoginForm(StyledFormMixin, account_forms.LoginForm):
    pass


class ReauthenticateForm(StyledFormMixin, account_forms.ReauthenticateForm):
    pass


class AuthenticateForm(StyledFormMixin, mfa_forms.AuthenticateForm):
    pass


class MFAReauthenticateForm(StyledFormMixin, mfa_forms.ReauthenticateForm):
    pass


class ActivateTOTPForm(StyledFormMixin, totp_forms.ActivateTOTPForm):
    pass


class AddWebAuthnForm(StyledFormMixin, webauthn_forms.AddWebAuthnForm):
    pass


class EditWebAuthnForm(StyledFormMixin, webauthn_forms.EditWebAuthnForm):
    pass
