"""The registry on a phone (390 × 844, in English and in Arabic): the filters are one button
away from the top of the list — a panel (Bootstrap's offcanvas) that slides in over the
page —, choosing a state under review there narrows the list, a facet shown in full can be
narrowed by typing, and neither the list nor a recommendation's page is wider than the
screen.

Data: the shipped demo files (Slovenia), and three recommendations to Austria written
straight to the tables, so that the state facet has a value that narrows."""

import re

import pytest
from django.http import QueryDict
from playwright.sync_api import Page, expect

from nmirf.recommendations.filters import RecommendationFilter
from nmirf.recommendations.models import Recommendation
from tests.recommendations.builders import make_rec, make_review

from .helpers import log_in

pytestmark = [pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
WIDTH = "() => document.documentElement.scrollWidth"


@pytest.fixture
def two_states(registry):
    review = make_review("AUT", "UPR", session=23, cycle=2)
    for n in range(3):
        make_rec(review, f"Austria should act on recommendation {n}.", paragraph=f"92.{n}")


def open_list(page: Page, live_server, coordinator, language: str) -> None:
    page.set_viewport_size(PHONE)
    log_in(page, live_server, coordinator)
    if language != "en":
        page.goto(f"{live_server.url}/{language}/recommendations/")
        expect(page.locator("html")).to_have_attribute("lang", language)


def expect_count(page: Page, number: int) -> None:
    expect(page.locator("#results-heading")).to_have_text(re.compile(rf"^\D*{number}(\D|$)"))


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_filters_are_a_button_away_and_a_state_narrows_the_list(
    live_server, two_states, coordinator, page: Page, browser_problems, language
):
    open_list(page, live_server, coordinator, language)
    expect_count(page, RecommendationFilter(QueryDict("")).qs.count())
    button = page.locator("#filters-button")
    expect(button).to_be_visible()
    expect(button).to_be_in_viewport()  # without scrolling
    panel = page.locator("#filters-panel")
    expect(panel).not_to_be_in_viewport()
    assert page.evaluate(WIDTH) <= PHONE["width"]

    button.click()
    expect(panel).to_be_visible()
    expect(panel).to_be_in_viewport()
    austria = panel.locator('[data-facet="state"] a[href*="state=AUT"]')
    expect(austria).to_be_visible()
    austria.click()
    expect(page).to_have_url(re.compile(r"state=AUT"))
    expect_count(page, 3)
    # The panel closed with the new results, and gave the page back its scrolling.
    expect(page.locator(".offcanvas-backdrop")).to_have_count(0)
    expect(page.locator("#filters-panel")).not_to_be_in_viewport()
    page.wait_for_function("() => getComputedStyle(document.body).overflow !== 'hidden'",
                           timeout=2000)
    assert page.evaluate(WIDTH) <= PHONE["width"]
    assert browser_problems == []


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_facet_in_full_is_narrowed_by_typing(
    live_server, two_states, coordinator, page: Page, browser_problems, language
):
    open_list(page, live_server, coordinator, language)
    page.locator("#filters-button").click()
    facet = page.locator('#filters-panel [data-facet="recommending"]')
    short = facet.locator("li").count()
    facet.locator("a.facet-more").click()
    box = page.locator("#facet-filter-recommending")
    expect(box).to_be_focused()
    items = page.locator("#facet-list-recommending li")
    expect(items).not_to_have_count(short)
    total = items.count()
    assert total > short
    last = items.last.locator("bdi").inner_text()
    box.fill(last)
    expect(items.last).to_be_visible()
    visible = page.locator("#facet-list-recommending li:visible")
    assert 1 <= visible.count() < total
    box.fill("")
    expect(visible).to_have_count(total)
    assert page.evaluate(WIDTH) <= PHONE["width"]
    assert browser_problems == []


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_recommendation_page_fits_a_phone(
    live_server, two_states, coordinator, page: Page, browser_problems, language
):
    open_list(page, live_server, coordinator, language)
    # The one with the most sources (a recommendation seen in two imports).
    rec = max(Recommendation.objects.active(), key=lambda r: (r.sources.count(), -r.pk))
    prefix = "" if language == "en" else f"/{language}"
    page.goto(f"{live_server.url}{prefix}/recommendations/{rec.pk}/")
    expect(page.locator("blockquote").first).to_be_visible()
    assert page.evaluate(WIDTH) <= PHONE["width"]
    assert browser_problems == []


def test_the_list_opens_on_the_home_state_and_all_states_are_one_click_away(
    live_server, two_states, coordinator, page: Page, browser_problems, settings
):
    settings.NMIRF_HOME_STATE, settings.NMIRF_LIST_HOME_SCOPE = "SVN", True
    page.set_viewport_size(PHONE)
    log_in(page, live_server, coordinator, then="/recommendations/?state=all")
    page.goto(f"{live_server.url}/recommendations/")
    expect(page).to_have_url(f"{live_server.url}/recommendations/?state=SVN")
    expect(page.locator("#scope-notice")).to_contain_text("Slovenia")
    expect_count(page, RecommendationFilter(QueryDict("state=SVN")).qs.count())
    page.locator("#all-states-link").click()
    expect(page).to_have_url(re.compile(r"state=all"))
    expect_count(page, RecommendationFilter(QueryDict("")).qs.count())
    # A new search keeps every state.
    page.locator("#id_q").fill("Austria")
    page.locator("#filter-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"q=Austria.*state=all|state=all.*q=Austria"))
    # (Austria's name finds the recommendations to Austria and those Austria made.)
    expect_count(page, RecommendationFilter(QueryDict("q=Austria")).qs.count())
    assert browser_problems == []
