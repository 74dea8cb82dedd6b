"""One theme across cycles: the old UHRI codes of cycle-2 matrices ("B31 Equality &
non-discrimination") stand for today's themes through the theme crosswalk (reference data,
seeded from seed/uhri_theme_crosswalk.csv, edited in the admin). An import labels the
recommendation with today's theme and keeps the old label on its source record; links made
before the crosswalk are moved (seeding.apply_crosswalk, run by migration 0010 and by
`nmirf seed`)."""

import csv

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict

from nmirf.ingest.pipeline import InputFile, run_import, start_run
from nmirf.recommendations.facets import compute_facets
from nmirf.recommendations.filters import RecommendationFilter
from nmirf.recommendations.models import (
    Recommendation,
    RecommendationTerm,
    SourceRecord,
    ThemeCrosswalk,
)
from nmirf.recommendations.seeding import SEED_DIR, apply_crosswalk
from tests.ingest.test_ohchr_matrix import make_matrix

from .builders import make_rec, make_review, term

pytestmark = pytest.mark.django_db

EQUALITY = "Equality & non-discrimination"
RACIAL = "Racial discrimination"
CYCLE_2 = "UPR of Slovenia (2nd Cycle - 20th Session)\tMatrix of recommendations"
CYCLE_3 = "UPR of Slovenia (3rd Cycle - 34th Session)\tThematic list of recommendations"


def matrix_row(text, themes):
    return [text + "\nSource of Position: A/HRC/28/15 - Para.115", "Supported", themes, ""]


def import_matrix(path):
    files = [InputFile(path=path, name=path.name)]
    return run_import(start_run("ohchr_matrix", files), files)


def uhri_counts():
    facets = compute_facets(RecommendationFilter(QueryDict("")))
    return {value.label: value.count for value in facets["uhri_themes"].values}


def test_the_seeded_crosswalk_maps_the_cycle_2_codes_onto_todays_themes():
    assert ThemeCrosswalk.objects.get(old_term=term("uhri_themes", "B31")).term == \
        term("uhri_themes", EQUALITY)
    assert ThemeCrosswalk.objects.get(old_term=term("uhri_themes", "B32")).term == \
        term("uhri_themes", RACIAL)
    with (SEED_DIR / "uhri_theme_crosswalk.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert ThemeCrosswalk.objects.count() == len(rows)


def test_the_crosswalk_file_points_at_final_themes_that_the_seed_holds():
    with (SEED_DIR / "uhri_theme_crosswalk.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    with (SEED_DIR / "uhri_themes.csv").open(encoding="utf-8-sig") as handle:
        codes = {row["code"] for row in csv.DictReader(handle)}
    old = {row["old_code"] for row in rows}
    assert len(old) == len(rows)  # one row per old theme
    assert all(row["old_code"] in codes and row["theme"] in codes for row in rows)
    assert not {row["theme"] for row in rows} & old  # no chains: one hop reaches today's


def test_a_cycle_3_name_that_the_2022_revision_changed_is_todays_too():
    assert ThemeCrosswalk.objects.get(
        old_term=term("uhri_themes", "Sexual & other forms of gender-based violence")
    ).term == term("uhri_themes", "Sexual & gender-based violence")


def test_importing_a_cycle_2_matrix_labels_it_with_todays_theme(tmp_path):
    cycle_2 = make_matrix(tmp_path / "svn20.docx", [
        matrix_row("115.1 Combat discrimination against Roma (Norway);",
                   "B31 Equality & non-discrimination\nB32 Racial discrimination\n"
                   "Affected persons:\n- general"),
    ], header=CYCLE_2)
    cycle_3 = make_matrix(tmp_path / "svn34.docx", [
        matrix_row("121.5 Adopt a law against hate speech (Canada);",
                   "- Equality & non-discrimination\nAffected persons:\n- general"),
    ], header=CYCLE_3)
    assert import_matrix(cycle_2).status == "succeeded"
    assert import_matrix(cycle_3).status == "succeeded"

    old = Recommendation.objects.get(external_key="ohchr_matrix:SVN:20:115.1")
    assert {t.name for t in old.terms.filter(taxonomy__code="uhri_themes")} == {EQUALITY, RACIAL}
    record = SourceRecord.objects.get(recommendation=old)
    assert record.original_term_list == ["B31 Equality & non-discrimination",
                                         "B32 Racial discrimination"]
    # One theme, counted once for both cycles; the old codes are no facet value.
    assert uhri_counts() == {EQUALITY: 2, RACIAL: 1}


def test_an_administrators_edit_of_the_crosswalk_is_followed_by_the_next_import(tmp_path):
    ThemeCrosswalk.objects.filter(old_term=term("uhri_themes", "B32")).update(
        term=term("uhri_themes", EQUALITY))
    path = make_matrix(tmp_path / "svn20.docx", [
        matrix_row("115.2 Combat racism (Norway);", "B32 Racial discrimination"),
    ], header=CYCLE_2)
    assert import_matrix(path).status == "succeeded"
    rec = Recommendation.objects.get(external_key="ohchr_matrix:SVN:20:115.2")
    assert [t.name for t in rec.terms.all()] == [EQUALITY]


def test_links_made_before_the_crosswalk_are_moved_once():
    review = make_review("SVN", "UPR", session=20, cycle=2)
    b31, equality = term("uhri_themes", "B31"), term("uhri_themes", EQUALITY)
    only_old = make_rec(review, "Combat discrimination.", terms=[b31])
    both = make_rec(review, "Combat all discrimination.", terms=[b31, equality])
    SourceRecord.objects.create(recommendation=only_old, source="ohchr_matrix", key="a")
    SourceRecord.objects.create(recommendation=only_old, source="upr_info", key="b")

    assert apply_crosswalk() == 2
    assert not RecommendationTerm.objects.filter(term=b31).exists()
    assert list(only_old.terms.all()) == [equality] and list(both.terms.all()) == [equality]
    assert SourceRecord.objects.get(key="a").original_terms == \
        "B31 Equality & non-discrimination"
    assert SourceRecord.objects.get(key="b").original_terms == ""  # it never said B31
    assert apply_crosswalk() == 0
    assert SourceRecord.objects.get(key="a").original_terms == \
        "B31 Equality & non-discrimination"


def test_a_crosswalk_row_must_map_within_one_taxonomy_onto_another_term():
    b31 = term("uhri_themes", "B31")
    with pytest.raises(ValidationError):
        ThemeCrosswalk(old_term=b31, term=b31).clean()
    with pytest.raises(ValidationError):
        ThemeCrosswalk(old_term=b31, term=term("affected_persons", "General")).clean()
    # Onto a term that is itself an old one: map onto the one it stands for.
    with pytest.raises(ValidationError):
        ThemeCrosswalk(old_term=term("uhri_themes", "B32"),
                       term=term("uhri_themes", "B31")).clean()
