"""Sessions end: after SESSION_COOKIE_AGE (8 hours unless set), optionally when the browser
closes; every sign-in gets a new session key; signing out is a POST."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client

from .helpers import LIST, LOGIN, REPO, sign_in

pytestmark = pytest.mark.django_db


def test_a_session_lasts_eight_hours_by_default():
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is False


def test_the_session_cookie_carries_the_age(observer):
    client = Client()
    sign_in(client, observer.username)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == 8 * 60 * 60 and cookie["httponly"]
    assert 0 < client.session.get_expiry_age() <= 8 * 60 * 60


def test_a_session_can_end_when_the_browser_closes(observer, settings):
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    client = Client()
    sign_in(client, observer.username)
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == ""
    assert client.session.get_expire_at_browser_close()


def test_an_expired_session_is_signed_out(observer):
    client = Client()
    sign_in(client, observer.username)
    session = client.session
    session.set_expiry(-1)
    session.save()
    assert client.get(LIST).url.startswith(LOGIN)


def test_signing_in_gives_a_new_session_key(observer):
    client = Client()
    client.get(LOGIN)
    client.session["before"] = True  # an anonymous session exists
    before = client.session.session_key
    sign_in(client, observer.username)
    assert client.session.session_key != before


def test_the_settings_come_from_the_environment():
    env = {**os.environ, "SESSION_COOKIE_AGE": "3600", "SESSION_EXPIRE_AT_BROWSER_CLOSE": "1",
           "NMIRF_LOGIN_FAILURE_LIMIT": "3", "NMIRF_REQUIRE_2FA_ROLES": "administrator",
           "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
           "DEFAULT_FROM_EMAIL": "nmirf@example.gov"}
    code = ("from nmirf import settings as s; print(s.SESSION_COOKIE_AGE, "
            "s.SESSION_EXPIRE_AT_BROWSER_CLOSE, s.NMIRF_LOGIN_FAILURE_LIMIT, "
            "s.NMIRF_REQUIRE_2FA_ROLES, s.EMAIL_BACKEND, s.DEFAULT_FROM_EMAIL)")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, check=True,
                         capture_output=True, text=True).stdout
    assert out.split() == ["3600", "True", "3", "['administrator']",
                           "django.core.mail.backends.smtp.EmailBackend", "nmirf@example.gov"]
