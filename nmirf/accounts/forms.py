"""Forms of the sign-in steps."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from nmirf.audit.models import Action


class CodeForm(forms.Form):
    """A six-digit code from the authenticator app (or, where `recovery` is allowed, a
    recovery code)."""

    code = forms.CharField(
        label=_("Code"), max_length=32, strip=True,
        widget=forms.TextInput(attrs={
            "autocomplete": "one-time-code", "inputmode": "numeric", "autocapitalize": "none",
            "spellcheck": "false", "class": "form-control",
        }),
    )


class PasswordConfirmForm(forms.Form):
    """Turning two-factor authentication off asks for the password again."""

    password = forms.CharField(
        label=_("Your password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password",
                                          "class": "form-control"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your password."), code="wrong")
        return password


class ResetSetPasswordForm(auth_forms.SetPasswordForm):
    """Django's form (it runs the password validators), marking the change as a reset for
    the audit trail."""

    def save(self, commit=True):
        self.user.password_audit_action = Action.PASSWORD_RESET
        return super().save(commit)
