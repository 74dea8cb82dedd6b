""""Did you mean …?": a search that finds nothing (or next to nothing) because of a typo
gets the nearest words the registry's texts hold, from a vocabulary kept in memory and
patched from the change log (recommendations/registry_search.py), never a scan of every
row per request."""

import time
from collections import Counter

import pytest
from django.urls import reverse

from nmirf.recommendations import registry_search
from nmirf.recommendations.registry_changes import Clock, read_clock
from nmirf.recommendations.registry_search import Vocabulary, distance, suggestion

from .builders import build_registry, make_rec, make_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def r():
    r = build_registry()
    review = make_review("FRA", "UPR", session=29, cycle=3)
    r.discrimination = make_rec(review, "Combat discrimination against women and "
                                        "discrimination on the basis of disability.")
    return r


def listed(client, query: str):
    response = client.get(reverse("recommendations:list"), {"q": query})
    assert response.status_code == 200
    return response.content.decode(), response.context


@pytest.mark.parametrize(("typed", "meant"), [
    ("torutre", "torture"), ("discrimnation", "discrimination"), ("Educaton", "education"),
    ("roma disrcimination", "roma discrimination"),
])
def test_a_typo_gets_the_nearest_known_word(r, typed, meant):
    if meant == "roma discrimination":  # a suggestion must find something itself
        make_rec(r.svn34, "Stop discrimination against Roma.")
    assert suggestion(typed, 0) == meant


def test_the_list_page_offers_the_suggestion_as_a_link(focal_point_client, r):
    html, context = listed(focal_point_client, "torutre")
    assert context["page"].paginator.count == 0
    assert 'id="search-suggestion"' in html
    assert "?q=torture" in html and "<bdi>torture</bdi>" in html


def test_no_suggestion_where_the_search_finds_enough_or_nothing_is_near(focal_point_client, r):
    html, _context = listed(focal_point_client, "education")
    assert "search-suggestion" not in html
    html, _context = listed(focal_point_client, "qwzxv")
    assert "search-suggestion" not in html
    # Known words that simply never meet: nothing to correct.
    assert suggestion("torture roma", 0) is None
    # A suggestion that would find nothing either is not offered.
    assert suggestion("torutre roma", 0) is None


def test_operators_phrases_and_exclusions_are_kept(r):
    assert suggestion("torutre or educaton", 0) == "torture or education"
    assert suggestion('torutre -roma', 0) == "torture -roma"


def test_words_added_later_are_suggested_without_a_rebuild(r, monkeypatch):
    suggestion("torutre", 0)  # builds the vocabulary
    built = []
    monkeypatch.setattr(Vocabulary, "build", classmethod(
        lambda cls, clock: built.append(clock) or Vocabulary(Counter(), clock)))
    make_rec(r.svn34, "Protect the xylophone makers.")
    assert suggestion("xylophnoe", 0) == "xylophone"
    assert built == []  # patched from the change log, not read whole again


def test_a_query_the_page_refuses_gets_no_suggestion(r):
    assert suggestion("x" * 600, 0) is None
    assert suggestion("*", 0) is None
    assert suggestion("the", 0) is None


def test_distance_counts_a_swap_of_neighbours_as_one_edit():
    assert distance("torutre", "torture") == 1
    assert distance("discrimnation", "discrimination") == 1
    assert distance("abc", "abc") == 0
    assert distance("kitten", "sitting") == 3


def test_a_look_up_in_a_large_vocabulary_is_fast():
    """250,000 recommendations hold some tens of thousands of distinct words; a look-up
    reads a few lists of candidates, whatever the vocabulary's size."""
    words = Counter({f"word{index:05d}x": index % 50 + 1 for index in range(60_000)})
    words.update({"torture": 900, "discrimination": 700})
    vocabulary = Vocabulary(words, Clock())
    vocabulary.candidates()  # made once per version
    started = time.perf_counter()
    for _ in range(20):
        assert vocabulary.nearest("torutre") == "torture"
        assert vocabulary.nearest("discrimnation") == "discrimination"
    assert (time.perf_counter() - started) / 40 < 0.02


def test_the_vocabulary_follows_the_registry_clock(r):
    first = registry_search.vocabulary(read_clock())
    assert registry_search.vocabulary(read_clock()) is first
    make_rec(r.svn34, "Another text.")
    assert registry_search.vocabulary(read_clock()) is not first


def test_an_observer_gets_no_suggestion_from_a_text_not_shared_with_them(
        request, r, coordinator, observer_client, focal_point_client):
    from nmirf.consultation import services as consultation

    consultation.set_shared(r.roma, True, user=coordinator)  # not r.torture
    html, _context = listed(observer_client, "torutre")
    assert "search-suggestion" not in html
    html, _context = listed(observer_client, "rmoa")
    assert "?q=roma" in html
    html, _context = listed(focal_point_client, "torutre")
    assert "?q=torture" in html


def test_a_registry_whose_ids_have_gaps_is_counted_whole(r):
    """On PostgreSQL ids never go back: after imports that were rolled back or deleted a
    small registry's ids may lie far apart. Every one of its texts
    still counts (a sample stepped from id 0 skipped most of them)."""
    from nmirf.recommendations.models import Recommendation

    high = make_rec(r.svn34, "Protect the xylophone makers.")
    Recommendation.objects.filter(pk=high.pk).update(id=high.pk + 300_000)
    registry_search._vocabulary = None
    assert suggestion("xylophnoe", 0) == "xylophone"
    assert suggestion("torutre", 0) == "torture"
