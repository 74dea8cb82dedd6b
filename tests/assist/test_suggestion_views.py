"""Suggested labels in the web UI: the "Suggested labels" section of a recommendation's
page with Accept and Reject for the secretariat, and the page that decides one label for
a whole filtered list. Everyone else gets 403 and nothing changes; a forged or foreign
suggestion, or one already decided, is refused with the reason and nothing changes."""

import pytest
from django.urls import reverse

from nmirf.assist.models import Kind, State, Suggestion
from nmirf.audit.models import Action, AuditEvent
from tests.accounts.access_matrix import changed_tables, snapshot
from tests.assist.builders import (
    TORTURE,
    issue,
    labelled_registry,
    labels_of,
    term_suggestion,
    trained_and_suggested,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry():
    r = labelled_registry()
    r.loaded = trained_and_suggested()
    return r


def detail(rec) -> str:
    return reverse("recommendations:detail", args=[rec.pk])


def decide_url(rec, suggestion) -> str:
    return reverse("assist:decide", args=[rec.pk, suggestion.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# ── One at a time, on the recommendation's page ────────────────────────────────────────

def test_the_page_shows_each_suggestion_with_score_reason_and_model(registry,
                                                                    coordinator_client):
    html = coordinator_client.get(detail(registry.torture)).content.decode()
    suggestion = term_suggestion(registry.torture, TORTURE)
    assert "Suggested labels" in html
    assert TORTURE in html
    assert f"score {suggestion.score:.2f}" in html
    assert "words that weighed most:" in html and "torture" in html
    assert f"model upr-info, version {registry.loaded.version}" in html
    assert decide_url(registry.torture, suggestion) in html


@pytest.mark.parametrize("persona", ["focal_point_client", "observer_client"])
def test_others_do_not_see_the_section(registry, persona, request):
    from nmirf.consultation import services

    services.set_shared(registry.torture, True, user=None)
    response = request.getfixturevalue(persona).get(detail(registry.torture))
    assert response.status_code == 200
    assert "Suggested labels" not in response.content.decode()


def test_a_coordinator_accepts_a_suggestion(registry, coordinator_client, coordinator):
    suggestion = term_suggestion(registry.torture, TORTURE)
    response = coordinator_client.post(decide_url(registry.torture, suggestion),
                                       {"decision": "accept"}, follow=True)
    assert messages_of(response) == [f"Accepted: {TORTURE}."]
    assert TORTURE in labels_of(registry.torture)[0]
    suggestion.refresh_from_db()
    assert suggestion.state == State.ACCEPTED and suggestion.decided_by == coordinator
    event = AuditEvent.objects.get(target_id=str(registry.torture.pk))
    assert event.actor == coordinator and event.after == {"terms": [TORTURE]}
    # Decided, it no longer waits on the page.
    assert decide_url(registry.torture, suggestion) not in response.content.decode()


def test_a_coordinator_rejects_a_suggestion(registry, coordinator_client):
    suggestion = term_suggestion(registry.torture, TORTURE)
    response = coordinator_client.post(decide_url(registry.torture, suggestion),
                                       {"decision": "reject"}, follow=True)
    assert messages_of(response) == [f"Rejected: {TORTURE}."]
    assert Suggestion.objects.get(pk=suggestion.pk).state == State.REJECTED
    assert labels_of(registry.torture) == (set(), None)


@pytest.mark.parametrize("persona", ["focal_point_client", "observer_client"])
def test_others_are_refused_and_nothing_changes(registry, persona, request):
    suggestion = term_suggestion(registry.torture, TORTURE)
    client = request.getfixturevalue(persona)
    before = snapshot()
    response = client.post(decide_url(registry.torture, suggestion), {"decision": "accept"})
    assert response.status_code == 403
    assert changed_tables(before, snapshot()) == []


def test_a_forged_suggestion_id_is_not_found(registry, coordinator_client):
    before = snapshot()
    response = coordinator_client.post(
        reverse("assist:decide", args=[registry.torture.pk, 999_999]), {"decision": "accept"})
    assert response.status_code == 404
    assert changed_tables(before, snapshot()) == []


def test_a_suggestion_of_another_recommendation_is_not_found(registry, coordinator_client):
    other = term_suggestion(registry.education, "Right to education")
    before = snapshot()
    response = coordinator_client.post(decide_url(registry.torture, other),
                                       {"decision": "accept"})
    assert response.status_code == 404
    assert changed_tables(before, snapshot()) == []


def test_a_decided_suggestion_decided_again_says_so(registry, coordinator_client):
    suggestion = term_suggestion(registry.torture, TORTURE)
    coordinator_client.post(decide_url(registry.torture, suggestion), {"decision": "reject"})
    before = snapshot()
    response = coordinator_client.post(decide_url(registry.torture, suggestion),
                                       {"decision": "accept"}, follow=True)
    # The first decision's message, then the refusal.
    message = messages_of(response)[-1]
    assert message.startswith("This suggestion was already rejected by carla-coordinator on")
    assert changed_tables(before, snapshot()) == []


def test_a_decision_that_is_neither_is_refused(registry, coordinator_client):
    suggestion = term_suggestion(registry.torture, TORTURE)
    before = snapshot()
    response = coordinator_client.post(decide_url(registry.torture, suggestion),
                                       {"decision": "maybe"}, follow=True)
    assert messages_of(response) == ["Choose Accept or Reject."]
    assert changed_tables(before, snapshot()) == []


# ── One label for a whole list ──────────────────────────────────────────────────────────

def bulk_url(query: str = "") -> str:
    return reverse("assist:review_from_list") + (f"?{query}" if query else "")


def test_the_list_page_groups_the_pending_suggestions_by_label(registry, coordinator_client):
    response = coordinator_client.get(bulk_url(f"review={registry.review.pk}"))
    groups = {group["label"]: group["count"] for group in response.context["groups"]}
    expected = Suggestion.objects.pending().filter(
        recommendation__review=registry.review, kind=Kind.TERM,
        term=issue("International instruments")).count()
    assert groups["International instruments"] == expected
    assert response.context["count"] == 4  # the list's recommendations
    assert f"term:{issue(TORTURE).pk}" in response.content.decode()


def test_the_list_page_accepts_a_label_for_all_of_them(registry, coordinator_client):
    query = f"review={registry.review.pk}"
    chosen = Suggestion.objects.pending().filter(recommendation__review=registry.review,
                                                 term=issue(TORTURE))
    recs = set(chosen.values_list("recommendation_id", flat=True))
    response = coordinator_client.post(bulk_url(), {
        "query": query, "label": f"term:{issue(TORTURE).pk}", "decision": "accept"},
        follow=True)
    assert messages_of(response)[0].startswith(f"{len(recs)} suggestion")
    assert recs and recs <= set(issue(TORTURE).recommendations.values_list("pk", flat=True))
    assert not chosen.exists()
    assert AuditEvent.objects.filter(action=Action.CHANGED).count() == len(recs)


def test_the_list_page_rejects_a_label_for_all_of_them(registry, coordinator_client):
    label = issue("International instruments")
    before_terms = set(label.recommendations.values_list("pk", flat=True))
    coordinator_client.post(bulk_url(), {"query": "", "label": f"term:{label.pk}",
                                         "decision": "reject"})
    assert not Suggestion.objects.pending().filter(term=label).exists()
    assert Suggestion.objects.filter(term=label, state=State.REJECTED).exists()
    assert set(label.recommendations.values_list("pk", flat=True)) == before_terms


@pytest.mark.parametrize(("label", "message"), [
    ("term:999999", "No suggestion of this label waits in the list any more."),
    ("bogus", "Choose one of the labels listed."),
])
def test_the_list_page_refuses_a_label_it_did_not_offer(registry, coordinator_client, label,
                                                         message):
    before = snapshot()
    response = coordinator_client.post(bulk_url(), {"query": "", "label": label,
                                                    "decision": "accept"})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert changed_tables(before, snapshot()) == []


@pytest.mark.parametrize("persona", ["focal_point_client", "observer_client"])
def test_the_list_page_refuses_others(registry, persona, request):
    client = request.getfixturevalue(persona)
    assert client.get(bulk_url()).status_code == 403
    before = snapshot()
    response = client.post(bulk_url(), {"query": "", "label": f"term:{issue(TORTURE).pk}",
                                        "decision": "accept"})
    assert response.status_code == 403
    assert changed_tables(before, snapshot()) == []


def test_the_list_offers_the_review_to_the_secretariat_only(registry, coordinator_client,
                                                            focal_point_client):
    link = reverse("assist:review_from_list") + "?position=supported"
    list_url = reverse("recommendations:list") + "?position=supported"
    assert link in coordinator_client.get(list_url).content.decode()
    assert reverse("assist:review_from_list") not in focal_point_client.get(
        list_url).content.decode()
