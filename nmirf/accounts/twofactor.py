"""Who owes a second factor, and the devices behind it (django-otp).

A person who has turned on two-factor authentication gives a code after the password at
every sign-in; a person whose role is listed in NMIRF_REQUIRE_2FA_ROLES must turn it on
before doing anything else. Devices: one authenticator app (TOTP) and one set of recovery
codes (django-otp's static tokens, each accepted once).
"""

import segno
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODE_COUNT = 10


def role_requires_2fa(user) -> bool:
    from .permissions import has_role_among

    return has_role_among(user, settings.NMIRF_REQUIRE_2FA_ROLES)


def authenticators(user):
    """The confirmed authenticators of `user` (a user, or OuterRef("pk") in a subquery)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True)


def has_2fa(user) -> bool:
    return authenticators(user).exists()


# Whether the person had an authenticator when the session began, kept in the session so
# that pages do not ask the database at every request. Enrolling verifies the session, so a
# stale "no" never lets anyone skip a code they owe.
SESSION_KEY = "nmirf_has_2fa"


def owes_second_factor(request) -> bool:
    """Signed in with the password, but not yet with a code (or not yet enrolled while the
    role requires it)."""
    user = request.user
    verified = getattr(user, "is_verified", lambda: False)  # set by django-otp's middleware
    if not user.is_authenticated or verified():
        return False
    if role_requires_2fa(user):
        return True
    if SESSION_KEY not in request.session:
        request.session[SESSION_KEY] = has_2fa(user)
    return request.session[SESSION_KEY]


def forget_cached_state(request) -> None:
    request.session.pop(SESSION_KEY, None)


class Throttled(Exception):
    """Too many wrong codes in a row: the device refuses to check any until `until`."""

    def __init__(self, until):
        super().__init__(until)
        self.until = until


def verify(user, code: str):
    """The device that accepts `code` (a code from the authenticator, or an unused recovery
    code, which is then spent), or None. After each wrong code the device makes the next try
    wait longer (1, 2, 4 … seconds: django-otp's throttling), and raises Throttled."""
    code = "".join(code.split()).lower()
    if not code:
        return None
    # Digits go to the authenticator, letters to the recovery codes, so that a mistyped
    # code of one kind does not slow down the other.
    model = TOTPDevice if code.isdigit() else StaticDevice
    with transaction.atomic():
        device = model.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is None:
            return None
        allowed, why = device.verify_is_allowed()
        if not allowed:
            raise Throttled(why.get("locked_until"))
        return device if device.verify_token(code) else None


def start_enrolment(user) -> TOTPDevice:
    """An unconfirmed authenticator for `user` (the same one until confirmed, so that
    reloading the page does not change the QR code)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def confirm_enrolment(device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the authenticator with its first code; returns fresh recovery codes, or None
    if the code is wrong."""
    code = "".join(code.split())
    if not device.verify_token(code):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save()
        return renew_recovery_codes(device.user)


def renew_recovery_codes(user) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name="recovery codes")
    device.confirmed = True
    device.save()
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def remaining_recovery_codes(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def turn_off(user) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code: drawn here, nothing fetched, no
    style attribute (the content security policy forbids inline styles)."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=2, title=str(_("QR code to scan with your authenticator app")),
        dark="#000", light="#fff",
    )
    return svg.replace("<svg ", '<svg role="img" ', 1)


def secret_for_typing(device: TOTPDevice) -> str:
    """The key in base32, grouped by four, for apps where one types it instead."""
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
