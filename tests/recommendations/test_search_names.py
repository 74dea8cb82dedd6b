"""A search finds what a word names, not only the texts that hold it
(recommendations/registry_search.py): a state's name, in the reader's language, finds the
recommendations to and from that state; a paragraph number finds that paragraph exactly; a
document symbol finds its recommendations; a term's name in any language of the interface
finds what carries the term. Each is ORed with the word's own text match. Written against
whichever database runs the suite."""

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import translation

from nmirf.recommendations import registry_search
from nmirf.recommendations.filters import RecommendationFilter
from nmirf.recommendations.models import Document, Recommendation, Taxonomy, Term

from .builders import build_registry, make_rec, make_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def r():
    r = build_registry()
    r.prt = make_review("PRT", "UPR", session=33, cycle=3)
    # Texts that do not name the state: only the review and the recommending state do.
    r.to_portugal = make_rec(r.prt, "Combat trafficking in persons.", paragraph="140.7",
                             recommending=["ZAF"])
    r.by_portugal = make_rec(r.egy20, "Guarantee freedom of expression.", paragraph="140.70",
                             recommending=["PRT"])
    return r


def found(query: str, language: str = "en") -> set[int]:
    """The SQL read path (filters.py's `q`), in a language."""
    with translation.override(language):
        return set(RecommendationFilter(QueryDict(mutable=True) | {"q": query}).qs
                   .values_list("pk", flat=True))


def test_a_state_name_finds_recommendations_to_it_and_from_it(r):
    assert found("Portugal") == {r.to_portugal.pk, r.by_portugal.pk}
    assert found("portugal") == found("PORTUGAL") == found("Portugal")


def test_a_state_name_is_read_in_the_readers_language(r):
    # Germany recommended r.roma; "Allemagne" is its French name.
    assert found("Allemagne", "fr") == {r.roma.pk}
    assert found("Alemania", "es") == {r.roma.pk}
    assert found("Germany", "fr") == {r.roma.pk}  # the registry's own names always
    assert found("Allemagne", "en") == set()


def test_a_state_name_of_several_words_needs_no_quotes(r):
    assert found("South Africa") == {r.to_portugal.pk}
    assert found('"South Africa"') == {r.to_portugal.pk}


def test_a_state_name_narrows_like_any_other_word(r):
    assert found("Slovenia roma") == {r.roma.pk, r.roma_earlier.pk}
    assert found("Portugal expression") == {r.by_portugal.pk}
    assert found("Portugal -expression") == {r.to_portugal.pk}
    assert r.by_portugal.pk not in found("-Portugal")


def test_a_paragraph_number_finds_that_paragraph_exactly(r):
    assert found("140.7") == {r.to_portugal.pk}
    assert found("140.70") == {r.by_portugal.pk}
    assert found("121.2") == {r.roma.pk}
    assert found("121.2 roma") == {r.roma.pk}


def test_a_document_symbol_finds_its_recommendations(r):
    document = Document.objects.create(symbol="A/HRC/43/15")
    Recommendation.objects.filter(pk=r.torture.pk).update(document=document)
    Document.objects.create(symbol="A/HRC/28/16", review=r.egy20)
    assert found("A/HRC/43/15") == found("a/hrc/43/15") == {r.torture.pk}
    # A document of a review stands for the review's recommendations.
    assert found("A/HRC/28/16") == {r.death_penalty.pk, r.by_portugal.pk}
    assert found("A/HRC/99/1") == set()


def test_a_terms_translated_name_finds_what_carries_it(r):
    taxonomy = Taxonomy.objects.get(code="uhri_themes")
    analysis = Term.objects.create(taxonomy=taxonomy, code="Analysis", name="Analysis")
    r.arabic.terms.add(analysis)
    # The catalogs translate "Analysis": Analyse, Análisis, التحليل. Whatever the
    # reader's language, each finds the recommendation carrying the term.
    for word in ("Analysis", "analyse", "análisis", "ANALISIS", "التحليل"):
        assert found(word) == {r.arabic.pk}, word
        assert found(word, "ar") == {r.arabic.pk}, word


def test_a_terms_name_of_several_words_finds_it_without_its_words_in_the_text(r):
    # r.roma carries "Rights of the Child"; its text says "children" but not "rights".
    assert r.roma.pk in found("rights of the child")
    assert r.roma.pk in found("Rights of the Child roma")
    # The words themselves still match as before (all of them, anywhere in the text).
    assert found('"Strengthen measures"') <= found("measures strengthen")


def test_names_and_words_combine_with_or_and_exclusions(r):
    assert found("Portugal or abolish") == {r.to_portugal.pk, r.by_portugal.pk,
                                            r.death_penalty.pk}
    assert found("-Portugal") == found("") - {r.to_portugal.pk, r.by_portugal.pk}


def test_a_refused_or_empty_search_is_not_resolved(r):
    assert registry_search.resolve("") is None
    assert registry_search.resolve("x" * 501) is None


def test_the_list_page_finds_a_state_by_name(focal_point_client, r):
    response = focal_point_client.get(reverse("recommendations:list"),
                                      {"q": "Portugal", "sort": "relevance"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 2
    assert "Combat trafficking in persons." in response.content.decode()


def test_relevance_order_keeps_every_match_of_a_name(r):
    filterset = RecommendationFilter(QueryDict("q=Portugal&sort=relevance"))
    assert set(filterset.qs.values_list("pk", flat=True)) == {r.to_portugal.pk,
                                                              r.by_portugal.pk}
    filterset = RecommendationFilter(QueryDict("q=Portugal+expression&sort=relevance"))
    assert list(filterset.qs.values_list("pk", flat=True)) == [r.by_portugal.pk]


def test_the_list_page_builds_the_names_again_only_when_states_or_terms_change(r, monkeypatch):
    from nmirf.recommendations.models import State
    from nmirf.recommendations.registry_index import cached_matches

    assert set(cached_matches("Portugal", ranked=False)[0].tolist()) == {
        r.to_portugal.pk, r.by_portugal.pk}
    built = []
    original = registry_search.Names
    monkeypatch.setattr(registry_search, "Names", lambda: built.append(1) or original())
    registry_search._names.clear()
    r.torture.text = "Ratify the Optional Protocol, as Portugal did."
    r.torture.save()
    assert set(cached_matches("Portugal", ranked=False)[0].tolist()) == {
        r.to_portugal.pk, r.by_portugal.pk, r.torture.pk}
    assert built == []  # an edit of a recommendation: the names are kept
    State.objects.filter(iso3="PRT").update(name="Portuguese Republic")
    assert set(cached_matches("Portuguese Republic", ranked=False)[0].tolist()) >= {
        r.to_portugal.pk, r.by_portugal.pk}
    assert built == [1]
