"""Send a person who owes a second factor to give it (or to enrol) before anything else,
the admin site included. Runs after django-otp's OTPMiddleware."""

from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse

from . import twofactor

# What such a person may still reach: the steps themselves, signing out, the language.
ALLOWED_URL_NAMES = {"accounts:verify", "accounts:enrol", "accounts:logout", "set_language"}


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and twofactor.owes_second_factor(request):
            if _view_name(request.path_info) not in ALLOWED_URL_NAMES:
                step = self._step(request)
                if step is not None:
                    url = f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}"
                    response = HttpResponseRedirect(url)
                    if getattr(request, "htmx", False):
                        response["HX-Redirect"] = url
                    return response
        return self.get_response(request)

    @staticmethod
    def _step(request):
        if twofactor.has_2fa(request.user):
            return "accounts:verify"
        if twofactor.role_requires_2fa(request.user):
            return "accounts:enrol"
        twofactor.forget_cached_state(request)  # the device was removed meanwhile
        return None


def _view_name(path):
    try:
        return resolve(path).view_name
    except Resolver404:
        return None
