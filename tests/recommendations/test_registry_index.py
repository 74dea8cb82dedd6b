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
