"""Send a person who owes a second factor to give it (or to enrol) before anything else,
the admin site included. Runs after django-otp's OTPMiddleware."""

from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.urls import reverse

from .twofactor import has_2fa, owes_second_factor

# What such a person may still reach: the steps themselves, signing out, the language.
ALLOWED_URL_NAMES = {"accounts:verify", "accounts:enrol", "accounts:logout", "set_language"}


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and owes_second_factor(user):
            match = _resolve(request.path_info)
            if match is None or match.view_name not in ALLOWED_URL_NAMES:
                step = "accounts:verify" if has_2fa(user) else "accounts:enrol"
                url = f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}"
                response = HttpResponseRedirect(url)
                if getattr(request, "htmx", False):
                    response["HX-Redirect"] = url
                return response
        return self.get_response(request)


def _resolve(path):
    from django.urls import Resolver404, resolve

    try:
        return resolve(path)
    except Resolver404:
        return None
