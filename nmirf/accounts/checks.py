"""Start-up checks of the sign-in settings: a typo in a role name must not silently leave
administrators without the second factor they were meant to need."""

from django.conf import settings
from django.core import checks

from .models import Role


@checks.register(checks.Tags.security)
def check_sign_in_settings(app_configs, **kwargs):
    errors = []
    unknown = sorted(set(settings.NMIRF_REQUIRE_2FA_ROLES) - set(Role.values))
    if unknown:
        errors.append(checks.Error(
            f"NMIRF_REQUIRE_2FA_ROLES names unknown roles: {', '.join(unknown)}",
            hint=f"Use some of: {', '.join(Role.values)}.", id="accounts.E001",
        ))
    for name in ("NMIRF_LOGIN_FAILURE_LIMIT", "NMIRF_LOGIN_ADDRESS_FAILURE_LIMIT"):
        if getattr(settings, name) < 1:
            errors.append(checks.Error(f"{name} must be at least 1.", id="accounts.E002"))
    if settings.NMIRF_LOGIN_LOCKOUT_MINUTES < 0:
        errors.append(checks.Error("NMIRF_LOGIN_LOCKOUT_MINUTES must be 0 or more.",
                                   id="accounts.E003"))
    return errors
