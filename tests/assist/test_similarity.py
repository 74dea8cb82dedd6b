"""What "similar" means: repeated recommendations (the same or nearly the same text to the
same state in other reviews) and the near match between sources that an import flags."""

import pytest

from nmirf.assist.similarity import (
    distinctive_words,
    jaccard,
    nearly_the_same,
    repeats_of,
    words,
)
from nmirf.recommendations.models import Recommendation
from tests.recommendations.builders import make_rec, make_review

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


def test_nearly_the_same_is_jaccard_from_the_threshold_of_a_repeat():
    text = words(TEXT)
    one_word_changed = words(TEXT.replace("further", "additional"))
    assert nearly_the_same(text, text) == 1.0
    assert nearly_the_same(text, one_word_changed) == jaccard(text, one_word_changed) >= 0.8
    assert nearly_the_same(words("ratify the convention"), words("ratify the protocol")) == 0


def test_a_text_inside_a_clustered_paragraph_is_nearly_the_same_but_never_more_than_a_repeat():
    one = words(TEXT)
    paragraph = one | words("and ratify the Convention on the Rights of Persons with "
                            "Disabilities and its Optional Protocol without delay")
    assert jaccard(one, paragraph) < 0.8
    # Every word inside: scored as the weakest Jaccard match at most.
    assert nearly_the_same(one, paragraph) == pytest.approx(0.8)
    assert 0 < nearly_the_same(one | {"nowhere"}, paragraph) < 0.8
    # Too short to tell a clustered recommendation from a chance overlap.
    assert nearly_the_same(words("ratify the convention"), paragraph) == 0


def test_each_repeat_comes_with_its_recommending_states(reviews):
    rec = make_rec(reviews["now"], TEXT)
    make_rec(reviews["before"], TEXT, recommending=["FRA", "AUT"])
    make_rec(reviews["before"], TEXT, recommending=["DEU"])
    found = repeats_of(rec)
    assert [[state.iso3 for state in repeat.recommending_states] for repeat in found] == [
        ["AUT", "FRA"], ["DEU"]]


def test_repeats_of_one_review_are_in_document_order(reviews):
    rec = make_rec(reviews["now"], TEXT)
    later = make_rec(reviews["before"], TEXT, paragraph="115.10")
    earlier = make_rec(reviews["before"], TEXT, paragraph="115.2")
    none = make_rec(reviews["before"], TEXT)
    assert [repeat.recommendation for repeat in repeats_of(rec)] == [earlier, later, none]


def test_a_near_repeat_carries_its_difference_an_exact_one_none(reviews):
    rec = make_rec(reviews["now"], TEXT)
    make_rec(reviews["before"], TEXT.replace("Take further", "Take additional"))
    make_rec(reviews["first"], TEXT)
    near, exact = repeats_of(rec)
    assert exact.exact and exact.difference is None
    assert "<del>" in near.difference and "additional" in near.difference
    assert "<ins>" in near.difference and "further" in near.difference


def test_it_reads_every_repeats_details_in_a_bounded_number_of_queries(
        reviews, django_assert_max_num_queries):
    rec = make_rec(reviews["now"], TEXT)
    for number in range(12):
        make_rec(reviews["before"] if number % 2 else reviews["first"],
                 TEXT if number % 3 else TEXT.replace("further", f"further {number}"),
                 paragraph=f"115.{number}", recommending=["FRA", "DEU"][:1 + number % 2])
    rec = Recommendation.objects.with_related().get(pk=rec.pk)
    # The exact repeats, the search's candidates, the near ones read, their states.
    with django_assert_max_num_queries(4):
        found = repeats_of(rec)
        assert all(repeat.recommending_states for repeat in found)
    assert len(found) == 12
