"""Every kind of page, checked by axe-core (the engine behind most accessibility audits,
shipped in the axe-playwright-python package) against WCAG 2.1 A and AA and axe's best
practices, in English and in Arabic (right to left): the login page, the registry with a
search and a facet, a recommendation, the imports page and the page of a refused import
with its problems. A violation fails the test with axe's own report: what is wrong, where,
and how to fix it."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db.models import Count
from playwright.sync_api import Page

from nmirf.ingest.pipeline import ImportFailed, InputFile, run_import, start_run
from nmirf.recommendations.models import Recommendation

from .helpers import log_in

pytestmark = [pytest.mark.browser]

AXE = Axe()
RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                               "best-practice"]},
         "resultTypes": ["violations"]}


def violations(page: Page, address: str) -> list[str]:
    results = AXE.run(page, options=RULES)
    return [f"{address}:\n{results.generate_report()}"] if results.violations_count else []


@pytest.fixture
def refused_run(registry, tmp_path):
    """An import refused for its problems: the page that lists them."""
    bad = tmp_path / "bad.csv"
    bad.write_text("To,Text,From,Response,Action,Issue,Session\n"
                   'Slovenia,"Ratify it.",Atlantis,Accepted,7,Migrants,7\n', encoding="utf-8")
    files = [InputFile(path=bad, name="bad.csv")]
    run = start_run("upr_info", files)
    with pytest.raises(ImportFailed):
        run_import(run, files)
    return run


@pytest.mark.parametrize("language", ["en", "ar"])
def test_every_kind_of_page_meets_wcag_2_1_aa(
    live_server, registry, refused_run, coordinator, page: Page, browser_problems, language
):
    prefix = "" if language == "en" else f"/{language}"
    found = []
    page.goto(f"{live_server.url}{prefix}/accounts/login/")
    found += violations(page, "login")

    log_in(page, live_server, coordinator)
    busiest = (Recommendation.objects.exclude(paragraph="").annotate(tags=Count("terms"))
               .order_by("-tags", "pk").first())
    for address in ("/recommendations/?q=Roma&position=noted",
                    f"/recommendations/{busiest.pk}/",
                    "/imports/",
                    refused_run.get_absolute_url().removeprefix(prefix)):
        page.goto(f"{live_server.url}{prefix}{address}")
        assert page.locator("html").get_attribute("lang") == language
        found += violations(page, address)
    assert found == [], "\n".join(found)
    assert browser_problems == []
