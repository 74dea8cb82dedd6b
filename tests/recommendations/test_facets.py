"""Facet counts: right numbers, drill-down for alternatives, narrowing for terms, few
queries whatever the data."""

import pytest
from django.http import QueryDict
from django.utils import translation

from nmirf.recommendations.facets import compute_facets
from nmirf.recommendations.filters import RecommendationFilter

from .builders import build_registry, make_rec, term

pytestmark = pytest.mark.django_db


@pytest.fixture
def r():
    return build_registry()


def facets_for(query: str, **kwargs):
    return compute_facets(RecommendationFilter(QueryDict(query)), **kwargs)


def counts(facets, key):
    return {value.value: value.count for value in facets[key].values}


def selected(facets, key):
    return {value.value for value in facets[key].values if value.selected}


def test_it_counts_every_facet_of_the_whole_registry(r):
    facets = facets_for("")
    assert facets.total == 7
    assert counts(facets, "mechanism") == {"UPR": 6, "CRC": 1}
    assert counts(facets, "review") == {r.svn34.pk: 3, r.svn20.pk: 2, r.egy20.pk: 1,
                                        r.crc.pk: 1}
    assert counts(facets, "position") == {"supported": 2, "noted": 2, "supported_in_part": 1,
                                          "voluntary_pledge": 1, "none": 1}
    assert counts(facets, "action_category") == {"4": 3, "5": 2}
    assert counts(facets, "recommending") == {"FRA": 3, "DEU": 1, "AUT": 1, "BEL": 1}
    assert counts(facets, "upr_info_issues") == {
        r.education_issue.pk: 3, r.child_issue.pk: 2, r.torture_issue.pk: 1,
        r.death_issue.pk: 1}
    assert counts(facets, "uhri_themes") == {r.justice_theme.pk: 1}
    assert counts(facets, "affected_persons") == {r.children.pk: 3}


def test_it_counts_sdgs_by_goal_once_per_recommendation(r):
    # roma carries targets 4.1 and 4.5, the CRC recommendation goal 4 itself.
    assert counts(facets_for(""), "sdg") == {"4": 2, "16": 1}
    labels = {value.value: value.label for value in facets_for("")["sdg"].values}
    assert labels["4"].startswith("4.") and "education" in labels["4"].lower()


def test_its_labels_name_the_values(r):
    facets = facets_for("")
    labels = {facet.key: {v.value: v.label for v in facet.values} for facet in facets}
    assert labels["mechanism"]["CRC"].startswith("CRC — ")
    assert labels["review"][r.svn34.pk] == "UPR 34 · Slovenia"
    assert labels["review"][r.crc.pk] == "CRC 2013 · Slovenia"
    assert labels["recommending"]["FRA"] == "France"
    assert labels["position"]["noted"] == "Noted"
    assert labels["upr_info_issues"][r.education_issue.pk] == "Right to education"


def test_themes_of_different_schemes_with_one_name_are_told_apart_by_their_code(r):
    """The cycle-2 matrices code their themes ("B31"), the later ones name them; both
    schemes have an "Equality & non-discrimination"."""
    coded, named = term("uhri_themes", "B31"), term("uhri_themes", "Equality & non-discrimination")
    assert coded.name == named.name
    make_rec(r.svn20, "Adopt an equality law.", terms=[coded])
    make_rec(r.svn34, "Adopt an equality law now.", terms=[named])
    labels = {v.value: v.label for v in facets_for("")["uhri_themes"].values}
    assert labels[coded.pk] == "B31 Equality & non-discrimination"
    assert labels[named.pk] == "Equality & non-discrimination"
    assert coded.label == labels[coded.pk]  # as the recommendation's chips show it


def test_it_counts_what_the_search_selects(r):
    facets = facets_for("q=education")
    assert facets.total == 4
    assert counts(facets, "mechanism") == {"UPR": 3, "CRC": 1}
    assert counts(facets, "recommending") == {"DEU": 1, "FRA": 1, "AUT": 1, "BEL": 1}


def test_alternatives_are_counted_without_their_own_filter(r):
    facets = facets_for("position=noted")
    assert facets.total == 2
    # Every position stays visible, with the count that choosing it too would add.
    assert counts(facets, "position")["supported"] == 2
    assert selected(facets, "position") == {"noted"}
    # Other facets count the noted recommendations only.
    assert counts(facets, "mechanism") == {"UPR": 2}
    assert counts(facets, "recommending") == {"FRA": 2, "DEU": 1}

    both = facets_for("position=noted&mechanism=CRC")
    assert both.total == 0
    assert counts(both, "mechanism") == {"UPR": 2}
    assert counts(both, "position") == {"none": 1}


def test_recommending_states_are_alternatives_too(r):
    facets = facets_for("recommending=AUT")
    assert facets.total == 1
    assert counts(facets, "recommending") == {"FRA": 3, "DEU": 1, "AUT": 1, "BEL": 1}
    assert selected(facets, "recommending") == {"AUT"}


def test_terms_narrow_and_are_counted_with_every_filter(r):
    facets = facets_for(f"theme={r.education_issue.pk}")
    assert facets.total == 3
    issues = counts(facets, "upr_info_issues")
    assert issues[r.education_issue.pk] == 3 and issues[r.child_issue.pk] == 1
    assert selected(facets, "upr_info_issues") == {r.education_issue.pk}
    sdg = facets_for("sdg=4")
    assert sdg.total == 2 and selected(sdg, "sdg") == {"4"}


def test_it_keeps_the_top_values_and_every_selected_one(r):
    facets = facets_for("recommending=BEL", limit=1)
    values = facets["recommending"].values
    assert [v.value for v in values] == ["FRA", "BEL"]
    assert facets["recommending"].truncated
    assert not facets_for("")["mechanism"].truncated


def test_it_ignores_archived_recommendations(r):
    facets = facets_for("")
    assert counts(facets, "upr_info_issues")[r.education_issue.pk] == 3


def test_the_number_of_queries_does_not_grow_with_the_data(r, django_assert_max_num_queries):
    for n in range(30):
        make_rec(r.egy20, f"Recommendation number {n} on education.", recommending=["USA"],
                 terms=[r.education_issue, r.sdg_4_1])
    facets_for("q=education")  # builds the in-memory index once
    # Registry version, the selected ids, mechanisms, review labels, term labels, the
    # chosen recommending states, their labels.
    with django_assert_max_num_queries(7):
        facets = facets_for("q=education&position=supported")
    assert facets.total == 31


def test_the_counts_follow_every_change_to_the_registry(r):
    before = facets_for("q=education").total
    rec = make_rec(r.egy20, "A new recommendation on education.", recommending=["USA"],
                   terms=[r.education_issue])
    assert facets_for("q=education").total == before + 1
    rec.archived = True
    rec.save()
    assert facets_for("q=education").total == before


def test_what_waits_for_a_decision_is_counted_and_shown_only_when_something_does(r):
    from nmirf.recommendations.models import Recommendation

    assert facets_for("")["flagged"].values == []
    Recommendation.objects.filter(pk=r.french.pk).update(possible_duplicate_of=r.roma)
    assert counts(facets_for(""), "flagged") == {"duplicate": 1}
    assert counts(facets_for("flagged=duplicate"), "position") == {r.french.position: 1}
    assert facets_for("flagged=duplicate").total == 1
    assert selected(facets_for("flagged=duplicate"), "flagged") == {"duplicate"}


# -- the state under review ----------------------------------------------------------------------

def test_it_counts_the_states_under_review(r):
    facets = facets_for("")
    assert counts(facets, "state") == {"SVN": 6, "EGY": 1}
    assert facets["state"].title == "State under review"
    assert facets["state"].param == "state"


def test_states_under_review_are_alternatives_counted_without_their_own_filter(r):
    facets = facets_for("state=EGY")
    assert facets.total == 1
    assert counts(facets, "state") == {"SVN": 6, "EGY": 1}
    assert selected(facets, "state") == {"EGY"}
    # Other filters narrow it.
    assert counts(facets_for("mechanism=CRC"), "state") == {"SVN": 1}
    assert facets_for("state=all")["state"].values == facets_for("")["state"].values
    assert not selected(facets_for("state=all"), "state")


def test_state_names_are_in_the_readers_language(r):
    with translation.override("fr"):
        labels = {v.value: v.label for v in facets_for("")["state"].values}
    assert labels["SVN"] == "Slovénie" and labels["EGY"] == "Égypte"


# -- every value, when asked ---------------------------------------------------------------------

def test_a_truncated_facet_says_how_many_values_it_has(r):
    facets = facets_for("", limit=1)
    assert [facet.key for facet in facets if facet.truncated] == [
        "state", "mechanism", "review", "upr_info_issues", "sdg", "recommending"]
    assert facets["review"].available == 4 and len(facets["review"].values) == 1
    assert facets["recommending"].available == 4
    assert not facets["review"].full


def test_a_facet_asked_in_full_shows_every_value_and_only_it(r):
    facets = facets_for("", limit=1, full=["review", "state"])
    assert facets["review"].full and not facets["review"].truncated
    assert counts(facets, "review") == {r.svn34.pk: 3, r.svn20.pk: 2, r.egy20.pk: 1,
                                        r.crc.pk: 1}
    assert counts(facets, "state") == {"SVN": 6, "EGY": 1}
    assert facets["recommending"].truncated and len(facets["recommending"].values) == 1
    # In the order of their counts, as the short list.
    assert [v.value for v in facets["review"].values][:2] == [r.svn34.pk, r.svn20.pk]
