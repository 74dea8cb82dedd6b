"""Optional two-factor authentication (TOTP, with recovery codes), required for the roles an
administrator lists in NMIRF_REQUIRE_2FA_ROLES: a person of such a role is sent to enrol
before anything else, the admin included, and a wrong or reused code never admits."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from nmirf.accounts import twofactor
from nmirf.audit.models import Action

from .helpers import LIST, events, sign_in, signed_in, totp_code

pytestmark = pytest.mark.django_db

ACCOUNT = reverse("accounts:account")
ENROL = reverse("accounts:enrol")
VERIFY = reverse("accounts:verify")
ADMIN = reverse("admin:index")


@pytest.fixture
def required(settings):
    settings.NMIRF_REQUIRE_2FA_ROLES = ["administrator", "coordinator"]


@pytest.fixture
def no_code_throttle(settings):
    """For tests that type a right code right after a wrong one (throttling has its own)."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def enrolled(user):
    """A user with a confirmed authenticator and recovery codes, as after enrolment."""
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    codes = twofactor.renew_recovery_codes(user)
    return device, codes


def verified_client(user):
    """A client signed in as `user` (enrolled) who has given the code; returns it and the
    recovery codes."""
    device, codes = enrolled(user)
    client = Client()
    sign_in(client, user.username)
    client.post(VERIFY, {"code": totp_code(device)})
    return client, codes


def enrol_in_the_browser(client):
    client.get(ENROL)
    device = TOTPDevice.objects.get(confirmed=False)
    return device, client.post(ENROL, {"code": totp_code(device), "next": LIST})


def test_a_required_role_without_a_device_is_sent_to_enrol_before_anything_else(
        required, coordinator):
    client = Client()
    response = sign_in(client, coordinator.username, next_url=None)
    assert client.get(LIST).url == f"{ENROL}?next=%2Frecommendations%2F"
    assert client.get(reverse("ingest:run_list")).status_code == 302
    page = client.get(ENROL)
    assert page.status_code == 200 and response.status_code == 302
    assert "Your role requires two-factor authentication" in page.content.decode()


def test_the_admin_is_refused_to_an_administrator_until_verified(
        required, no_code_throttle, admin_client_, administrator):
    response = admin_client_.get(ADMIN)
    assert response.status_code == 302 and response.url.startswith(ENROL)
    device, _ = enrolled(administrator)
    response = admin_client_.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 302 and response.url.startswith(VERIFY)
    admin_client_.post(VERIFY, {"code": "000000"})
    assert admin_client_.get(ADMIN).status_code == 302
    admin_client_.post(VERIFY, {"code": totp_code(device)})
    assert admin_client_.get(ADMIN).status_code == 200


def test_the_admin_login_also_asks_for_the_code(required, administrator):
    device, _ = enrolled(administrator)
    client = Client()
    response = sign_in(client, administrator.username, url=reverse("admin:login"),
                       next_url=ADMIN)
    assert response.url == ADMIN
    assert client.get(ADMIN).url == f"{VERIFY}?next=%2Fadmin%2F"
    response = client.post(VERIFY, {"code": totp_code(device), "next": ADMIN})
    assert response.url == ADMIN and client.get(ADMIN).status_code == 200


def test_roles_not_listed_need_no_second_factor(required, observer_client):
    assert observer_client.get(LIST).status_code == 200


def test_enrolling_shows_a_qr_code_and_the_key_and_a_right_code_confirms(observer_client,
                                                                       observer):
    html = observer_client.get(ENROL).content.decode()
    assert '<svg role="img"' in html and "<title>QR code" in html
    device = TOTPDevice.objects.get(user=observer, confirmed=False)
    assert twofactor.secret_for_typing(device) in html
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
    assert '<label class="form-label" for="id_code">' in html
    assert "style=" not in html and "<script>" not in html  # the content security policy
    response = observer_client.post(ENROL, {"code": totp_code(device)})
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    codes = StaticToken.objects.filter(device__user=observer).values_list("token", flat=True)
    assert len(codes) == 10 and all(code in response.content.decode() for code in codes)
    assert events(Action.MFA_ENROLLED, target_id=str(observer.pk)).count() == 1


def test_a_wrong_code_does_not_confirm_enrolment(observer_client, observer):
    observer_client.get(ENROL)
    response = observer_client.post(ENROL, {"code": "123456"})
    assert "This code is not right" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert not TOTPDevice.objects.filter(user=observer, confirmed=True).exists()
    assert not StaticToken.objects.exists()
    assert not events(Action.MFA_ENROLLED).exists()


def test_enrolling_admits_a_required_role_to_the_registry(required, coordinator):
    client = Client()
    sign_in(client, coordinator.username)
    device, response = enrol_in_the_browser(client)
    assert response.status_code == 200 and "Your recovery codes" in response.content.decode()
    assert client.get(LIST).status_code == 200


def test_after_enrolment_sign_in_asks_for_the_code_after_the_password(no_code_throttle,
                                                                      observer):
    device, _ = enrolled(observer)
    client = Client()
    response = sign_in(client, observer.username)
    assert response.status_code == 302 and signed_in(client)
    assert client.get(LIST).url == f"{VERIFY}?next=%2Frecommendations%2F"
    page = client.get(VERIFY).content.decode()
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    wrong = client.post(VERIFY, {"code": "000000"})
    assert "This code is not right" in wrong.content.decode()
    assert client.get(LIST).status_code == 302
    session_before = client.session.session_key
    response = client.post(VERIFY, {"code": totp_code(device), "next": LIST})
    assert response.url == LIST and client.get(LIST).status_code == 200
    assert client.session.session_key != session_before
    assert events(Action.SECOND_FACTOR_FAILED).count() == 1
    assert events(Action.SECOND_FACTOR_PASSED).count() == 1


def test_wrong_codes_in_a_row_make_the_next_try_wait(observer):
    device, codes = enrolled(observer)
    client = Client()
    sign_in(client, observer.username)
    client.post(VERIFY, {"code": "000000"})
    response = client.post(VERIFY, {"code": totp_code(device)})  # right, but too soon
    assert "Too many wrong codes in a row" in response.content.decode()
    assert client.get(LIST).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    client.post(VERIFY, {"code": codes[0]})  # recovery codes are throttled apart
    assert client.get(LIST).status_code == 200


def test_a_code_is_accepted_only_once(observer):
    device, _ = enrolled(observer)
    code = totp_code(device)
    first = Client()
    sign_in(first, observer.username)
    first.post(VERIFY, {"code": code})
    assert first.get(LIST).status_code == 200
    second = Client()
    sign_in(second, observer.username)
    second.post(VERIFY, {"code": code})
    assert second.get(LIST).status_code == 302


def test_a_recovery_code_admits_once_and_never_again(no_code_throttle, observer):
    _, codes = enrolled(observer)
    first = Client()
    sign_in(first, observer.username)
    first.post(VERIFY, {"code": codes[0].upper()})  # as read aloud or retyped
    assert first.get(LIST).status_code == 200
    assert StaticToken.objects.filter(device__user=observer).count() == 9
    second = Client()
    sign_in(second, observer.username)
    second.post(VERIFY, {"code": codes[0]})
    assert second.get(LIST).status_code == 302
    second.post(VERIFY, {"code": codes[1]})
    assert second.get(LIST).status_code == 200


def test_the_verify_page_does_not_send_elsewhere(observer):
    device, _ = enrolled(observer)
    client = Client()
    sign_in(client, observer.username)
    response = client.post(VERIFY, {"code": totp_code(device), "next": "https://evil.example/"})
    assert response.url == LIST


def test_a_person_turns_two_factor_off_with_the_password(observer):
    client, _ = verified_client(observer)
    page = client.get(reverse("accounts:disable_2fa"))
    assert page.status_code == 200
    wrong = client.post(reverse("accounts:disable_2fa"), {"password": "not-it"})
    assert "This is not your password." in wrong.content.decode()
    assert TOTPDevice.objects.filter(user=observer).exists()
    client.post(reverse("accounts:disable_2fa"), {"password": "a-long-test-password"})
    assert not TOTPDevice.objects.filter(user=observer).exists()
    assert events(Action.MFA_REMOVED, target_id=str(observer.pk)).count() == 1


def test_a_required_role_cannot_turn_two_factor_off(required, coordinator):
    client, _ = verified_client(coordinator)
    response = client.post(reverse("accounts:disable_2fa"), {"password": "a-long-test-password"})
    assert response.url == ACCOUNT
    assert TOTPDevice.objects.filter(user=coordinator).exists()
    assert "cannot be turned off" in client.get(ACCOUNT).content.decode()


def test_new_recovery_codes_replace_the_old(observer):
    client, old = verified_client(observer)
    response = client.post(reverse("accounts:recovery_codes"))
    assert response.status_code == 200
    assert not StaticToken.objects.filter(token__in=old).exists()
    assert StaticToken.objects.filter(device__user=observer).count() == 10
    assert events(Action.RECOVERY_CODES_RENEWED).count() == 1


def test_an_administrator_turns_off_a_lost_phone_from_the_admin(admin_client_, observer):
    enrolled(observer)
    admin_client_.post(reverse("admin:accounts_user_changelist"),
                       {"action": "turn_off_two_factor", "_selected_action": [observer.pk]})
    assert not TOTPDevice.objects.filter(user=observer).exists()
    removed = events(Action.MFA_REMOVED).get()
    assert removed.actor.username == "alice-admin" and removed.target_id == str(observer.pk)
    client = Client()
    sign_in(client, observer.username)
    assert client.get(LIST).status_code == 200


def test_a_device_removed_during_a_session_does_not_trap_the_person(observer):
    device, _ = enrolled(observer)
    client = Client()
    sign_in(client, observer.username)
    assert client.get(LIST).status_code == 302
    twofactor.turn_off(observer)
    assert client.get(LIST).status_code == 200


def test_the_account_page_offers_two_factor(observer_client):
    html = observer_client.get(ACCOUNT).content.decode()
    assert f'href="{ENROL}"' in html and "Two-factor authentication" in html


def test_an_unknown_role_in_the_setting_stops_the_start(settings):
    settings.NMIRF_REQUIRE_2FA_ROLES = ["administrators"]
    with pytest.raises(SystemCheckError, match="unknown roles: administrators"):
        call_command("check")


def test_the_admin_never_shows_an_authenticator_key(admin_client_, observer):
    device, _ = enrolled(observer)
    assert admin_client_.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert admin_client_.get("/admin/otp_static/staticdevice/").status_code == 404
    users = admin_client_.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert device.key not in users
