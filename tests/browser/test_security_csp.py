"""Every kind of page passes the Content-Security-Policy in a real browser: Chromium reports
no violation (the securitypolicyviolation event, and its console error) on the login page,
the registry with a search, a facet and a new order (htmx swaps), a recommendation, the
imports page, a running import whose progress bar polls and grows, a refused import, the
admin (index, a list, a form), Arabic (right to left), and the page of a refused form
(CSRF). The policy is the one settings.py sends: nothing inline, no eval."""

import re

import pytest
from django.conf import settings
from django.db.models import Count
from playwright.sync_api import Page, expect

from nmirf.ingest.models import ImportRun
from nmirf.recommendations.models import Mechanism, Recommendation

from .helpers import log_in

pytestmark = [pytest.mark.browser]

LISTEN = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.nmirfCspViolation([e.violatedDirective, e.blockedURI, e.sourceFile + ":" +
                            e.lineNumber, (e.sample || "").slice(0, 80)].join(" | "));
});
"""


@pytest.fixture
def violations(page: Page) -> list[str]:
    """Violations of every page this test opens, with the address they happened on."""
    found: list[str] = []
    page.expose_function("nmirfCspViolation", lambda text: found.append(f"{page.url}: {text}"))
    page.add_init_script(LISTEN)
    page.on("console", lambda message: found.append(f"{page.url}: console: {message.text}")
            if "Content Security Policy" in message.text else None)
    return found


def test_every_kind_of_page_passes_the_content_security_policy(
    live_server, registry, administrator, page: Page, violations, browser_problems
):
    base = live_server.url
    response = page.goto(f"{base}/accounts/login/")
    assert response.headers["content-security-policy"] == \
        settings.NMIRF_CONTENT_SECURITY_POLICY
    log_in(page, live_server, administrator)

    # The registry: search, a facet and another order, each swapped in by htmx.
    page.locator("#id_q").fill("Roma")
    page.locator("#filter-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"[?&]q=Roma(&|$)"))
    page.locator('section[data-facet="position"] a[href*="position=noted"]').click()
    expect(page).to_have_url(re.compile(r"[?&]position=noted(&|$)"))
    page.locator("#id_sort").select_option(index=1)
    expect(page).to_have_url(re.compile(r"[?&]sort="))  # app.js sent the form
    expect(page).to_have_url(re.compile(r"[?&]q=Roma(&|$)"))

    busiest = (Recommendation.objects.exclude(paragraph="").annotate(tags=Count("terms"))
               .order_by("-tags", "pk").first())
    page.goto(f"{base}/recommendations/{busiest.pk}/")
    page.goto(f"{base}/imports/")
    page.goto(f"{base}/consultation/comments/")  # the moderation queue

    # A running import: the bar is drawn from data-percent by app.js, and htmx polls.
    running = ImportRun.objects.create(source="upr_info", files=["big.csv"],
                                       status="running", progress_done=15000,
                                       progress_total=40000)
    page.goto(base + running.get_absolute_url())
    bar = page.locator("#import-progress .progress-bar")
    expect(bar).to_have_attribute("data-percent", "37")
    with page.expect_response(re.compile(r"fragment=progress")):
        pass  # one poll, swapped in
    expect(page.locator("#import-progress .progress-bar")).to_have_attribute(
        "data-percent", "37")
    # (Bootstrap animates the width: wait for it to settle at 37 % of the track.)
    page.wait_for_function("""() => {
        const bar = document.querySelector('#import-progress .progress-bar');
        const ratio = bar.getBoundingClientRect().width /
                      bar.parentElement.getBoundingClientRect().width;
        return ratio > 0.36 && ratio < 0.38;
    }""")

    refused = ImportRun.objects.create(source="upr_info", files=["bad.csv"], status="failed",
                                       message="The file has problems.")
    page.goto(base + refused.get_absolute_url())

    # The follow-up calendar's pages.
    for address in ("/follow-up/", "/follow-up/overdue/", "/follow-up/settings/",
                    "/follow-up/feed/"):
        response = page.goto(base + address)
        assert response.status == 200, address

    # The admin: Django's own pages.
    mechanism = Mechanism.objects.order_by("pk").first()
    for address in ("/admin/", "/admin/recommendations/recommendation/",
                    "/admin/recommendations/recommendation/?q=Roma",
                    f"/admin/recommendations/mechanism/{mechanism.pk}/change/",
                    "/admin/accounts/user/add/"):
        response = page.goto(base + address)
        assert response.status == 200, address

    # Right to left.
    page.goto(f"{base}/ar/recommendations/?q=Roma")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert browser_problems == []

    # A refused form: the CSRF cookie is gone (as after a long pause), the language form
    # is sent, and the explanation page shows (403, expected here).
    page.context.clear_cookies(name="csrftoken")
    page.goto(f"{base}/recommendations/")
    page.context.clear_cookies(name="csrftoken")
    with page.expect_response(re.compile(r"/i18n/setlang/")) as answer:
        page.locator("#language-select").select_option("fr")
        page.locator("#language-select").locator("xpath=..").get_by_role("button").click()
    assert answer.value.status == 403
    expect(page.locator("h1")).to_have_text("Your form could not be accepted")

    assert violations == [], "\n".join(violations)
