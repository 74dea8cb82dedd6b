"""What a reader sees of two helps, in headless Chromium, in English and in Arabic: a
misspelt search offers "Did you mean …?", whose link runs the corrected search; and a
recommendation's page lists the same text in earlier reviews, each saying which review,
paragraph and position, with the words that changed marked (struck through and underlined,
not by colour alone).

Data: the shipped demo files (Slovenia, UPR 7, 20, 34 and 48), imported through the
pipeline (tests/browser/conftest.py)."""

import re

import pytest
from playwright.sync_api import Page, expect

from nmirf.assist.similarity import repeats_of
from nmirf.recommendations.models import Recommendation

from .helpers import log_in

pytestmark = [pytest.mark.browser]


def _prefix(language: str) -> str:
    return "" if language == "en" else f"/{language}"


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_misspelt_search_offers_the_word_the_registry_holds(
    live_server, registry, coordinator, page: Page, browser_problems, language
):
    log_in(page, live_server, coordinator)
    page.goto(f"{live_server.url}{_prefix(language)}/recommendations/?q=discrimnation")
    suggestion = page.locator("#search-suggestion a")
    expect(suggestion).to_have_text("discrimination")
    suggestion.click()
    expect(page).to_have_url(re.compile(r"[?&]q=discrimination(&|$)"))
    expect(page.locator("#id_q")).to_have_value("discrimination")
    expect(page.locator("#search-suggestion")).to_have_count(0)
    expect(page.locator("#results mark").first).to_be_visible()
    assert browser_problems == []


def _with_a_near_repeat() -> tuple[Recommendation, Recommendation]:
    for rec in Recommendation.objects.active().order_by("-review__session", "pk"):
        near = [repeat for repeat in repeats_of(rec) if not repeat.exact]
        if near:
            return rec, near[0].recommendation
    pytest.fail("the demo has no recommendation repeated with a few words changed")


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_repeat_says_where_it_comes_from_and_marks_what_changed(
    live_server, registry, coordinator, page: Page, browser_problems, language
):
    rec, earlier = _with_a_near_repeat()
    log_in(page, live_server, coordinator)
    page.goto(f"{live_server.url}{_prefix(language)}/recommendations/{rec.pk}/")
    repeat = page.locator("li.repeat").filter(
        has=page.locator(f'a[href$="/recommendations/{earlier.pk}/"]'))
    expect(repeat).to_have_count(1)
    if earlier.paragraph:
        expect(repeat.locator(".repeat-facts")).to_contain_text(earlier.paragraph)
    # What changed is marked by more than colour: struck through, underlined.
    changed = repeat.locator(".text-difference").locator("del, ins")
    expect(changed.first).to_be_visible()
    decoration = changed.first.evaluate("e => getComputedStyle(e).textDecorationLine")
    assert decoration in ("line-through", "underline")
    repeat.locator(f'a[href$="/recommendations/{earlier.pk}/"]').first.click()
    expect(page).to_have_url(re.compile(rf"/recommendations/{earlier.pk}/$"))
    assert browser_problems == []
