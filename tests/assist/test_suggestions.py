"""`nmirf assist suggest` and the decisions on suggestions: labels proposed for the
recommendations of a list, each with its score, reason and model version, never a label
a recommendation has or one a person has decided; nothing applied until a person accepts
it, and then written as the ordinary label and recorded in the history like any edit."""

import pytest
from django.core.management import CommandError, call_command

from nmirf.assist import decisions
from nmirf.assist.models import Kind, State, Suggestion
from nmirf.audit.models import Action, AuditEvent
from nmirf.recommendations.models import RecommendationTerm
from tests.assist.builders import (
    TORTURE,
    issue,
    labelled_registry,
    labels_of,
    term_suggestion,
    trained_and_suggested,
)
from tests.conftest import registry_snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry():
    return labelled_registry()


def pending_labels(rec) -> set:
    return {(s.kind, s.term.code if s.term_id else s.action_category)
            for s in Suggestion.objects.pending().filter(recommendation=rec)}


# ── Suggesting ──────────────────────────────────────────────────────────────────────────

def test_it_suggests_issues_and_a_category_for_what_has_none(registry, capsys):
    call_command("assist", "train", "--no-progress")
    before = registry_snapshot()
    call_command("assist", "suggest", "--no-progress")

    labels = pending_labels(registry.torture)
    assert (Kind.TERM, TORTURE) in labels
    assert (Kind.TERM, "International instruments") in labels
    assert (Kind.ACTION_CATEGORY, 5) in labels
    assert (Kind.TERM, "Right to education") in pending_labels(registry.education)
    suggestion = term_suggestion(registry.torture, TORTURE)
    assert suggestion.state == State.PENDING
    assert suggestion.model_name == "upr-info" and len(suggestion.model_version) == 12
    assert suggestion.score > 0
    assert any("torture" in words for words in suggestion.reason_words)
    # Nothing is applied: the registry is as it was.
    assert registry_snapshot() == before
    assert labels_of(registry.torture) == (set(), None)
    assert "suggestions for 40 recommendations" in capsys.readouterr().out


def test_a_labelled_recommendation_gets_nothing_it_has(registry):
    trained_and_suggested()
    # Its issue and category are there: nothing to propose by default.
    assert pending_labels(registry.labelled) == set()
    trained_and_suggested(also_labelled=True)
    assert (Kind.TERM, "Women's rights") not in pending_labels(registry.labelled)
    assert not Suggestion.objects.filter(recommendation=registry.labelled,
                                         kind=Kind.ACTION_CATEGORY).exists()


def test_a_recommendation_in_another_language_is_skipped_and_said(registry, capsys):
    call_command("assist", "train", "--no-progress")
    call_command("assist", "suggest", "--no-progress")
    assert pending_labels(registry.french) == set()
    assert ("1 recommendations in “fr” were skipped: the model was trained on en only"
            in capsys.readouterr().err)


def test_the_query_narrows_the_list(registry):
    call_command("assist", "train", "--no-progress")
    call_command("assist", "suggest", "--query", f"review={registry.review.pk}&q=torture",
                 "--no-progress")
    assert {s.recommendation_id for s in Suggestion.objects.all()} == {registry.torture.pk}


def test_a_query_the_list_does_not_understand_is_refused(registry):
    call_command("assist", "train", "--no-progress")
    with pytest.raises(CommandError, match="Unknown parameter: colour"):
        call_command("assist", "suggest", "--query", "colour=red", "--no-progress")
    assert not Suggestion.objects.exists()


def test_a_decided_label_is_never_proposed_again(registry, coordinator):
    trained_and_suggested()
    rejected = term_suggestion(registry.torture, TORTURE)
    decisions.decide(rejected, False, user=coordinator)
    pending_before = Suggestion.objects.pending().count()
    trained_and_suggested()
    assert Suggestion.objects.filter(recommendation=registry.torture,
                                     term=issue(TORTURE)).count() == 1
    assert Suggestion.objects.get(pk=rejected.pk).state == State.REJECTED
    # The pending ones are replaced by the new run's, not added to.
    assert Suggestion.objects.pending().count() == pending_before


# ── Deciding ────────────────────────────────────────────────────────────────────────────

def test_accepting_an_issue_writes_the_label_and_its_history(registry, coordinator):
    trained_and_suggested()
    suggestion = term_suggestion(registry.torture, TORTURE)
    decisions.decide(suggestion, True, user=coordinator)

    suggestion.refresh_from_db()
    assert suggestion.state == State.ACCEPTED
    assert suggestion.decided_by == coordinator and suggestion.decided_at is not None
    assert labels_of(registry.torture)[0] == {TORTURE}
    event = AuditEvent.objects.get(target_id=str(registry.torture.pk))
    assert event.action == Action.CHANGED and event.actor == coordinator
    assert event.before == {"terms": []}
    assert event.after == {"terms": [TORTURE]}


def test_accepting_a_category_sets_it_and_its_history(registry, coordinator):
    trained_and_suggested()
    suggestion = Suggestion.objects.get(recommendation=registry.torture,
                                        kind=Kind.ACTION_CATEGORY)
    decisions.decide(suggestion, True, user=coordinator)
    assert labels_of(registry.torture)[1] == 5
    event = AuditEvent.objects.get(target_id=str(registry.torture.pk))
    assert event.before == {"action_category": None}
    assert event.after == {"action_category": "5 — Specific action"}


def test_rejecting_records_the_decision_and_writes_no_label(registry, coordinator):
    trained_and_suggested()
    suggestion = term_suggestion(registry.torture, TORTURE)
    before = registry_snapshot()
    decisions.decide(suggestion, False, user=coordinator)
    suggestion.refresh_from_db()
    assert suggestion.state == State.REJECTED and suggestion.decided_by == coordinator
    assert registry_snapshot() == before
    assert not AuditEvent.objects.filter(action=Action.CHANGED).exists()


@pytest.mark.parametrize("first", [True, False])
def test_a_decided_suggestion_cannot_be_decided_again(registry, coordinator, administrator,
                                                      first):
    trained_and_suggested()
    suggestion = term_suggestion(registry.torture, TORTURE)
    decisions.decide(suggestion, first, user=coordinator)
    before, events = registry_snapshot(), AuditEvent.objects.count()
    word = "accepted" if first else "rejected"
    with pytest.raises(decisions.DecisionRefused,
                       match=f"already {word} by carla-coordinator on"):
        decisions.decide(suggestion, not first, user=administrator)
    assert registry_snapshot() == before and AuditEvent.objects.count() == events
    assert Suggestion.objects.get(pk=suggestion.pk).decided_by == coordinator


def test_a_category_that_changed_meanwhile_is_refused(registry, coordinator):
    trained_and_suggested()
    suggestion = Suggestion.objects.get(recommendation=registry.torture,
                                        kind=Kind.ACTION_CATEGORY)
    registry.torture.action_category = 2
    registry.torture.save()
    with pytest.raises(decisions.DecisionRefused, match="has an action category already"):
        decisions.decide(suggestion, True, user=coordinator)
    assert Suggestion.objects.get(pk=suggestion.pk).state == State.PENDING
    assert labels_of(registry.torture)[1] == 2


def test_one_label_accepted_for_many_at_once(registry, coordinator):
    trained_and_suggested()
    chosen = Suggestion.objects.pending().filter(kind=Kind.TERM,
                                                 term=issue("International instruments"))
    recs = set(chosen.values_list("recommendation_id", flat=True))
    assert registry.torture.pk in recs
    outcome = decisions.decide_many(chosen, True, user=coordinator)
    assert outcome.decided == len(recs)
    assert set(RecommendationTerm.objects.filter(
        term=issue("International instruments"), recommendation_id__in=recs).values_list(
        "recommendation_id", flat=True)) == recs
    assert AuditEvent.objects.filter(action=Action.CHANGED).count() == len(recs)
    assert not Suggestion.objects.pending().filter(
        term=issue("International instruments")).exists()


# ── The demo ────────────────────────────────────────────────────────────────────────────

def test_the_demo_carries_suggestions_a_coordinator_can_accept(db, capsys, coordinator):
    """`make run` loads the demo: the model learns from its labelled UPR Info rows and
    suggests labels for the matrices' cycle-3 and cycle-4 recommendations, which have
    none; a second run learns from the label accepted meanwhile (a new version) and
    keeps what was decided."""
    from nmirf.recommendations.models import Recommendation

    call_command("load_demo")
    out = capsys.readouterr().out
    assert "Suggestions: model upr-info version " in out
    unlabelled = Recommendation.objects.active().filter(review__session=48).exclude(
        terms__taxonomy__code="upr_info_issues")
    assert unlabelled.exists()
    with_suggestions = Suggestion.objects.pending().filter(
        kind=Kind.TERM, recommendation__in=unlabelled).values("recommendation").distinct()
    assert with_suggestions.count() == unlabelled.count()
    labelled = Recommendation.objects.filter(terms__taxonomy__code="upr_info_issues")
    assert not Suggestion.objects.filter(kind=Kind.TERM, recommendation__in=labelled).exists()
    first = Suggestion.objects.pending().filter(kind=Kind.TERM).order_by("-score").first()
    decisions.decide(first, True, user=coordinator)
    version = first.model_version

    call_command("load_demo")
    out = capsys.readouterr().out
    assert "Suggestions: model upr-info version " in out
    assert f"version {version} " not in out
    assert Suggestion.objects.get(pk=first.pk).state == State.ACCEPTED
