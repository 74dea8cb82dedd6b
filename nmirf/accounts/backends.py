"""The sign-in throttle as the first authentication backend (django-axes)."""

from axes.backends import AxesStandaloneBackend


class ThrottleBackend(AxesStandaloneBackend):
    """Refuses a locked account or address before any password is checked.

    Django's test client and scripts call `authenticate()` without a request: there is no
    address to throttle then, and no person at a login page, so the throttle stands aside
    (django-axes itself would raise) and the next backend decides.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
