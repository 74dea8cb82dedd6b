"""What a coordinator sees of suggested labels, in headless Chromium: on a recommendation
of the demo that has no UPR Info issue, the "Suggested labels" section lists what the
model (trained on the demo's labelled rows, as `make run` does) proposes, with its score,
reason and model version; Accept writes the label, which the page then shows under
Classification, and the suggestion no longer waits.

Data: the shipped demo files, imported through the pipeline (tests/browser/conftest.py)."""

import pytest
from playwright.sync_api import Page, expect

from nmirf.assist.demo import load_suggestions
from nmirf.assist.models import Kind, State, Suggestion

from .helpers import DEMO, log_in

pytestmark = [pytest.mark.browser]


def test_a_coordinator_accepts_a_suggested_issue(
    live_server, registry, coordinator, page: Page, browser_problems
):
    header, outcome = load_suggestions(DEMO / "upr_info_slovenia_sessions_07_20.csv")
    assert outcome.issues > 0
    suggestion = (Suggestion.objects.pending().filter(kind=Kind.TERM)
                  .select_related("term").order_by("-score", "pk").first())
    rec = suggestion.recommendation
    label = suggestion.term.label
    log_in(page, live_server, coordinator, then=f"/recommendations/{rec.pk}/")

    section = page.locator("section", has=page.locator("#suggestions-heading"))
    expect(section).to_contain_text(label)
    expect(section).to_contain_text(f"model upr-info, version {header['version']}")
    classification = page.locator("section", has=page.locator("#terms-heading"))
    expect(classification).not_to_contain_text(label)
    section.get_by_role("button", name=f"Accept — {label}").click()

    expect(page.get_by_role("alert").or_(page.get_by_role("status")).filter(
        has_text=f"Accepted: {label}.")).to_be_visible()
    expect(page.locator("section", has=page.locator("#terms-heading"))).to_contain_text(label)
    assert Suggestion.objects.get(pk=suggestion.pk).state == State.ACCEPTED
    assert rec.terms.filter(pk=suggestion.term_id).exists()
    assert browser_problems == []
