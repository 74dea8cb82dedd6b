"""Signing in as a person does, in Chromium: a coordinator whose role requires two-factor
authentication enrols on first sign-in and gives a code on the next; the pages of these
steps, the lockout page and the password reset meet WCAG 2.1 AA (axe-core), in English and
in Arabic, with no script error."""

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from tests.accounts.helpers import totp_code

from .helpers import PASSWORD
from .test_accessibility import violations

pytestmark = [pytest.mark.browser]


def submit_password(page: Page, username: str, password: str = PASSWORD) -> None:
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.locator("main").get_by_role("button", name="Log in").click()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_coordinator_enrols_then_signs_in_with_a_code(
        live_server, transactional_db, reference_data, coordinator, settings, page: Page,
        browser_problems, language):
    settings.NMIRF_REQUIRE_2FA_ROLES = ["coordinator"]
    prefix = "" if language == "en" else f"/{language}"
    found = []
    page.goto(f"{live_server.url}{prefix}/recommendations/")
    if language == "en":
        submit_password(page, coordinator.username)
    else:  # the labels are translated: fill by the fields' names
        page.locator("#id_username").fill(coordinator.username)
        page.locator("#id_password").fill(PASSWORD)
        page.locator("main button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/enrol/\?next="))
    expect(page.locator("svg[role=img]")).to_be_visible()
    found += violations(page, "enrol")
    device = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    page.locator("#id_code").fill(totp_code(device))
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    found += violations(page, "recovery codes")
    page.locator("main a.btn-primary").click()
    expect(page).to_have_url(f"{live_server.url}{prefix}/recommendations/")

    page.goto(f"{live_server.url}{prefix}/accounts/")
    found += violations(page, "account")
    page.locator("header form[action$='/logout/'] button").click()
    page.goto(f"{live_server.url}{prefix}/recommendations/")
    page.locator("#id_username").fill(coordinator.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/verify/\?next="))
    page.locator("main details summary").click()  # show the recovery code form too
    found += violations(page, "verify")
    page.locator("#id_code").fill(totp_code(device, steps_ahead=1))
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(f"{live_server.url}{prefix}/recommendations/")
    assert found == [], "\n".join(found)
    assert browser_problems == []


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_lockout_and_reset_pages_are_accessible(
        live_server, transactional_db, observer, page: Page, browser_problems, language):
    prefix = "" if language == "en" else f"/{language}"
    found = []
    page.goto(f"{live_server.url}{prefix}/accounts/password/reset/")
    found += violations(page, "password reset")
    page.goto(f"{live_server.url}{prefix}/accounts/login/")
    for _ in range(5):
        page.locator("#id_username").fill(observer.username)
        page.locator("#id_password").fill("wrong-password")
        page.locator("main button[type=submit]").click()
    expect(page.locator("main h1")).not_to_have_text("")
    assert page.locator("main .alert-warning").count() == 1
    found += violations(page, "locked out")
    assert found == [], "\n".join(found)
    # The lockout page answers 429 (Too Many Requests) on purpose.
    assert [p for p in browser_problems if "429" not in p] == []
