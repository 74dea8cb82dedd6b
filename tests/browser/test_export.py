"""Taking a list away, in headless Chromium: in Arabic, a coordinator searches, narrows by a
facet (the list is updated in place by htmx) and downloads the list as it now is, as an
Excel workbook and as CSV; the files hold exactly the recommendations the list shows, in
its order, and the workbook reads from the right.

Data: the shipped demo files, imported through the pipeline (tests/browser/conftest.py)."""

import csv
import io
import re

import pytest
from django.http import QueryDict
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from nmirf.recommendations.filters import RecommendationFilter
from nmirf.recommendations.models import Recommendation

from .helpers import log_in

pytestmark = [pytest.mark.browser]


def expected_ids(query: str) -> list[int]:
    return list(RecommendationFilter(QueryDict(query), Recommendation.objects.active())
                .qs.values_list("pk", flat=True))


def download(page: Page, link_text: str) -> bytes:
    with page.expect_download() as info:
        page.locator("#results nav a", has_text=link_text).click()
    path = info.value.path()
    with open(path, "rb") as handle:
        return handle.read()


def test_a_coordinator_downloads_the_narrowed_list_in_arabic_as_xlsx_and_csv(
    live_server, registry, coordinator, page: Page, browser_problems
):
    log_in(page, live_server, coordinator)
    page.goto(live_server.url + "/ar/recommendations/")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    page.locator("#id_q").fill("Roma")
    page.locator("#filter-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"[?&]q=Roma(&|$)"))  # htmx swapped the results in
    page.locator('section[data-facet="position"] a[href*="position=noted"]').click()
    expect(page).to_have_url(re.compile(r"[?&]position=noted(&|$)"))
    wanted = expected_ids("q=Roma&position=noted")
    assert wanted

    sheet = load_workbook(io.BytesIO(download(page, "XLSX"))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == wanted
    assert sheet.sheet_view.rightToLeft

    text = download(page, "CSV").decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert [int(row[0]) for row in rows[1:]] == wanted
    assert browser_problems == []
