"""What the sign-in tests share."""

import time
from pathlib import Path

from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP

from nmirf.audit.models import AuditEvent

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "a-long-test-password"  # tests/conftest.py's personas
LOGIN = reverse("accounts:login")
ADMIN_LOGIN = reverse("admin:login")
LIST = reverse("recommendations:list")


def client_from(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def sign_in(client, username, password=PASSWORD, url=LOGIN, next_url=None):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(url, data)


def fail(client, username, times, url=LOGIN):
    return [sign_in(client, username, "wrong-password", url=url) for _ in range(times)][-1]


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def events(action, **filters):
    return AuditEvent.objects.filter(action=action, **filters)


def totp_code(device, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or `steps_ahead` periods later: a code is
    accepted once, so a second sign-in in the same 30 s uses the next one)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"
