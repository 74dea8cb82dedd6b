"""Password guessing is throttled per account and per address (django-axes), on the site's
login and on the admin's; a locked-out person sees why and whom to ask; an administrator
unlocks, and every step is in the audit trail."""

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from nmirf.accounts.models import Role, User
from nmirf.audit.models import Action

from .helpers import (
    ADMIN_LOGIN,
    LIST,
    LOGIN,
    PASSWORD,
    client_from,
    events,
    fail,
    sign_in,
    signed_in,
)

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.9"
OFFICE = "198.51.100.20"


@pytest.mark.parametrize("url", [LOGIN, ADMIN_LOGIN], ids=["site", "admin"])
def test_five_wrong_passwords_lock_the_account_and_the_right_one_is_then_refused(
        administrator, url):
    attacker = client_from(ATTACKER)
    for _ in range(4):
        assert sign_in(attacker, administrator.username, "guess", url=url).status_code == 200
    locked = sign_in(attacker, administrator.username, "guess", url=url)
    assert locked.status_code == 429
    response = sign_in(attacker, administrator.username, PASSWORD, url=url)
    assert response.status_code == 429 and not signed_in(attacker)
    assert attacker.get(reverse("admin:index")).status_code == 302  # to the login page


def test_the_lockout_page_says_what_happened_and_whom_to_ask_in_the_sites_layout(
        observer, settings):
    settings.NMIRF_ACCOUNTS_CONTACT = "the NMIRF secretariat (it@example.gov)"
    html = fail(client_from(ATTACKER), observer.username, 5).content.decode()
    assert '<main id="main"' in html and 'class="navbar-brand"' in html  # base.html
    assert "Sign-in paused after too many failed attempts" in html
    assert "You can try again in 60 minutes." in html
    assert "Ask the NMIRF secretariat (it@example.gov) to unlock your account" in html
    assert reverse("accounts:password_reset") in html


def test_a_lock_until_unlocked_says_so(observer, settings):
    settings.NMIRF_LOGIN_LOCKOUT_MINUTES = 0
    settings.AXES_COOLOFF_TIME = None
    html = fail(client_from(ATTACKER), observer.username, 5).content.decode()
    assert "It stays paused until an administrator unlocks it." in html
    assert "Ask your OpenNMIRF administrator to unlock your account" in html


def test_a_locked_account_does_not_lock_other_accounts(observer, coordinator):
    fail(client_from(ATTACKER), observer.username, 5)
    other_address = client_from(OFFICE)
    assert sign_in(other_address, coordinator.username).url == LIST
    same_address = client_from(ATTACKER)  # 5 failures are far from the address limit
    assert sign_in(same_address, coordinator.username).url == LIST
    assert sign_in(client_from(OFFICE), observer.username).status_code == 429


def test_an_address_guessing_many_accounts_is_locked_but_others_still_sign_in(
        observer, coordinator):
    attacker = client_from(ATTACKER)
    for number in range(5):  # 4 tries each on 5 names: no account reaches its limit
        last = fail(attacker, f"someone-{number}", 4)
    assert last.status_code == 429  # the 20th failure from one address
    assert sign_in(attacker, coordinator.username).status_code == 429
    assert not signed_in(attacker)
    assert sign_in(client_from(OFFICE), coordinator.username).url == LIST
    assert sign_in(client_from(OFFICE), observer.username).url == LIST


def test_the_limits_are_settings(observer, settings):
    settings.NMIRF_LOGIN_FAILURE_LIMIT = 2
    assert fail(client_from(ATTACKER), observer.username, 2).status_code == 429


def test_a_successful_sign_in_forgets_earlier_failures_of_that_account_only(observer):
    office = client_from(OFFICE)
    fail(office, observer.username, 4)
    fail(office, "typo-name", 3)
    assert sign_in(office, observer.username).url == LIST
    assert not AccessAttempt.objects.filter(username=observer.username).exists()
    assert AccessAttempt.objects.get(username="typo-name").failures_since_start == 3


def test_the_lock_ends_after_the_lockout_time(observer):
    fail(client_from(ATTACKER), observer.username, 5)
    AccessAttempt.objects.update(attempt_time="2000-01-01T00:00:00Z")  # an hour ago and more
    assert sign_in(client_from(ATTACKER), observer.username).url == LIST


def test_an_administrator_unlocks_an_account_in_the_admin(admin_client_, administrator,
                                                          observer):
    fail(client_from(ATTACKER), observer.username, 5)
    changelist = reverse("admin:accounts_user_changelist")
    html = admin_client_.get(changelist).content.decode()
    assert "sign-in locked" in html.lower()
    response = admin_client_.post(changelist, {"action": "unlock_sign_in",
                                               "_selected_action": [observer.pk]})
    assert response.status_code == 302
    assert sign_in(client_from(ATTACKER), observer.username).url == LIST
    unlock = events(Action.UNLOCK).get()
    assert unlock.actor == administrator and unlock.target_id == str(observer.pk)
    assert unlock.after["username"] == observer.username


def test_an_administrator_unlocks_an_address_from_the_failed_sign_ins(admin_client_, observer):
    attacker = client_from(ATTACKER)
    for number in range(5):
        fail(attacker, f"someone-{number}", 4)
    changelist = reverse("admin:axes_accessattempt_changelist")
    page = admin_client_.get(changelist)
    assert page.status_code == 200 and ATTACKER in page.content.decode()
    one = AccessAttempt.objects.filter(ip_address=ATTACKER).first()
    admin_client_.post(changelist, {"action": "unlock_addresses", "_selected_action": [one.pk]})
    assert not AccessAttempt.objects.filter(ip_address=ATTACKER).exists()
    assert sign_in(attacker, observer.username).url == LIST


def test_failed_sign_ins_cannot_be_deleted_or_changed_in_the_admin_only_unlocked(
        admin_client_, observer):
    fail(client_from(ATTACKER), observer.username, 2)
    attempt = AccessAttempt.objects.get()
    assert admin_client_.post(reverse("admin:axes_accessattempt_delete",
                                      args=[attempt.pk]), {"post": "yes"}).status_code == 403
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()


@pytest.mark.parametrize("persona", ["coordinator", "focal_point", "observer"])
def test_only_administrators_see_or_unlock_accounts(request, client, db, persona):
    user = request.getfixturevalue(persona)
    user.is_staff = True
    user.save()
    client.force_login(user)
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403


def test_the_unlock_command_unlocks_and_is_audited(observer, capsys):
    fail(client_from(ATTACKER), observer.username, 5)
    call_command("unlock", observer.username)
    assert f"{observer.username}: unlocked (1 failure records cleared)" in capsys.readouterr().out
    assert sign_in(client_from(ATTACKER), observer.username).url == LIST
    unlock = events(Action.UNLOCK).get()
    assert unlock.actor is None and unlock.target_id == str(observer.pk)


def test_the_unlock_command_unlocks_an_address(observer):
    for number in range(5):
        fail(client_from(ATTACKER), f"someone-{number}", 4)
    call_command("unlock", "--address", ATTACKER)
    assert sign_in(client_from(ATTACKER), observer.username).url == LIST


def test_failures_and_the_lockout_are_in_the_audit_trail(observer):
    fail(client_from(ATTACKER), observer.username, 5)
    sign_in(client_from(ATTACKER), observer.username)  # refused while locked: one more failure
    failed = events(Action.LOGIN_FAILED, actor_username=observer.username)
    assert failed.count() == 6
    assert set(failed.values_list("ip_address", flat=True)) == {ATTACKER}
    assert all(event.actor is None and event.target_id == str(observer.pk) for event in failed)
    lockout = events(Action.LOCKOUT).get()  # once, when the lock began
    assert lockout.actor_username == observer.username
    assert lockout.after == {"locked": "account", "address": ATTACKER, "minutes": 60}


def test_a_failure_for_a_name_that_does_not_exist_records_the_name_tried(db):
    fail(client_from(ATTACKER), "no-such-person", 1)
    event = events(Action.LOGIN_FAILED).get()
    assert event.actor_username == "no-such-person" and event.target_type is None
    assert event.target_repr == "no-such-person"


def test_personas_signed_in_by_force_and_scripts_are_not_throttled(db):
    from django.contrib.auth import authenticate

    User.objects.create_user("script-user", password=PASSWORD, role=Role.OBSERVER)
    assert authenticate(username="script-user", password=PASSWORD) is not None


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(observer, coordinator, settings):
    settings.NMIRF_PROXY_COUNT = 1
    proxy = "10.0.0.1"
    attacker = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"1.1.1.1, {ATTACKER}")
    for number in range(5):  # a forged first entry changes nothing
        fail(attacker, f"someone-{number}", 4)
    assert sign_in(attacker, coordinator.username).status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    colleague = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=OFFICE)
    assert sign_in(colleague, observer.username).url == LIST
    assert events(Action.LOGIN).get().ip_address == OFFICE
