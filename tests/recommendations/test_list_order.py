"""The list's order: the page's slice of the selection, found without sorting every
selected id (OrderedSelection), is exactly the slice of the full sort; the page shows
the recommendations in the order the SQL of filters.py gives, for every sort; and within
a review that order is the document's (paragraphs.py: 115.2 before 115.10)."""

import random

import numpy as np
import pytest
from django.db import connection
from django.http import QueryDict

from nmirf.recommendations.filters import RecommendationFilter
from nmirf.recommendations.listing import build_listing
from nmirf.recommendations.models import Recommendation
from nmirf.recommendations.paragraphs import MISSING, paragraph_key
from nmirf.recommendations.registry_index import (
    _SORT_WHOLE,
    OrderedSelection,
    RegistryIndex,
    current_index,
)

from .builders import build_registry, make_rec, make_review


class FakeIndex:
    """What OrderedSelection reads of a RegistryIndex: its size, each recommendation's
    review and paragraph key, and each review's place in an order."""

    order_of = RegistryIndex.order_of

    def __init__(self, size: int, reviews: int, seed: int):
        rng = np.random.default_rng(seed)
        self.size = size
        self.review = rng.integers(1, reviews, size).astype(np.int32)
        # Many recommendations per review, a few paragraphs: ties that the ids must settle.
        self.paragraph = rng.integers(1, 5, size).astype(np.int64) << 60
        self.rank = rng.permutation(reviews).astype(np.int32)

    def _review_rank(self, sort):
        return self.rank


def full_sort(index, mask, relevance=None):
    ids = np.flatnonzero(mask)
    if relevance is None:
        return ids[np.lexsort((ids, index.paragraph[ids], index.rank[index.review[ids]]))]
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


# -- document order ----------------------------------------------------------------------

# In document order, as the reports were read wrong (UPR 48: 140.7 … 140.15, 140.81,
# 140.201, 140.63, 140.16 in import order).
IN_ORDER = ["115.2", "115.10", "115.100", "140.7", "140.7bis", "140.7ter", "140.8",
            "140.15", "140.16", "140.63", "140.81", "140.201"]
TREATY_BODY_ORDER = ["8", "12", "12(a)", "12(b)", "12 (c) (i)", "12 (c) (ii)", "12 (c) (iv)",
                     "12 (c) (ix)", "12(d)", "22 (a)", "22 (b)", "120"]


@pytest.mark.parametrize("in_order", [IN_ORDER, TREATY_BODY_ORDER])
def test_paragraph_keys_sort_paragraphs_in_document_order(in_order):
    shuffled = random.Random(7).sample(in_order, len(in_order))
    assert sorted(shuffled, key=paragraph_key) == in_order


def test_a_missing_paragraph_sorts_last():
    for missing in ("", None, "  ", "—", "()"):
        assert paragraph_key(missing) == MISSING
        assert all(paragraph_key(paragraph) < MISSING for paragraph in IN_ORDER)


def test_paragraph_keys_are_integers_that_every_database_keeps():
    for paragraph in IN_ORDER + TREATY_BODY_ORDER + ["A.1", "Art. 4 bis", "٣٢", "أ", "É",
                                                     "115.100 (a) (iii)", "9" * 40, "z" * 40]:
        assert 0 < paragraph_key(paragraph) < MISSING < 2**63
    assert paragraph_key("١٢") == paragraph_key("12")  # Arabic-Indic digits
    assert paragraph_key("أ") < paragraph_key("ب") < paragraph_key("ي")  # Arabic letters
    # 62 bits hold "115.100 (a) (iii)": it still sorts before its next sub-paragraph.
    assert paragraph_key("115.100 (a) (iii)") < paragraph_key("115.100 (a) (iv)")
    assert paragraph_key("12 (A)") == paragraph_key("12(a)") == paragraph_key("12 a")


@pytest.fixture
def upr48():
    """A review whose recommendations were imported out of document order, another after
    it, and one without a paragraph."""
    review = make_review("SVN", "UPR", session=48, cycle=4)
    later = make_review("SVN", "UPR", session=49, cycle=4)
    imported = ["140.7", "140.15", "140.81", "140.201", "140.63", "140.16", "", "140.7bis",
                "115.100", "115.2", "115.10"]
    recs = {paragraph: make_rec(review, f"Recommendation {paragraph or 'without number'}.",
                                paragraph=paragraph) for paragraph in imported}
    make_rec(later, "Another review.", paragraph="1")
    return review, recs


def _paragraphs(ids):
    by_id = dict(Recommendation.objects.values_list("pk", "paragraph"))
    return [by_id[pk] for pk in ids]


DOCUMENT_ORDER = ["115.2", "115.10", "115.100", "140.7", "140.7bis", "140.15", "140.16",
                  "140.63", "140.81", "140.201", ""]


@pytest.mark.django_db
@pytest.mark.parametrize("sort", ["", "paragraph", "newest", "oldest", "state"])
def test_a_review_lists_in_document_order_in_sql_and_in_memory(upr48, sort):
    review, _recs = upr48
    filterset = RecommendationFilter(QueryDict(f"review={review.pk}&sort={sort}"))
    in_sql = list(filterset.qs.values_list("pk", flat=True))
    listing = build_listing(filterset)
    in_memory = listing.ordered_ids[0:len(listing.ordered_ids)].tolist()
    assert _paragraphs(in_sql) == DOCUMENT_ORDER
    assert in_memory == in_sql


@pytest.mark.django_db
def test_one_reviews_list_is_in_document_order_by_default(upr48):
    review, _recs = upr48
    filterset = RecommendationFilter(QueryDict(f"review={review.pk}"))
    assert filterset.sort_key == "paragraph" and filterset.sort_value == ""
    assert filterset.sort_options[0] == ("", "Document order")
    assert RecommendationFilter(QueryDict("")).sort_key == "newest"


@pytest.mark.django_db
def test_every_order_keeps_document_order_within_each_review(upr48):
    build_registry()
    for sort in ("newest", "oldest", "state", "paragraph"):
        filterset = RecommendationFilter(QueryDict(f"sort={sort}"))
        listing = build_listing(filterset)
        shown = listing.ordered_ids[0:len(listing.ordered_ids)].tolist()
        assert shown == list(filterset.qs.values_list("pk", flat=True)), sort
        upr48_part = [pk for pk in shown if pk in {rec.pk for rec in upr48[1].values()}]
        assert _paragraphs(upr48_part) == DOCUMENT_ORDER, sort


@pytest.mark.django_db
def test_the_in_memory_order_follows_edits_and_new_paragraphs(upr48):
    review, recs = upr48
    current_index()  # built: what follows is patched in
    # An edit through QuerySet.update (no save()) still moves it: the key is derived there.
    Recommendation.objects.filter(pk=recs["140.201"].pk).update(paragraph="115.1")
    make_rec(review, "Inserted.", paragraph="140.7.1")  # a key the index has not seen
    filterset = RecommendationFilter(QueryDict(f"review={review.pk}"))
    listing = build_listing(filterset)
    in_memory = listing.ordered_ids[0:len(listing.ordered_ids)].tolist()
    assert in_memory == list(filterset.qs.values_list("pk", flat=True))
    assert _paragraphs(in_memory) == ["115.1", "115.2", "115.10", "115.100", "140.7",
                                      "140.7.1", "140.7bis", "140.15", "140.16", "140.63",
                                      "140.81", ""]


@pytest.mark.django_db
def test_every_write_path_stores_the_key(upr48):
    review, recs = upr48
    assert Recommendation.objects.get(pk=recs["140.7bis"].pk).paragraph_key == \
        paragraph_key("140.7bis")
    created = Recommendation.objects.bulk_create([Recommendation(
        review=review, text="Bulk.", paragraph="12(b)", external_key="test:bulk")])
    assert Recommendation.objects.get(pk=created[0].pk).paragraph_key == paragraph_key("12(b)")
    rec = recs["140.15"]
    rec.paragraph = "22 (a)"
    Recommendation.objects.bulk_update([rec], ["paragraph"])
    assert Recommendation.objects.get(pk=rec.pk).paragraph_key == paragraph_key("22 (a)")
    rec.paragraph = "3"
    rec.save(update_fields=["paragraph"])
    assert Recommendation.objects.get(pk=rec.pk).paragraph_key == paragraph_key("3")


@pytest.mark.django_db
def test_the_database_keeps_and_sorts_keys_as_python_does():
    """The stored keys (bigint) come back whole and in Python's order, which the
    in-memory order relies on."""
    review = make_review("SVN", "UPR", session=48, cycle=4)
    paragraphs = IN_ORDER + TREATY_BODY_ORDER + ["A.1", "b", "أ", "É", "", "10 bis", "Z"]
    for paragraph in random.Random(3).sample(paragraphs, len(paragraphs)):
        make_rec(review, "Text.", paragraph=paragraph)
    keys = list(Recommendation.objects.order_by("paragraph_key", "id")
                .values_list("paragraph_key", flat=True))
    assert keys == sorted(keys), connection.vendor
