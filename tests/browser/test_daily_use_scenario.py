"""Issue 9's "done means", as a new user would try it: with a real UPR Info file imported
(the 7,984 rows of sessions 17–20, 146 states under review), a coordinator reading in
Arabic on a phone-sized window starts from every state, chooses Slovenia as the state
under review and Austria as the recommending state — both from facets shown in full and
narrowed by typing their Arabic names —, and downloads the result as an Excel workbook,
which holds exactly the recommendations the list shows and reads from the right.

Data: ../shared/data/raw/upr_info_sessions_01-20/upr_info_17-20.csv through the import
pipeline (skipped where the shared folder is absent)."""

import io
import re

import pytest
from django.http import QueryDict
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from nmirf.recommendations.filters import RecommendationFilter
from nmirf.recommendations.models import Recommendation
from tests.conftest import shared_file

from .helpers import log_in

pytestmark = [pytest.mark.browser]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def upr_info_17_20(transactional_db, reference_data):
    from nmirf.ingest.pipeline import InputFile, run_import, start_run

    path = shared_file("upr_info_sessions_01-20", "upr_info_17-20.csv")
    files = [InputFile(path=path, name=path.name)]
    run = run_import(start_run("upr_info", files), files)
    assert run.status == "succeeded", run.message


def choose_in_full_facet(page: Page, key: str, typed: str, iso3: str) -> None:
    """Open the filters panel, show the facet `key` in full, type `typed` in its box and
    follow the one value left."""
    page.locator("#filters-button").click()
    facet = page.locator(f'#filters-panel [data-facet="{key}"]')
    facet.locator("a.facet-more").click()
    box = page.locator(f"#facet-filter-{key}")
    expect(box).to_be_focused()
    box.fill(typed)
    choice = page.locator(f"#facet-list-{key} li:visible a[href*='{key}={iso3}']")
    expect(choice).to_have_count(1)
    choice.click()
    expect(page).to_have_url(re.compile(rf"[?&]{key}={iso3}(&|$)"))


def test_austria_to_slovenia_in_arabic_on_a_phone_downloaded_as_xlsx(
    live_server, upr_info_17_20, coordinator, page: Page, browser_problems
):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, coordinator, then="/recommendations/?state=all")
    page.goto(f"{live_server.url}/ar/recommendations/?state=all")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")

    choose_in_full_facet(page, "state", "سلوفينيا", "SVN")
    choose_in_full_facet(page, "recommending", "النمسا", "AUT")

    wanted = list(RecommendationFilter(
        QueryDict("state=SVN&recommending=AUT"), Recommendation.objects.active())
        .qs.values_list("pk", flat=True))
    assert len(wanted) == 3  # Austria's three recommendations to Slovenia at UPR 20
    expect(page.locator("#results-heading")).to_have_text(re.compile(r"\b3\b|٣"))
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]

    with page.expect_download() as info:
        page.locator("#results nav a", has_text="XLSX").click()
    with open(info.value.path(), "rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == wanted
    assert sheet.sheet_view.rightToLeft
    assert browser_problems == []
