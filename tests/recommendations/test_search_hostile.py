"""Hostile searches on the list page, the exports and the API's read path: each gets a
clear message or safe results, never an error, and never writes anything."""

import pytest
from django.urls import reverse

from tests.conftest import registry_snapshot

from .builders import build_registry

pytestmark = pytest.mark.django_db

HOSTILE = [
    "x" * 5000, "education " * 60, "*", '"', '"""', '"unterminated phrase', "NEAR(",
    "NEAR(education children, 2)", "education*", "^roma", "roma:education",
    "'; DROP TABLE recommendations_recommendation; --", "1 OR 1=1", "%", "_", "\\",
    "()", "AND", "OR", "NOT", "-", "--roma", "- -", "and or and", "-the", "💥 ∑",
    "ـــ", "\u202eroma", "A/HRC/", "/", "140.", "1.2.3.4.5.6.7.8", "a/b/c/d/e/f/g/h",
    "Portugal" * 40, '"South Africa', "South Africa\" or", "\x00education",
]


@pytest.fixture
def r():
    return build_registry()


@pytest.mark.parametrize("query", HOSTILE)
def test_a_hostile_search_never_fails(focal_point_client, r, query):
    before = registry_snapshot()
    for sort in ("", "relevance"):
        response = focal_point_client.get(reverse("recommendations:list"),
                                          {"q": query, "sort": sort})
        assert response.status_code == 200, query
    assert registry_snapshot() == before


def test_too_long_a_search_is_refused_with_its_message(focal_point_client, r):
    response = focal_point_client.get(reverse("recommendations:list"), {"q": "x" * 600})
    assert response.context["page"].paginator.count == 0
    assert 'id="search-problem"' in response.content.decode()


@pytest.mark.parametrize("query", ["*", '"', "AND", "()"])
def test_a_search_of_no_word_says_so(focal_point_client, r, query):
    response = focal_point_client.get(reverse("recommendations:list"), {"q": query})
    assert response.context["page"].paginator.count == 0
    assert "no word to look for" in response.content.decode()


@pytest.mark.parametrize("query", ["*", "'; DROP TABLE x; --", "NEAR(", '"'])
def test_a_hostile_search_exports_safely(coordinator_client, r, query):
    response = coordinator_client.get(reverse("recommendations:export", args=["csv"]),
                                      {"q": query, "sort": "relevance"})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        b"".join(response.streaming_content)
