"""Every filter is declared once (filters.FILTERS) and answered two ways: in SQL by the
django-filter, and from memory by the registry index. For every filter — those to come
included, since the test walks FILTERS — both must keep exactly the same recommendations,
for known and unknown values, one value and several, archived rows and none."""

import datetime
import random

import numpy as np
import pytest
from django.http import QueryDict

from nmirf.followup.models import FollowUpFlag
from nmirf.recommendations.facets import ROW_FACETS, selection_base
from nmirf.recommendations.filters import FILTERS, Column, Me, RecommendationFilter
from nmirf.recommendations.models import (
    ActionCategory,
    Mechanism,
    Position,
    Recommendation,
    RecommendationTerm,
    RecommendingState,
    Review,
    State,
    Term,
)
from nmirf.recommendations.registry_index import RegistryIndex
from nmirf.tracking.models import (
    Action,
    Assignment,
    Cluster,
    ClusterRecommendation,
    Entity,
    ImplementationStatus,
    Indicator,
    Membership,
    ProgressState,
    ProgressUpdate,
    RecommendationStatus,
)

from ..conftest import _make_user
from .builders import build_registry, make_rec, make_review

pytestmark = pytest.mark.django_db

UNKNOWN_ID = 987_654_321


@pytest.fixture
def registry():
    """The small registry of the other tests, and forty recommendations more with random
    reviews, positions, terms and recommending states; some archived, some flagged."""
    r = build_registry()
    chance = random.Random(7)
    reviews = [*Review.objects.all(), make_review("FRA", "CRC", label="2020"),
               make_review("BRA", "UPR", session=41, cycle=4)]
    terms = list(Term.objects.filter(taxonomy__code__in=[
        "uhri_themes", "upr_info_issues", "affected_persons", "sdg"]).order_by("?")[:40])
    states = list(State.objects.order_by("iso3")[:30])
    made = []
    for n in range(40):
        rec = make_rec(
            chance.choice(reviews), f"Random recommendation {n}.",
            position=chance.choice(Position.values),
            action_category=chance.choice([None, *ActionCategory.values]),
            recommending=[state.iso3 for state in chance.sample(states, chance.randint(0, 3))],
            terms=chance.sample(terms, chance.randint(0, 5)),
            archived=chance.random() < 0.15,
        )
        made.append(rec)
    for rec in chance.sample(made, 4):
        Recommendation.objects.filter(pk=rec.pk).update(
            possible_duplicate_of=chance.choice(made))
    track(made, chance)
    return r


def track(recs, chance):
    """Tracking over those recommendations: statuses (a third without a row: not started),
    entities leading or supporting directly and through clusters — one archived cluster,
    whose leads lead nothing —, and a focal point belonging to two entities."""
    for rec in chance.sample(recs, 2 * len(recs) // 3):
        RecommendationStatus.objects.create(
            recommendation=rec, status=chance.choice(ImplementationStatus.values), reason="r")
    entities = [Entity.objects.create(name=f"Entity {n}") for n in range(5)]
    clusters = [Cluster.objects.create(title=f"Cluster {n}", archived=n == 2)
                for n in range(3)]
    for cluster in clusters:
        for rec in chance.sample(recs, 12):
            ClusterRecommendation.objects.create(cluster=cluster, recommendation=rec)
        lead, supporting = chance.sample(entities, 2)
        Assignment.objects.create(cluster=cluster, entity=lead, role="lead")
        Assignment.objects.create(cluster=cluster, entity=supporting, role="supporting")
    for rec in chance.sample(recs, 15):
        lead, supporting = chance.sample(entities, 2)
        Assignment.objects.create(recommendation=rec, entity=lead, role="lead")
        Assignment.objects.create(recommendation=rec, entity=supporting, role="supporting")
    ended = chance.choice(recs)
    Assignment.objects.create(recommendation=ended, entity=entities[4], role="lead",
                              ended=True)
    progress(recs, chance, entities, clusters)
    deadlines(recs, chance, entities, clusters)
    person = _make_user("parity_focal_point", "focal_point")
    for entity in entities[:2]:
        Membership.objects.create(entity=entity, user=person)
    Membership.objects.create(entity=entities[3], user=person, ended=True)


def progress(recs, chance, entities, clusters):
    """Actions linked to recommendations and clusters (the archived one included), with
    progress updates in every state; one archived action whose validated update counts
    for nothing."""
    for number, state in enumerate([*ProgressState.values, "validated", "published"]):
        action = Action.objects.create(
            title=f"Action {number}", responsible_entity=chance.choice(entities),
            start_date="2026-01-01", target_date="2026-12-31", archived=number == 6)
        action.recommendations.set(chance.sample(recs, 3))
        action.clusters.set(chance.sample(clusters, chance.randint(0, 1)))
        ProgressUpdate.objects.create(action=action, state=state, narrative="n",
                                      period_start="2026-01-01", period_end="2026-03-31")


def deadlines(recs, chance, entities, clusters):
    """Deadlines for the `overdue` filter: actions past their target date (open, one
    completed, one linked through a cluster), an indicator whose next due date passed on
    an action still running, and recommendations flagged for follow-up (one replied)."""
    today = datetime.date.today()
    past, future = today - datetime.timedelta(days=30), today + datetime.timedelta(days=90)
    for number, (status, target, cluster) in enumerate([
            ("in_progress", past, None), ("completed", past, None),
            ("delayed", past, clusters[0]), ("planned", future, None)]):
        action = Action.objects.create(
            title=f"Dated action {number}", responsible_entity=chance.choice(entities),
            start_date=past - datetime.timedelta(days=400), target_date=target, status=status)
        action.recommendations.set(chance.sample(recs, 3))
        if cluster is not None:
            action.clusters.set([cluster])
        if target == future:
            Indicator.objects.create(action=action, title="Due", next_due_date=past)
    for number, rec in enumerate(chance.sample(recs, 6)):
        FollowUpFlag.objects.create(recommendation=rec,
                                    replied_on=today if number == 0 else None)


def me() -> Me:
    from django.contrib.auth import get_user_model

    return Me.of(get_user_model().objects.get(username="parity_focal_point"))


def candidates(param: str) -> list:
    """Values worth trying for a filter: every value in use, and some that are not."""
    links = RecommendationTerm.objects
    used_terms = set(links.values_list("term_id", flat=True))
    return {
        "mechanism": [*Mechanism.objects.values_list("code", flat=True)[:8], "NOPE"],
        "state": [*set(Review.objects.values_list("state__iso3", flat=True)), "DEU", "ZZZ"],
        "review": [*Review.objects.values_list("pk", flat=True), UNKNOWN_ID],
        "session": [*set(Review.objects.exclude(session=None).values_list("session", flat=True)),
                    0, 999],
        "cycle": [*set(Review.objects.exclude(cycle=None).values_list("cycle", flat=True)), 9],
        "position": Position.values,
        "action_category": [str(value) for value in ActionCategory.values],
        "recommending": [*set(RecommendingState.objects.values_list("state__iso3", flat=True)),
                         "ZZZ"],
        "theme": [*used_terms, UNKNOWN_ID],
        "affected": [*used_terms, UNKNOWN_ID],
        "term": [*used_terms, UNKNOWN_ID],
        "sdg": [*set(Term.objects.filter(taxonomy__code="sdg", pk__in=used_terms)
                     .values_list("code", flat=True)), "4", "16", "99", "4.9"],
        "flagged": ["duplicate"],
        "status": ImplementationStatus.values,
        "lead": [*Entity.objects.values_list("pk", flat=True), UNKNOWN_ID],
        "cluster": [*Cluster.objects.values_list("pk", flat=True), UNKNOWN_ID],
        # The signed-in person (bound by the filter set), and "me" bound to nobody.
        "assigned": [me(), "me"],
        "progress": ["validated"],
        "overdue": ["yes"],
    }[param]


def value_sets(param: str, chance: random.Random) -> list[list]:
    values = candidates(param)
    sets = [[]] + [[value] for value in values]
    for _ in range(12):
        sets.append(chance.sample(values, min(len(values), chance.randint(2, 4))))
    return sets


def test_the_test_knows_every_filter(registry):
    params = set(RecommendationFilter().filters) - {"q", "sort"}
    assert params == {definition.param for definition in FILTERS}
    for definition in FILTERS:
        assert candidates(definition.param), definition.param


@pytest.mark.parametrize("definition", FILTERS, ids=lambda definition: definition.param)
def test_sql_and_memory_keep_the_same_recommendations(registry, definition):
    """Archived rows included: the filter itself must not care."""
    index = RegistryIndex.build()
    everything = Recommendation.objects.all()
    chance = random.Random(definition.param)
    for values in value_sets(definition.param, chance):
        cleaned = definition.cleaned(values)
        in_sql = set(definition.filter(everything, cleaned).values_list("pk", flat=True))
        mask = index.filter_mask(definition.param, values)
        if mask is None:  # kept out of the index on purpose: answered by the database
            assert isinstance(definition.reads, Column) and definition.reads.array is None
            continue
        in_memory = set(np.flatnonzero(mask).tolist()) & set(
            everything.values_list("pk", flat=True))
        assert in_memory == in_sql, (definition.param, values)


def test_the_tracking_filters_select_something_to_compare(registry):
    """The parity above is not the parity of empty sets."""
    index = RegistryIndex.build()
    for param, values in (("status", ["not_started"]), ("status", ["implemented"]),
                          ("lead", list(Entity.objects.values_list("pk", flat=True))),
                          ("cluster", list(Cluster.objects.values_list("pk", flat=True))),
                          ("assigned", [me()]), ("progress", ["validated"]),
                          ("overdue", ["yes"])):
        assert index.filter_mask(param, values).any(), param


class _Request:
    def __init__(self):
        from django.contrib.auth import get_user_model

        self.user = get_user_model().objects.get(username="parity_focal_point")


def in_sql(query: str) -> set[int]:
    return set(RecommendationFilter(QueryDict(query), request=_Request()).qs
               .values_list("pk", flat=True))


def in_memory(query: str) -> set[int]:
    filterset = RecommendationFilter(QueryDict(query), request=_Request())
    index = RegistryIndex.build()
    mask = selection_base(index, filterset)
    for name in ROW_FACETS:  # checked apart, so that each can be counted without itself
        if name in filterset.active_filters:
            mask &= index.filter_mask(name, filterset.active_filters[name])
    return set(np.flatnonzero(mask).tolist())


def test_the_list_selects_the_same_with_several_filters_at_once(registry):
    """Through the whole filter set, which leaves archived recommendations out."""
    chance = random.Random(11)
    for _ in range(40):
        parts = []
        for definition in chance.sample(FILTERS, chance.randint(1, 3)):
            values = [str(value) for value in candidates(definition.param)]
            for value in chance.sample(values, min(2, len(values))):
                parts.append(f"{definition.param}={value}")
        query = "&".join(parts)
        assert in_memory(query) == in_sql(query), query


SEARCHES = [
    "education", "roma children", "-roma", "-education -children", "roma or abolish",
    '"death penalty" or Egypt', "France", "France education", "-France", "Slovenia -roma",
    "South Africa", "121.2", "121.2 or 166.1", "rights of the child", "education AND roma",
    "Allemagne", "torture OR Germany -ratify", "NEAR(", "*", '"', "x" * 501,
]


@pytest.mark.parametrize("search", SEARCHES)
def test_a_search_selects_the_same_in_sql_and_in_memory(registry, search):
    """The search (registry_search.py: words, and what a word names) through both read
    paths, alone and with filters."""
    query = QueryDict(mutable=True)
    query["q"] = search
    assert in_memory(query.urlencode()) == in_sql(query.urlencode()), search
    if search in ("France", "-roma", "121.2", "rights of the child"):  # not parity of nothing
        assert in_sql(query.urlencode()), search
    theme = Term.objects.filter(taxonomy__code="upr_info_issues").first().pk
    for extra in ("position=noted", "recommending=FRA", f"theme={theme}"):
        both = f"{query.urlencode()}&{extra}"
        assert in_memory(both) == in_sql(both), both
