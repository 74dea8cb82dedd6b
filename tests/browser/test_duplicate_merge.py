"""What a coordinator sees when two copies of one recommendation are made one, in headless
Chromium: "Same recommendation…" shows which copy stays and what it takes from the other
before anything changes; confirming archives the other; the merge is listed, with who
decided it, on the page of the one that stays, and "Undo this merge" puts both back.

Data: the shipped demo files, imported through the pipeline (tests/browser/conftest.py),
one of them flagged here as a possible duplicate of another."""

import pytest
from playwright.sync_api import Page, expect

from nmirf.recommendations.models import Merge, Recommendation

from .helpers import log_in

pytestmark = [pytest.mark.browser]


def test_a_coordinator_merges_two_copies_and_undoes_it(
    live_server, registry, coordinator, page: Page, browser_problems
):
    # Two recommendations of one review, the second flagged against the first (as an import
    # flags a near copy from another source).
    first = Recommendation.objects.active().order_by("pk").first()
    flagged = Recommendation.objects.active().filter(review=first.review).exclude(
        pk=first.pk).order_by("pk").first()
    Recommendation.objects.filter(pk=flagged.pk).update(possible_duplicate_of=first)
    log_in(page, live_server, coordinator)
    page.goto(f"{live_server.url}/recommendations/{flagged.pk}/")
    page.get_by_role("button", name="Same recommendation…").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Make these two one recommendation?")
    expect(page.locator("#kept-heading")).to_contain_text("Stays")
    expect(page.locator("#merged-heading")).to_contain_text("Is archived")
    assert not Merge.objects.exists()  # nothing changed yet
    page.get_by_role("button", name="Yes, they are one recommendation").click()

    merge = Merge.objects.get()
    expect(page).to_have_url(f"{live_server.url}/recommendations/{merge.kept_id}/")
    merged_item = page.locator("li.merge")
    expect(merged_item).to_contain_text(coordinator.username)
    assert Recommendation.objects.get(pk=merge.merged_id).archived

    page.get_by_role("button", name="Undo this merge").click()
    expect(page.get_by_role("alert").or_(page.get_by_role("status")).filter(
        has_text="The merge is undone")).to_be_visible()
    expect(page.locator("li.merge")).to_contain_text("Undone by")
    assert not Recommendation.objects.get(pk=merge.merged_id).archived
    assert browser_problems == []
