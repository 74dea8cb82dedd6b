"""Repeated recommendations: the same or nearly the same text to the same state in other
reviews."""

import pytest

from nmirf.recommendations.similar import distinctive_words, jaccard, repeats_of, words

from .builders import make_rec, make_review

pytestmark = pytest.mark.django_db

TEXT = ("Take further measures to combat discrimination against the Roma minority, in "
        "particular in access to education, housing and employment")


@pytest.fixture
def reviews():
    return {
        "now": make_review("SVN", "UPR", session=34, cycle=3),
        "before": make_review("SVN", "UPR", session=20, cycle=2),
        "first": make_review("SVN", "UPR", session=7, cycle=1),
        "other_state": make_review("HRV", "UPR", session=36, cycle=3),
    }


def test_it_finds_the_same_folded_text(reviews):
    rec = make_rec(reviews["now"], TEXT)
    same = make_rec(reviews["before"], TEXT.upper())
    [repeat] = repeats_of(rec)
    assert repeat.recommendation == same and repeat.exact


def test_a_text_that_differs_only_in_punctuation_is_a_near_repeat(reviews):
    rec = make_rec(reviews["now"], TEXT)
    same_words = make_rec(reviews["before"], TEXT.replace(",", ";") + ".")
    [repeat] = repeats_of(rec)
    assert repeat.recommendation == same_words and not repeat.exact
    assert repeat.similarity == 1.0


def test_it_finds_an_exact_repeat_and_calls_it_exact(reviews):
    rec = make_rec(reviews["now"], TEXT)
    same = make_rec(reviews["first"], TEXT)
    [repeat] = repeats_of(rec)
    assert repeat.recommendation == same and repeat.exact and repeat.similarity == 1.0


def test_it_finds_a_nearly_equal_text(reviews):
    rec = make_rec(reviews["now"], TEXT)
    near = make_rec(reviews["before"], TEXT.replace("Take further", "Take additional"))
    far = make_rec(reviews["first"], "Combat discrimination against the Roma minority.")
    found = {repeat.recommendation.pk: repeat for repeat in repeats_of(rec)}
    assert near.pk in found and not found[near.pk].exact
    assert 0.8 <= found[near.pk].similarity < 1
    assert far.pk not in found


def test_it_looks_only_at_other_reviews_of_the_same_state(reviews):
    rec = make_rec(reviews["now"], TEXT)
    make_rec(reviews["now"], TEXT)  # the same review: a possible duplicate, not a repeat
    make_rec(reviews["other_state"], TEXT)
    make_rec(reviews["before"], TEXT, archived=True)
    assert repeats_of(rec) == []


def test_it_lists_the_newest_review_first(reviews):
    rec = make_rec(reviews["now"], TEXT)
    first = make_rec(reviews["first"], TEXT)
    before = make_rec(reviews["before"], TEXT)
    assert [repeat.recommendation for repeat in repeats_of(rec)] == [before, first]


def test_it_handles_short_and_arabic_texts(reviews):
    short = make_rec(reviews["now"], "Ratify.")
    make_rec(reviews["before"], "Ratify.")
    assert len(repeats_of(short)) == 1
    arabic = make_rec(reviews["now"], "ضمان الحق في التعليم لجميع الأطفال", language="ar")
    same = make_rec(reviews["before"], "ضمان الحق في التَّعليم لجميع الأطفال", language="ar")
    assert [repeat.recommendation for repeat in repeats_of(arabic)] == [same]


def test_its_word_helpers():
    assert words("a b a") == {"a", "b"}
    assert jaccard({"a", "b"}, {"a", "b"}) == 1.0 and jaccard({"a"}, {"b"}) == 0
    assert distinctive_words("the discrimination against minorities should end") == [
        "discrimination", "minorities", "against"]
