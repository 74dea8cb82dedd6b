"""The search's edges that an adversarial run found (issue 12), on whichever backend runs
the suite (SQLite FTS5, or PostgreSQL with DATABASE_URL): a query too long is refused with
a message and no results (it was silently dropped, and the whole registry listed), and a
query of stop words alone finds the same on both backends (it found 539 recommendations on
SQLite and none on PostgreSQL). Both ignore PostgreSQL's English stop words: nothing."""

import pytest
from django.db import connection
from django.urls import reverse

from nmirf.core.search import MAX_QUERY_CHARS, STOP_WORDS, parse_query, query_problem, search
from nmirf.recommendations.models import Recommendation
from tests.recommendations.builders import make_rec, make_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def texts():
    review = make_review("SVN", "UPR", session=34, cycle=3)
    return {
        "education": make_rec(review, "Ensure the right to education for all children."),
        "death": make_rec(review, "Abolish the death penalty without delay."),
        "other": make_rec(review, "Ratify the Convention against Torture."),
    }


def found(query):
    return set(search(Recommendation.objects.all(), query).values_list("pk", flat=True))


def listed(client, query) -> tuple[str, int]:
    response = client.get(reverse("recommendations:list"), {"q": query})
    assert response.status_code == 200
    return response.content.decode(), response.context["page"].paginator.count


@pytest.mark.parametrize("query", ["the", "The", "the of and", '"the"', "-the", "the or to"])
def test_a_query_of_stop_words_alone_finds_nothing_on_either_backend(texts, query):
    assert found(query) == set()


def test_stop_words_beside_other_words_are_ignored_alike(texts):
    assert found("the education") == found("education") == {texts["education"].pk}
    assert found("education or the") == {texts["education"].pk}
    assert found('"the death penalty"') == {texts["death"].pk}
    # Inside a phrase a stop word still keeps its place between the words around it.
    assert found('"right to education"') == {texts["education"].pk}


def test_the_list_page_says_why_a_stop_word_search_finds_nothing(focal_point_client, texts):
    page, count = listed(focal_point_client, "the")
    assert count == 0
    assert 'id="search-problem"' in page and "“the”" in page and "are not searched for" in page


def test_a_query_over_the_limit_is_refused_with_a_message_and_no_results(
    focal_point_client, texts
):
    query = "education " * (MAX_QUERY_CHARS // 10 + 1)
    assert len(query.strip()) > MAX_QUERY_CHARS
    page, count = listed(focal_point_client, query)
    assert count == 0  # before: every recommendation of the registry
    assert 'id="search-problem"' in page and f"at most {MAX_QUERY_CHARS:,}" in page
    assert found(query) == set()
    # At the limit it is still searched.
    at_limit = ("education " * 60)[:MAX_QUERY_CHARS]
    assert query_problem(at_limit) is None
    assert listed(focal_point_client, at_limit)[1] == 1


def test_an_ordinary_search_shows_no_problem(focal_point_client, texts):
    page, count = listed(focal_point_client, "education")
    assert count == 1 and 'id="search-problem"' not in page


def test_the_stop_words_are_postgresqls_own():
    parsed = parse_query("the right of children")
    assert parsed.required == [[["right"]], [["children"]]]
    if connection.vendor != "postgresql":
        pytest.skip("the list is checked against PostgreSQL's english configuration")
    with connection.cursor() as cursor:
        for word in sorted(STOP_WORDS):
            cursor.execute("SELECT to_tsvector('english', %s)::text", [word])
            assert cursor.fetchone()[0] == "", f"{word!r} is not a stop word to PostgreSQL"
        cursor.execute("SELECT to_tsvector('english', 'education children right')::text")
        assert cursor.fetchone()[0] != ""
