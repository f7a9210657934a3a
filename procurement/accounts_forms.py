"""allauth's forms with our look (Bootstrap classes, invalid fields marked): ACCOUNT_FORMS, MFA_FORMS."""

from allauth.account import forms as account_forms
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.totp import forms as totp_forms
from allauth.mfa.webauthn import forms as webauthn_forms
from django import forms

from .forms import StyledFormMixin


class LoginForm(StyledFormMixin, account_forms.LoginForm):
    pass


class ReauthenticateForm(StyledFormMixin, account_forms.ReauthenticateForm):
    pass


class AuthenticateForm(StyledFormMixin, mfa_forms.AuthenticateForm):
    """The code after the password. While the account is locked (wrong passwords or codes), no
    code is checked, not even the right one: axes' lockout page answers."""

    def clean_code(self):
        from allauth.core import context

        from . import signin

        request = context.request
        if signin.is_locked_out(request, self.user):
            request.axes_locked_out = True
            raise forms.ValidationError("Too many failed attempts: sign-in is paused for a while.")
        return super().clean_code()


class MFAReauthenticateForm(StyledFormMixin, mfa_forms.ReauthenticateForm):
    pass


class ActivateTOTPForm(StyledFormMixin, totp_forms.ActivateTOTPForm):
    pass


class AddWebAuthnForm(StyledFormMixin, webauthn_forms.AddWebAuthnForm):
    pass


class EditWebAuthnForm(StyledFormMixin, webauthn_forms.EditWebAuthnForm):
    pass
