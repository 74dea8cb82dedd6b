"""The counts the README states for the shared data: the six UPR Info CSVs and the six OHCHR
matrices, imported through the real pipeline."""

from collections import defaultdict

from nmirf.analysis.stats import registry_stats
from nmirf.ingest.pipeline import InputFile, run_import, start_run
from nmirf.recommendations.models import (
    Merge,
    Recommendation,
    RecommendationTerm,
    RecommendingState,
    SourceRecord,
)
from tests.conftest import RAW, shared_file


def import_all(source, paths):
    files = [InputFile(path=path, name=path.name) for path in paths]
    return run_import(start_run(source, files), files)


def upr_info_files():
    shared_file("upr_info_sessions_01-20", "upr_info_1-5.csv")
    return sorted((RAW / "upr_info_sessions_01-20").glob("*.csv"))


def matrix_files():
    shared_file("ohchr_upr_matrices")
    return sorted((RAW / "ohchr_upr_matrices").glob("*.docx"))


def test_the_six_upr_info_files_give_40814_recommendations(db):
    run = import_all("upr_info", upr_info_files())
    assert (run.created, run.rejected, run.possible_duplicates) == (40_814, 0, 6)
    stats = registry_stats()
    assert stats["recommendations"] == 40_814
    assert stats["by_position"] == {"noted": 10_279, "supported": 29_656,
                                    "voluntary_pledge": 879}
    assert sorted(map(int, stats["by_session"])) == list(range(1, 21))
    assert len(stats["by_state"]) == 188


def test_the_six_matrices_give_1530_recommendations(db):
    run = import_all("ohchr_matrix", matrix_files())
    assert (run.created, run.rejected) == (1_530, 0)
    by_state_session = {
        (review, count) for review, count in
        registry_stats()["by_state"].items()
    }
    assert by_state_session == {("SVN", 163 + 215 + 254), ("CHN", 252 + 346), ("EGY", 300)}
    assert Recommendation.objects.filter(position="supported_in_part").count() == 23


def _states_of_matrix_recommendations() -> dict[int, set[int]]:
    states: dict[int, set[int]] = {}
    for rec_id, state_id in RecommendingState.objects.filter(
            recommendation__sources__source="ohchr_matrix").values_list(
            "recommendation_id", "state_id"):
        states.setdefault(rec_id, set()).add(state_id)
    return states


def test_both_sources_together_keep_each_recommendation_once(db):
    import_all("ohchr_matrix", matrix_files())
    paragraph_states = _states_of_matrix_recommendations()
    run = import_all("upr_info", upr_info_files())
    assert run.created + run.updated == 40_814
    # 789 UPR Info rows belong to the three reviews both sources hold: 785 recommendations
    # of a matrix paragraph (one row per recommending state, where a paragraph clusters
    # several) and 4 voluntary pledges of China's that the matrix does not list.
    both = SourceRecord.objects.filter(source="upr_info", recommendation__sources__source=
                                       "ohchr_matrix").count()
    assert both == 781  # 99.5 % of the 785
    assert Recommendation.objects.count() == 1_530 + 40_814 - 781
    # No wrong link: a UPR Info row joins a paragraph only for a state the paragraph names,
    # so no paragraph gained a recommending state.
    assert _states_of_matrix_recommendations() == paragraph_states
    # The 4 left: nearly the same text as a paragraph (UPR Info's shortened), flagged for a
    # person, besides UPR Info's own 6 exact repeats.
    assert run.possible_duplicates == 10
    nearly = Recommendation.objects.filter(possible_duplicate_of__sources__source="ohchr_matrix")
    assert nearly.count() == 4
    # Each paragraph keeps the matrix's values and takes UPR Info's action category, which
    # the matrix does not give (ingest/merging.py): every UPR Info row's recommendation has one.
    assert Recommendation.objects.filter(action_category__isnull=False).count() == 40_744
    assert Recommendation.objects.filter(position="supported_in_part").count() == 23
    again = import_all("upr_info", upr_info_files())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 40_814)


DIFFER = 22


def registry_as_read() -> set[tuple]:
    """Every active recommendation as a person reads it — review, paragraph, text,
    position, action category, recommending states, labels, sources, whether it is flagged
    — whatever its id."""
    states, terms, sources = defaultdict(list), defaultdict(list), defaultdict(list)
    for rec_id, iso3 in RecommendingState.objects.values_list("recommendation_id",
                                                              "state__iso3"):
        states[rec_id].append(iso3)
    for rec_id, code in RecommendationTerm.objects.values_list("recommendation_id",
                                                               "term__code"):
        terms[rec_id].append(code)
    for rec_id, source, key in SourceRecord.objects.values_list("recommendation_id", "source",
                                                                "key"):
        sources[rec_id].append(f"{source}:{key}")
    return {(review, paragraph, text, position, action, tuple(sorted(states[pk])),
             tuple(sorted(terms[pk])), tuple(sorted(sources[pk])), flagged is not None,
             differ)
            for pk, review, paragraph, text, position, action, flagged, differ in
            Recommendation.objects.active().values_list(
                "pk", "review__key", "paragraph", "text", "position", "action_category",
                "possible_duplicate_of", "positions_differ")}


def test_the_same_files_in_either_order_give_the_same_registry(db):
    import_all("ohchr_matrix", matrix_files())
    import_all("upr_info", upr_info_files())
    matrices_first, stats_first = registry_as_read(), registry_stats()
    # Where UPR Info's position for a recommending state is not the matrix's (Egypt's
    # "Supported/Noted" paragraphs among them): marked for a person, in either order.
    differ = Recommendation.objects.filter(positions_differ=True).count()
    assert differ == DIFFER
    for model in (Merge, SourceRecord, RecommendationTerm, RecommendingState):
        model.objects.all().delete()
    Recommendation.objects.all().delete()

    import_all("upr_info", upr_info_files())
    run = import_all("ohchr_matrix", matrix_files())
    # A clustered paragraph joins the copies UPR Info keeps of it, one per recommending
    # state; the extra copies are archived (a person can undo that like any merge).
    assert (run.created, run.updated) == (819, 711)
    assert Merge.objects.count() == 70
    assert registry_as_read() == matrices_first
    assert Recommendation.objects.active().filter(positions_differ=True).count() == differ
    assert registry_stats() == stats_first
