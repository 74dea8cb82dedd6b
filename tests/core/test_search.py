"""The one search module, on whichever backend runs the suite (SQLite FTS5 here, PostgreSQL
full-text in CI's second leg): folding, phrases, exclusion, and hostile input."""

import pytest
from django.db import connection

from nmirf.core.search import (
    order_by_relevance,
    parse_query,
    query_problem,
    ranked_matches,
    search,
)
from nmirf.core.text import search_text
from nmirf.recommendations.models import Recommendation
from tests.recommendations.builders import make_rec, make_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def texts():
    review = make_review("SVN", "UPR", session=34, cycle=3)
    return {
        "education": make_rec(review, "Ensure access to education for all children."),
        "french": make_rec(review, "Garantir l'éducation des enfants roms.", language="fr"),
        "death": make_rec(review, "Abolish the death penalty without delay."),
        "penalty_death": make_rec(review, "Introduce a penalty for deaths in custody."),
        "arabic": make_rec(review, "ضمان الحق في التعليم لجميع الأطفال", language="ar"),
        "arabic_bare": make_rec(review, "تعليم الكبار ومحو الأمية", language="ar"),
        "roma": make_rec(review, "Improve education for Roma communities."),
    }


def found(query):
    return set(search(Recommendation.objects.all(), query).values_list("pk", flat=True))


def test_it_finds_a_word_with_or_without_its_accents(texts):
    assert texts["french"].pk in found("education")
    assert {texts["education"].pk, texts["french"].pk} <= found("éducation")
    assert texts["french"].pk in found("ÉDUCATION")


def test_it_matches_arabic_words_with_and_without_the_article(texts):
    assert texts["arabic"].pk in found("تعليم")
    assert texts["arabic_bare"].pk in found("التعليم")
    # Diacritics (tashkeel) in the query are folded away as in the text.
    assert texts["arabic"].pk in found("التَّعْلِيم")


def test_it_keeps_a_quoted_phrase_together(texts):
    assert found('"death penalty"') == {texts["death"].pk}
    assert {texts["death"].pk, texts["penalty_death"].pk} <= found("death penalty")


def test_it_excludes_a_word_after_a_minus(texts):
    result = found("education -roma")
    assert texts["education"].pk in result and texts["roma"].pk not in result


def test_it_takes_or_between_two_words_as_either(texts):
    assert {texts["death"].pk, texts["roma"].pk} <= found("roma or abolish")


def test_an_empty_query_narrows_nothing(texts):
    assert found("") == found("   ") == set(Recommendation.objects.values_list("pk", flat=True))


@pytest.mark.parametrize("query", [
    '"', '""', 'NEAR(', "NEAR(education children, 2)", "*", "education*", "AND", "OR",
    "NOT", "-", "--", "(", ")", "education)", "'", "a\"b", "^education", "search_text:roma",
    "{education}", "\\", "%", "_", ";DROP TABLE x", "💥", "ـــ", "-education",
    "\"unterminated phrase",
])
def test_it_answers_hostile_queries_without_an_error(texts, query):
    queryset = search(Recommendation.objects.all(), query)
    list(queryset)
    list(order_by_relevance(queryset, query)[:5])


def test_it_puts_the_better_match_first(texts):
    review = texts["education"].review
    best = make_rec(review, "Education, education and again education.")
    ranked = list(order_by_relevance(search(Recommendation.objects.all(), "education"),
                                     "education").values_list("pk", flat=True))
    assert ranked[0] == best.pk


def matched(query):
    """What the list page's id fetch finds, as a set."""
    ids, _keys = ranked_matches(query)
    return set(ids.tolist())


def test_the_index_follows_every_write_path(texts):
    # The full-text index lives beside the table (FTS5 on SQLite, recommendation_search
    # on PostgreSQL), kept by triggers: each write path must reach it.
    review = texts["education"].review
    saved = make_rec(review, "Protect the rights of migrant workers.")
    assert matched("migrant") == found("migrant") == {saved.pk}

    saved.text = "Protect the rights of seasonal workers."
    saved.save()
    assert matched("migrant") == found("migrant") == set()
    assert matched("seasonal") == {saved.pk}

    bulk = Recommendation.objects.bulk_create([
        Recommendation(review=review, text=text, search_text=search_text(text),
                       external_key=f"bulk:{number}")
        for number, text in enumerate(["Ratify the torture convention.",
                                       "Prevent torture in detention."])])
    assert matched("torture") == found("torture") == {rec.pk for rec in bulk}

    Recommendation.objects.filter(pk=bulk[0].pk).update(
        text="Ratify the disability convention.",
        search_text=search_text("Ratify the disability convention."))
    assert matched("torture") == {bulk[1].pk}
    assert matched("disability") == {bulk[0].pk}
    # A change to another column leaves the index as it was.
    Recommendation.objects.filter(pk=bulk[1].pk).update(archived=True)
    assert matched("torture") == {bulk[1].pk}

    Recommendation.objects.filter(pk__in=[saved.pk, bulk[1].pk]).delete()
    assert matched("seasonal") == matched("torture") == found("torture") == set()
    assert matched("education") == found("education")


def test_the_ranked_fetch_agrees_with_the_search(texts):
    ids, keys = ranked_matches("education", ranked=True)
    assert set(ids.tolist()) == found("education") and len(keys) == len(ids)


def test_a_truncated_registry_leaves_nothing_in_the_index(texts):
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's (SQLite deletes, which its triggers follow)")
    # (TRUNCATE is transactional on PostgreSQL: the test's rollback undoes it.)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks: TRUNCATE refuses
        cursor.execute("TRUNCATE recommendations_recommendation CASCADE")
        cursor.execute("SELECT count(*) FROM recommendation_search")
        assert cursor.fetchone()[0] == 0


# -- the operators, as the help text says them ----------------------------------------------

@pytest.mark.parametrize("query", ["education AND roma", "education and roma",
                                   "AND education roma AND", "education And roma"])
def test_and_is_an_operator_not_a_word(texts, query):
    assert found(query) == found("education roma") == {texts["roma"].pk}


def test_a_query_of_exclusions_only_keeps_everything_else(texts):
    everything = set(Recommendation.objects.values_list("pk", flat=True))
    assert found("-roma") == everything - {texts["roma"].pk}
    assert found('-roma -"death penalty"') == everything - {texts["roma"].pk,
                                                             texts["death"].pk}
    # The list page's fetch says the same.
    ids, keys = ranked_matches("-roma", ranked=True, queryset=Recommendation.objects.all())
    assert set(ids.tolist()) == found("-roma") and len(keys) == len(ids)


def test_or_joins_the_two_words_beside_it_on_both_backends(texts):
    # (abolish or roma) and improve: PostgreSQL's websearch_to_tsquery read it as
    # abolish or (roma and improve).
    assert found("abolish or roma improve") == {texts["roma"].pk}
    assert found("abolish OR roma") == {texts["death"].pk, texts["roma"].pk}
    # With nothing to join, `or` is dropped.
    assert found("or roma") == found("roma or") == found("roma")


def test_the_parse_keeps_what_was_written_and_where(texts):
    parsed = parse_query('education "death penalty" or -roma')
    assert [phrase.raw for part in parsed.required for phrase in part] == [
        "education", "death penalty"]
    assert parsed.excluded[0].raw == "roma"
    education = parsed.required[0][0]
    assert parsed.query[education.start:education.end] == "education"


@pytest.mark.parametrize("query", ["*", '"', '""', "AND", "or", "-", "--", "()", "AND OR",
                                   "¿?", "💥"])
def test_a_query_with_no_word_says_so(texts, query):
    assert query_problem(query)
    assert found(query) == set()


def test_a_query_with_a_word_has_no_problem(texts):
    for query in ("education", "-roma", "NEAR(", "education*", '"unterminated'):
        assert query_problem(query) is None, query
