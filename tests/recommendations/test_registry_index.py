"""The registry index answers the list page's filters from memory: it must mean exactly
what filters.py (the one read path) means in SQL, filter by filter and all together."""

import numpy as np
import pytest
from django.http import QueryDict

from nmirf.recommendations.facets import ROW_FACETS, selection_base
from nmirf.recommendations.filters import RecommendationFilter
from nmirf.recommendations.models import Recommendation
from nmirf.recommendations.registry_index import RegistryIndex, current_index

from .builders import build_registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def r():
    return build_registry()


def in_sql(query: str) -> set[int]:
    return set(RecommendationFilter(QueryDict(query)).filtered()
               .values_list("pk", flat=True))


def in_memory(query: str) -> set[int]:
    filterset = RecommendationFilter(QueryDict(query))
    index = current_index()
    mask = selection_base(index, filterset)
    for name in ROW_FACETS:  # checked apart, so that each can be counted without itself
        if name in filterset.active_filters:
            mask &= index.filter_mask(name, filterset.active_filters[name])
    return set(np.flatnonzero(mask).tolist())


def queries(r) -> list[str]:
    return [
        "state=SVN", "state=EGY&state=SVN", "state=FRA", "session=20", "session=34&session=20",
        "cycle=2", "cycle=9", "recommending=FRA", "recommending=DEU&recommending=BEL",
        "recommending=ZZZ", f"theme={r.education_issue.pk}",
        f"theme={r.education_issue.pk}&theme={r.child_issue.pk}",
        f"theme={r.justice_theme.pk}", f"theme={r.children.pk}",  # not a theme: nothing
        f"affected={r.children.pk}", f"affected={r.education_issue.pk}",
        "sdg=4", "sdg=4.1", "sdg=16", "sdg=4&sdg=16.3", "sdg=99",
        f"term={r.sdg_4_5.pk}", f"term={r.children.pk}&term={r.sdg_4.pk}", "term=999999",
        "mechanism=CRC", f"review={r.svn34.pk}", "position=noted&position=supported",
        "action_category=4",
        f"state=SVN&theme={r.education_issue.pk}&recommending=FRA&position=noted",
        f"q=education&affected={r.children.pk}&cycle=2",
        "flagged=duplicate", "flagged=duplicate&state=SVN",
    ]


def test_every_filter_means_in_memory_what_it_means_in_sql(r):
    for query in queries(r):
        assert in_memory(query) == in_sql(query), query


def test_it_asks_the_database_only_for_a_filter_it_does_not_know(r):
    index = current_index()
    assert index.filter_mask("no_such_filter", ["x"]) is None
    assert index.filter_mask("theme", [r.education_issue.pk]) is not None


def test_it_knows_archived_recommendations_and_leaves_them_to_active(r):
    index = current_index()
    mask = index.filter_mask("theme", [r.education_issue.pk])
    assert mask[r.archived.pk] and not index.active[r.archived.pk]


def test_it_follows_a_change_without_being_told(r):
    before = current_index()
    Recommendation.objects.filter(pk=r.arabic.pk).update(archived=True)
    after = current_index()
    assert after is not before and isinstance(after, RegistryIndex)
    assert not after.active[r.arabic.pk]


def _same(patched: RegistryIndex, built: RegistryIndex) -> None:
    size = built.size
    assert patched.size >= size
    for name in ("active", "review", "mechanism", "position", "action", "flagged"):
        ours, theirs = getattr(patched, name), getattr(built, name)
        assert (ours[:size] == theirs).all(), name
        assert not ours[size:].any() if name == "active" else True
    for prefix in ("term", "state", "goal"):
        ours = sorted(zip(getattr(patched, f"{prefix}_rec").tolist(),
                          getattr(patched, f"{prefix}_id").tolist(), strict=True))
        theirs = sorted(zip(getattr(built, f"{prefix}_rec").tolist(),
                            getattr(built, f"{prefix}_id").tolist(), strict=True))
        assert ours == theirs, prefix
        rec = getattr(patched, f"{prefix}_rec")
        assert (rec[1:] >= rec[:-1]).all(), f"{prefix} links out of order"
    for sort, ranks in built.review_rank.items():
        assert (patched.review_rank[sort][:ranks.size] == ranks).all(), sort


def test_a_patched_index_is_the_index_a_build_would_give(r, monkeypatch):
    """Random edits of every kind, patched in one after the other, leave the same arrays
    as a build from scratch."""
    import random

    from nmirf.recommendations.models import (
        RecommendationTerm,
        RecommendingState,
        Review,
        State,
        Term,
    )

    from .builders import make_rec

    chance = random.Random(3)
    terms = list(Term.objects.filter(taxonomy__code__in=["sdg", "upr_info_issues"])[:30])
    states = list(State.objects.all()[:20])
    reviews = list(Review.objects.all())
    current_index()
    patches = []
    original = RegistryIndex.patched
    monkeypatch.setattr(RegistryIndex, "patched",
                        lambda self, changes: patches.append(1) or original(self, changes))
    for step in range(30):
        recs = list(Recommendation.objects.all())
        rec = chance.choice(recs)
        kind = step % 8
        if kind == 0:
            make_rec(chance.choice(reviews), f"New {step}.", terms=chance.sample(terms, 3),
                     recommending=[s.iso3 for s in chance.sample(states, 2)])
        elif kind == 1:
            Recommendation.objects.filter(pk=rec.pk).update(
                position=chance.choice(["noted", "supported", "none"]),
                archived=chance.random() < 0.3)
        elif kind == 2:
            rec.terms.add(*chance.sample(terms, 2))
        elif kind == 3:
            RecommendationTerm.objects.filter(recommendation=rec).delete()
        elif kind == 4:
            RecommendingState.objects.filter(recommendation=rec).delete()
            rec.recommending_states.add(chance.choice(states))
        elif kind == 5:
            Review.objects.filter(pk=chance.choice(reviews).pk).update(
                session=chance.randint(1, 50))
        elif kind == 6 and len(recs) > 3:
            rec.delete()
        else:
            Recommendation.objects.filter(pk=rec.pk).update(
                possible_duplicate_of=chance.choice(recs) if chance.random() < 0.5 else None)
        _same(current_index(), RegistryIndex.build())
    assert len(patches) == 30  # every step patched, none rebuilt
