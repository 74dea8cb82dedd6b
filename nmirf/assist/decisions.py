"""A person's decision on suggestions: accepting one writes the ordinary label (a term
link, or the action category) and records it in the recommendation's history like any
edit; rejecting one records the decision, so that the label is never proposed again for
that recommendation. One by one (`decide`) or for one label across a list (`decide_many`).

Refused, with the reason and nothing written: a suggestion already decided, one of an
archived recommendation, and an action category where the recommendation meanwhile got
another one.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from nmirf import audit
from nmirf.audit.changes import tracking
from nmirf.audit.models import Action
from nmirf.recommendations.models import ActionCategory, Recommendation, RecommendationTerm

from .models import Kind, State, Suggestion


class DecisionRefused(Exception):
    """The decision cannot be made; the message says why."""


def _already_decided(suggestion: Suggestion) -> DecisionRefused:
    who = suggestion.decided_by.get_username() if suggestion.decided_by else _("someone")
    when = (date_format(timezone.localtime(suggestion.decided_at), "DATETIME_FORMAT")
            if suggestion.decided_at else "—")
    message = (_("This suggestion was already accepted by %(who)s on %(when)s.")
               if suggestion.state == State.ACCEPTED else
               _("This suggestion was already rejected by %(who)s on %(when)s."))
    return DecisionRefused(message % {"who": who, "when": when})


@transaction.atomic
def decide(suggestion: Suggestion, accept: bool, *, user, request=None) -> Suggestion:
    # Locked alone ("self"): PostgreSQL refuses FOR UPDATE on the nullable side of the
    # outer joins to the term and the person.
    current = (Suggestion.objects.select_for_update(of=("self",)).select_related(
        "recommendation", "term", "decided_by").get(pk=suggestion.pk))
    if not current.is_pending:
        raise _already_decided(current)
    rec = current.recommendation
    if rec.archived:
        raise DecisionRefused(_("This recommendation is archived: its suggestions are not "
                                "decided any more."))
    if accept:
        _apply(current, rec, user=user, request=request)
    current.state = State.ACCEPTED if accept else State.REJECTED
    current.decided_by, current.decided_at = user, timezone.now()
    current.save(update_fields=["state", "decided_by", "decided_at"])
    return current


def _apply(suggestion: Suggestion, rec: Recommendation, *, user, request) -> None:
    if suggestion.kind == Kind.TERM:
        with tracking(rec, actor=user, request=request):
            RecommendationTerm.objects.get_or_create(recommendation=rec, term=suggestion.term)
        return
    if rec.action_category not in (None, suggestion.action_category):
        raise DecisionRefused(_("This recommendation has an action category already (%(current)s): "
                                "reject the suggestion, or change the category in the admin.")
                              % {"current": rec.get_action_category_display()})
    with tracking(rec, actor=user, request=request):
        rec.action_category = suggestion.action_category
        rec.save(update_fields=["action_category", "updated_at"])
    # One category per recommendation: another one waiting is moot now.
    Suggestion.objects.filter(recommendation=rec, kind=Kind.ACTION_CATEGORY,
                              state=State.PENDING).exclude(pk=suggestion.pk).delete()


@dataclass
class BulkOutcome:
    decided: int = 0
    left: int = 0  # action categories left pending: the recommendation has another now


@transaction.atomic
def decide_many(suggestions, accept: bool, *, user) -> BulkOutcome:
    """Accept or reject the pending suggestions of `suggestions` (a queryset of one label's
    suggestions) in a few set-based statements: one history event per recommendation
    changed, as an edit one by one would leave."""
    pending = list(suggestions.select_for_update(of=("self",)).filter(state=State.PENDING)
                   .exclude(recommendation__archived=True).select_related("term"))
    outcome = BulkOutcome()
    if accept:
        pending, outcome.left = _apply_many(pending, user)
    Suggestion.objects.filter(pk__in=[s.pk for s in pending]).update(
        state=State.ACCEPTED if accept else State.REJECTED, decided_by=user,
        decided_at=timezone.now())
    outcome.decided = len(pending)
    return outcome


def _apply_many(pending: list[Suggestion], user) -> tuple[list[Suggestion], int]:
    rec_ids = [s.recommendation_id for s in pending]
    recs = Recommendation.objects.in_bulk(rec_ids)
    terms = [s for s in pending if s.kind == Kind.TERM]
    categories = [s for s in pending if s.kind == Kind.ACTION_CATEGORY]
    changes = []
    if terms:
        names = defaultdict(list)
        for rec_id, name in RecommendationTerm.objects.filter(
                recommendation_id__in=[s.recommendation_id for s in terms]).values_list(
                "recommendation_id", "term__name"):
            names[rec_id].append(name)
        RecommendationTerm.objects.bulk_create(
            [RecommendationTerm(recommendation_id=s.recommendation_id, term_id=s.term_id)
             for s in terms], ignore_conflicts=True, batch_size=1000)
        for s in terms:
            before = sorted(names[s.recommendation_id])
            if s.term.name not in before:
                changes.append((recs[s.recommendation_id], {"terms": before},
                                {"terms": sorted([*before, s.term.name])}))
    applied_categories, left = [], 0
    for s in categories:
        current = recs[s.recommendation_id].action_category
        if current is None:
            applied_categories.append(s)
        elif current != s.action_category:
            left += 1
    if applied_categories:
        value = applied_categories[0].action_category
        Recommendation.objects.filter(
            pk__in=[s.recommendation_id for s in applied_categories],
            action_category__isnull=True).update(action_category=value,
                                                 updated_at=timezone.now())
        changes += [(recs[s.recommendation_id], {"action_category": None},
                     {"action_category": str(ActionCategory(value).label)})
                    for s in applied_categories]
        Suggestion.objects.filter(
            recommendation_id__in=[s.recommendation_id for s in applied_categories],
            kind=Kind.ACTION_CATEGORY, state=State.PENDING).exclude(
            pk__in=[s.pk for s in applied_categories]).delete()
    audit.record_each(Action.CHANGED, changes, actor=user)
    kept = {s.pk for s in terms} | {s.pk for s in applied_categories}
    return [s for s in pending if s.pk in kept], left
