"""Signing in and out, the account page, two-factor authentication and passwords.

Django's own views do the work (login, logout, password change and reset); the views here
add the second factor. Templates: nmirf/templates/registration (Django's names) and
accounts/templates/accounts.
"""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login

from nmirf import audit
from nmirf.audit.models import Action

from . import permissions, twofactor
from .forms import CodeForm, PasswordConfirmForm, ResetSetPasswordForm


def landing_page(user) -> str:
    """Where a person lands after signing in (without a `next` address): a focal point on
    the recommendations assigned to their entities, everyone else on the registry."""
    if permissions.is_focal_point(user):
        return reverse("tracking:my_recommendations")
    return reverse("recommendations:list")


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    # A signed-in person who opens the login page goes on to where they land.
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return landing_page(self.request.user)


class LogoutView(auth_views.LogoutView):
    """POST only (Django 5): the navbar carries a small form."""


def _next_url(request, default=None) -> str:
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(default) if default else landing_page(request.user)


@method_decorator(login_required, name="dispatch")
class AccountView(View):
    def get(self, request):
        user = request.user
        return render(request, "accounts/account.html", {
            "has_2fa": twofactor.has_2fa(user),
            "required": twofactor.role_requires_2fa(user),
            "recovery_codes_left": twofactor.remaining_recovery_codes(user),
        })


@method_decorator([never_cache, sensitive_post_parameters("code")], name="dispatch")
class VerifyView(View):
    """The second step of signing in: a code from the authenticator app, or a recovery code."""

    template_name = "accounts/verify.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not twofactor.owes_second_factor(request) or not twofactor.has_2fa(request.user):
            twofactor.forget_cached_state(request)  # e.g. an administrator removed the device
            return redirect(_next_url(request))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self._page(request, CodeForm())

    def post(self, request):
        form = CodeForm(request.POST)
        if form.is_valid():
            try:
                device = twofactor.verify(request.user, form.cleaned_data["code"])
            except twofactor.Throttled:
                form.add_error("code", _("Too many wrong codes in a row: wait a few seconds, "
                                         "then type the code your app shows now."))
                return self._page(request, form)
            if device is not None:
                otp_login(request, device)
                # A new session key once the second factor is given, as at every sign-in.
                request.session.cycle_key()
                audit.record(Action.SECOND_FACTOR_PASSED, target=request.user,
                             after={"device": device.name}, request=request)
                return redirect(_next_url(request))
            audit.record(Action.SECOND_FACTOR_FAILED, target=request.user, request=request)
            form.add_error("code", _("This code is not right, or was already used. Check the "
                                     "time on your phone, or use one of your recovery codes."))
        return self._page(request, form)

    def _page(self, request, form):
        return render(request, self.template_name, {"form": form, "next": _next_url(request)})


@method_decorator([never_cache, login_required], name="dispatch")
class EnrolView(View):
    """Turn on two-factor authentication: scan (or type) the key, confirm with a code, and
    receive recovery codes, shown once."""

    template_name = "accounts/enrol.html"

    def dispatch(self, request, *args, **kwargs):
        if twofactor.has_2fa(request.user):
            return redirect("accounts:account")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self._page(request, CodeForm())

    def post(self, request):
        form = CodeForm(request.POST)
        device = twofactor.start_enrolment(request.user)
        if form.is_valid():
            codes = twofactor.confirm_enrolment(device, form.cleaned_data["code"])
            if codes is not None:
                otp_login(request, device)
                request.session.cycle_key()
                audit.record(Action.MFA_ENROLLED, target=request.user, request=request)
                return render(request, "accounts/recovery_codes.html",
                              {"codes": codes, "next": _next_url(request, "accounts:account")})
            form.add_error("code", _("This code is not right. Check that the time on your "
                                     "phone is correct and type the code it shows now."))
        return self._page(request, form, device)

    def _page(self, request, form, device=None):
        device = device or twofactor.start_enrolment(request.user)
        return render(request, self.template_name, {
            "form": form,
            "qr_svg": twofactor.qr_svg(device),
            "secret": twofactor.secret_for_typing(device),
            "required": twofactor.role_requires_2fa(request.user),
            "next": _next_url(request, "accounts:account"),
        })


@method_decorator([never_cache, login_required], name="dispatch")
class RecoveryCodesView(View):
    """New recovery codes (the old ones stop working), shown once."""

    def post(self, request):
        if not twofactor.has_2fa(request.user):
            return redirect("accounts:account")
        codes = twofactor.renew_recovery_codes(request.user)
        audit.record(Action.RECOVERY_CODES_RENEWED, target=request.user, request=request)
        return render(request, "accounts/recovery_codes.html",
                      {"codes": codes, "next": reverse("accounts:account")})


@method_decorator([never_cache, login_required, sensitive_post_parameters("password")],
                  name="dispatch")
class DisableView(View):
    """Turn two-factor authentication off (asks for the password again); refused where the
    person's role requires it."""

    template_name = "accounts/disable.html"

    def dispatch(self, request, *args, **kwargs):
        if not twofactor.has_2fa(request.user):
            return redirect("accounts:account")
        if twofactor.role_requires_2fa(request.user):
            messages.error(request, _("Your role requires two-factor authentication: it "
                                      "cannot be turned off."))
            return redirect("accounts:account")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(request, self.template_name, {"form": PasswordConfirmForm(request.user)})

    def post(self, request):
        form = PasswordConfirmForm(request.user, request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form})
        twofactor.turn_off(request.user)  # audited by accounts.auditing, wherever it happens
        messages.success(request, _("Two-factor authentication is off."))
        return redirect("accounts:account")


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordResetView(auth_views.PasswordResetView):
    """Always the same answer, whether the address belongs to an account or not."""

    success_url = reverse_lazy("accounts:password_reset_done")
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def form_valid(self, form):
        audit.record(Action.PASSWORD_RESET_REQUESTED,
                     after={"email": form.cleaned_data["email"][:254]}, request=self.request)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = ResetSetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")
