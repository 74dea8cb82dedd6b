"""The list's order: the page's slice of the selection, found without sorting every
selected id (OrderedSelection), is exactly the slice of the full sort; and the page shows
the recommendations in the order the SQL of filters.py gives, for every sort."""

import numpy as np
import pytest
from django.http import QueryDict

from nmirf.recommendations.filters import RecommendationFilter
from nmirf.recommendations.listing import build_listing
from nmirf.recommendations.registry_index import _SORT_WHOLE, OrderedSelection

from .builders import build_registry


class FakeIndex:
    """What OrderedSelection reads of a RegistryIndex: its size, each recommendation's
    review, and each review's place in an order."""

    def __init__(self, size: int, reviews: int, seed: int):
        rng = np.random.default_rng(seed)
        self.size = size
        self.review = rng.integers(1, reviews, size).astype(np.int32)
        # Many recommendations per review: ties that the ids must settle.
        self.rank = rng.permutation(reviews).astype(np.int32)

    def _review_rank(self, sort):
        return self.rank


def full_sort(index, mask, relevance=None):
    ids = np.flatnonzero(mask)
    if relevance is None:
        return ids[np.lexsort((ids, index.rank[index.review[ids]]))]
    score = np.full(index.size, np.inf)
    score[relevance[0]] = relevance[1]
    return ids[np.lexsort((ids, score[ids]))]


@pytest.mark.parametrize("size", [50, _SORT_WHOLE + 1, 40_000])
def test_every_slice_is_the_slice_of_the_full_sort(size):
    index = FakeIndex(size, reviews=max(3, size // 200), seed=size)
    rng = np.random.default_rng(1)
    mask = rng.random(size) < 0.7
    matched = np.flatnonzero(rng.random(size) < 0.8)
    # Relevance keys with many ties (as equal texts get), and some unmatched selected ids.
    keys = rng.integers(0, 50, matched.size).astype(float)
    for relevance in (None, (matched, keys)):
        expected = full_sort(index, mask, relevance)
        ordered = OrderedSelection(index, mask, "newest", relevance)
        assert len(ordered) == expected.size
        for start, stop in [(0, 25), (25, 50), (0, 1), (size // 3, size // 3 + 25),
                            (expected.size - 10, expected.size + 15), (0, expected.size)]:
            assert ordered[start:stop].tolist() == expected[start:stop].tolist(), (start, stop)
        assert ordered[0] == expected[0] and ordered[-1] == expected[-1]


def test_an_empty_selection_has_no_page():
    index = FakeIndex(100, reviews=5, seed=3)
    ordered = OrderedSelection(index, np.zeros(100, dtype=bool), "newest")
    assert len(ordered) == 0 and ordered[0:25].tolist() == []


@pytest.mark.django_db
@pytest.mark.parametrize("query", [
    "", "sort=oldest", "sort=state", "sort=paragraph", "q=education", "q=education&sort=relevance",
    "q=roma&sort=relevance", "q=education&sort=oldest", "position=noted&sort=relevance",
])
def test_the_page_lists_in_the_order_of_the_sql(query):
    build_registry()
    filterset = RecommendationFilter(QueryDict(query))
    listing = build_listing(filterset)
    shown = listing.ordered_ids[0:len(listing.ordered_ids)].tolist()
    assert shown == list(filterset.qs.values_list("pk", flat=True)), query
