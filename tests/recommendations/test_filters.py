"""RecommendationFilter, the one read path: what each URL parameter means."""

import pytest
from django.http import QueryDict
from django.utils import translation

from nmirf.recommendations.filters import FILTERS, RecommendationFilter

from .builders import build_registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def r():
    return build_registry()


def pks(query: str, **kwargs) -> set[int]:
    return set(RecommendationFilter(QueryDict(query), **kwargs).qs.values_list("pk", flat=True))


def ordered(query: str) -> list[int]:
    return list(RecommendationFilter(QueryDict(query)).qs.values_list("pk", flat=True))


def test_it_lists_every_active_recommendation_without_parameters(r):
    assert pks("") == {r.torture.pk, r.roma.pk, r.roma_earlier.pk, r.death_penalty.pk,
                       r.child_strategy.pk, r.french.pk, r.arabic.pk}


def test_it_filters_by_mechanism_state_review_session_and_cycle(r):
    assert pks("mechanism=CRC") == {r.child_strategy.pk}
    assert pks("mechanism=CRC&mechanism=UPR") == pks("")
    assert pks("state=EGY") == {r.death_penalty.pk}
    assert pks("state=egy") == {r.death_penalty.pk}
    assert pks(f"review={r.svn20.pk}") == {r.roma_earlier.pk, r.arabic.pk}
    assert pks("session=20") == {r.roma_earlier.pk, r.arabic.pk, r.death_penalty.pk}
    assert pks("cycle=3") == {r.torture.pk, r.roma.pk, r.french.pk}


def test_it_filters_by_position_and_action_category_any_of(r):
    assert pks("position=noted") == {r.roma.pk, r.death_penalty.pk}
    assert pks("position=noted&position=voluntary_pledge") == {
        r.roma.pk, r.death_penalty.pk, r.arabic.pk}
    assert pks("action_category=5") == {r.torture.pk, r.death_penalty.pk}


def test_it_filters_by_recommending_state_without_repeating_joint_recommendations(r):
    assert ordered("recommending=FRA").count(r.roma.pk) == 1
    assert pks("recommending=FRA") == {r.torture.pk, r.roma.pk, r.death_penalty.pk}
    both = ordered("recommending=FRA&recommending=DEU")
    assert sorted(both) == sorted({r.torture.pk, r.roma.pk, r.death_penalty.pk})


def test_it_filters_by_themes_all_of(r):
    education, child = r.education_issue.pk, r.child_issue.pk
    assert pks(f"theme={education}") == {r.roma.pk, r.roma_earlier.pk, r.french.pk}
    assert pks(f"theme={education}&theme={child}") == {r.roma.pk}
    assert pks(f"theme={r.justice_theme.pk}") == {r.torture.pk}
    # A term of another taxonomy is not a theme: the value is refused, as an unknown one.
    assert "theme" in RecommendationFilter(QueryDict(f"theme={r.children.pk}")).filter_errors


def test_it_filters_by_affected_persons_and_any_term(r):
    assert pks(f"affected={r.children.pk}") == {r.roma.pk, r.roma_earlier.pk,
                                                r.child_strategy.pk}
    assert "affected" in RecommendationFilter(
        QueryDict(f"affected={r.education_issue.pk}")).filter_errors
    assert pks(f"term={r.sdg_4_5.pk}&term={r.children.pk}") == {r.roma.pk}


def test_an_sdg_goal_also_matches_its_targets(r):
    assert pks("sdg=4") == {r.roma.pk, r.child_strategy.pk}
    assert pks("sdg=4.1") == {r.roma.pk}
    assert pks("sdg=16") == {r.torture.pk}
    assert pks("sdg=4&sdg=16") == set()


def test_it_combines_search_and_filters(r):
    assert pks("q=education") == {r.roma.pk, r.roma_earlier.pk, r.child_strategy.pk,
                                  r.french.pk}
    assert pks("q=education&position=noted") == {r.roma.pk}
    assert pks("q=education&mechanism=CRC") == {r.child_strategy.pk}


def test_it_never_lists_an_archived_recommendation(r):
    assert r.archived.pk not in pks("q=archived")
    assert r.archived.pk not in pks(f"theme={r.education_issue.pk}")


def test_it_sorts_newest_review_first_by_default(r):
    rows = ordered("")
    assert rows.index(r.torture.pk) < rows.index(r.roma_earlier.pk)
    # A review without a session (CRC) comes after the UPR sessions.
    assert rows[-1] == r.child_strategy.pk
    oldest = ordered("sort=oldest")
    assert oldest.index(r.roma_earlier.pk) < oldest.index(r.torture.pk)


def test_it_sorts_by_state_and_by_document_order(r):
    by_state = ordered("sort=state")
    assert by_state[0] == r.death_penalty.pk  # Egypt before Slovenia
    in_document = ordered(f"sort=paragraph&review={r.svn34.pk}")
    assert in_document == [r.torture.pk, r.roma.pk, r.french.pk]


def test_sorting_by_state_follows_the_names_in_the_readers_language(r):
    """The SQL order (what the API and exports will read) agrees with the list page's."""
    from .builders import make_rec, make_review

    germany = make_rec(make_review("DEU", "UPR", session=30, cycle=3), "Ratify the Convention.")
    english = ordered("sort=state")
    assert english.index(r.death_penalty.pk) < english.index(germany.pk)  # Egypt, Germany
    with translation.override("fr"):
        french = ordered("sort=state")
    # Allemagne before Égypte (the accent folded), before Slovénie.
    assert french.index(germany.pk) < french.index(r.death_penalty.pk) \
        < french.index(r.torture.pk)
    assert sorted(french) == sorted(english)


def test_it_sorts_by_relevance_only_with_a_query_and_only_when_asked(r):
    # The default order needs no ranking, with a search too: the newest reviews first.
    filterset = RecommendationFilter(QueryDict("q=education"))
    assert filterset.sort_key == "newest" and filterset.sort_value == ""
    assert [key for key, _label in filterset.sort_options][:2] == ["", "relevance"]
    assert ordered("q=education") == ordered("q=education&sort=newest")
    ranked = RecommendationFilter(QueryDict("q=education&sort=relevance"))
    assert ranked.sort_key == "relevance" and ranked.sort_value == "relevance"
    assert set(ordered("q=education&sort=relevance")) == pks("q=education")
    plain = RecommendationFilter(QueryDict("sort=relevance"))
    assert plain.sort_key == "newest"
    assert "relevance" not in [key for key, _label in plain.sort_options]
    assert RecommendationFilter(QueryDict("q=roma&sort=oldest")).sort_value == "oldest"


def test_invalid_values_are_reported_and_left_out(r):
    for query in ("theme=abc", "state=FRANCE", "review=-1", "position=maybe", "sort=random",
                  "session=x1", "q=%00", "sdg=4%3Bdrop", "flagged=everything"):
        filterset = RecommendationFilter(QueryDict(query))
        assert filterset.errors, query
        assert set(filterset.qs.values_list("pk", flat=True)) == pks(""), query


# A well-formed value that names nothing the registry has, for every filter of FILTERS.
UNKNOWN_VALUES = {
    "mechanism": "XYZ", "state": "QQQ", "review": "999999", "session": "999", "cycle": "99",
    "position": "maybe", "action_category": "9", "recommending": "QQQ", "theme": "999999",
    "affected": "999999", "sdg": "xyz", "term": "999999", "flagged": "everything",
    "status": "forgotten", "lead": "999999", "cluster": "999999", "assigned": "someone",
    "progress": "rumoured", "overdue": "maybe",
}


def test_every_filter_has_an_unknown_value_to_try():
    assert set(UNKNOWN_VALUES) == {definition.param for definition in FILTERS}


@pytest.mark.parametrize("param", [definition.param for definition in FILTERS])
def test_a_value_that_names_nothing_is_reported_as_a_malformed_one_is(r, param):
    unknown = RecommendationFilter(QueryDict(f"{param}={UNKNOWN_VALUES[param]}"))
    assert param in unknown.filter_errors
    assert set(unknown.qs.values_list("pk", flat=True)) == pks("")
    # With a known value beside it, the whole filter is left out, as with review=abc.
    mixed = RecommendationFilter(QueryDict(f"{param}={UNKNOWN_VALUES[param]}&review=abc"))
    assert {param, "review"} <= set(mixed.filter_errors)


def test_unknown_and_malformed_values_are_said_alike(r):
    malformed = RecommendationFilter(QueryDict("review=abc")).filter_errors["review"]
    unknown = RecommendationFilter(QueryDict("sdg=xyz")).filter_errors["sdg"]
    assert malformed == ["“abc” is not a valid value."]
    assert unknown == ["“xyz” is not a valid value."]


def test_known_values_are_not_reported(r):
    for query in ("mechanism=UPR", "state=SVN", "state=egy", f"review={r.svn34.pk}",
                  "session=34", "cycle=2", "recommending=FRA", f"theme={r.education_issue.pk}",
                  f"affected={r.children.pk}", "sdg=4", "sdg=4.1", f"term={r.sdg_4_5.pk}"):
        assert not RecommendationFilter(QueryDict(query)).filter_errors, query


def test_state_all_asks_for_every_state_and_narrows_nothing(r):
    assert pks("state=all") == pks("") == pks("state=ALL&state=SVN")
    assert pks("state=all&mechanism=CRC") == pks("mechanism=CRC")
    filterset = RecommendationFilter(QueryDict("state=all&position=noted"))
    assert filterset.active_filters == {"position": ["noted"]}
    assert filterset.every_asked == [("state", "all")]
    assert RecommendationFilter(QueryDict("state=SVN")).every_asked == []


def test_too_many_values_are_refused(r):
    filterset = RecommendationFilter(QueryDict("&".join(f"theme={n}" for n in range(60))))
    assert "theme" in filterset.errors


def test_it_names_the_filters_in_use_and_can_leave_some_out(r):
    filterset = RecommendationFilter(QueryDict("q=education&position=noted&theme=3&sort=state"))
    assert filterset.active_filters == {"position": ["noted"], "theme": [3]}
    without = set(filterset.filtered(exclude=["position"]).values_list("pk", flat=True))
    assert without == pks("q=education&theme=3")


def test_it_narrows_a_given_queryset(r):
    from nmirf.recommendations.models import Recommendation

    base = Recommendation.objects.filter(review=r.svn34)
    assert pks("position=noted", queryset=base) == {r.roma.pk}


def test_without_data_it_lists_everything_in_the_default_order(r):
    filterset = RecommendationFilter()
    assert list(filterset.qs.values_list("pk", flat=True)) == ordered("")
