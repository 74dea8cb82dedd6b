"""Terms are shown in the reader's language: SDG goals and targets in the UN's official
text, the other shipped taxonomies (UHRI themes, affected persons, UPR Info issues) and the
taxonomies' own names through the gettext catalogs, for which taxonomy_labels.py marks
them."""

import ast
import csv

import pytest
from django.utils import translation

from nmirf.ingest.sources import source_title
from nmirf.recommendations import term_names
from nmirf.recommendations.models import Taxonomy, term_label
from nmirf.recommendations.seeding import SEED_DIR, TAXONOMIES

PEACE = "16. Peace, justice and strong institutions"
RULE_OF_LAW = ("16.3 Promote the rule of law at the national and international levels and "
               "ensure equal access to justice for all")


def test_the_labels_module_is_in_step_with_the_seed_files():
    assert term_names.LABELS_MODULE.read_text(encoding="utf-8") == \
        term_names.labels_module(), "run `nmirf term_labels` after changing a seed CSV"


def test_the_labels_module_marks_every_shipped_name_for_makemessages():
    tree = ast.parse(term_names.LABELS_MODULE.read_text(encoding="utf-8"))
    marked = [node.args[0].value for node in ast.walk(tree)
              if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "gettext_noop"]
    for file_name in ("uhri_themes.csv", "affected_persons.csv", "upr_info_issues.csv"):
        with (SEED_DIR / file_name).open(encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                assert row["name"] in marked, row["name"]
    for _code, name, _open, _description in TAXONOMIES:
        assert name in marked


@pytest.mark.parametrize(("language", "expected"), [
    ("fr", "16. Paix, justice et institutions efficaces"),
    ("es", "16. Paz, justicia e instituciones fuertes"),
    ("ar", "16. السلام والعدالة - مؤسسات قوية"),
    ("en", PEACE),
])
def test_an_sdg_goal_is_shown_in_the_uns_text_for_the_language(language, expected):
    with translation.override(language):
        assert term_label("16", PEACE) == expected


def test_an_sdg_target_is_shown_in_the_uns_text_without_the_justification_letter():
    with translation.override("fr"):
        label = term_label("16.3", RULE_OF_LAW)
    assert label.startswith("16.3 Promouvoir l") and label.endswith("justice")
    with translation.override("ar"):
        assert "ـ" not in term_label("10.7", term_names._sdg_names()["10.7"]["en"])


def test_a_theme_numbered_like_a_target_is_not_taken_for_one():
    # Egypt's older UHRI scheme numbers "Acceptance of international norms" 2.1.
    with translation.override("fr"):
        assert term_label("2.1", "Acceptance of international norms").startswith("2.1 ")
        assert "agriculture" not in term_label("2.1", "Acceptance of international norms")


def test_an_sdg_name_an_administrator_changed_is_shown_as_written():
    with translation.override("fr"):
        assert term_label("16", "16. Peace (our wording)") == "16. Peace (our wording)"


def test_other_terms_go_through_the_catalogs():
    with translation.override("fr"):
        assert term_label("Judiciary", "Judiciary") == "Pouvoir judiciaire"
        assert term_label("B31", "Equality & non-discrimination") == \
            f"B31 {translation.gettext('Equality & non-discrimination')}"
        # A national plan objective that no catalog knows.
        assert term_label("NP-1", "Objectif national 1") == "NP-1 Objectif national 1"


def test_a_taxonomys_name_is_translated():
    with translation.override("fr"):
        assert Taxonomy(name="Affected persons").label == "Personnes concernées"
        assert Taxonomy(name="Our own taxonomy").label == "Our own taxonomy"


def test_the_seed_carries_every_goal_and_target_in_the_other_un_languages():
    names = term_names._sdg_names()
    goals = [str(n) for n in range(1, 18)]
    assert all(set(names[goal]) == {"en", "ar", "es", "fr", "ru", "zh"} for goal in goals)
    targets = [code for code in names if "." in code]
    assert len(targets) == 169
    assert all(set(names[code]) == {"en", "ar", "es", "fr", "ru", "zh"} for code in targets)


def test_source_formats_are_named_in_words():
    with translation.override("en"):
        assert source_title("ohchr_matrix") == "OHCHR recommendations matrix"
        assert source_title("upr_info") == "UPR Info database export"
        assert source_title("template") == "OpenNMIRF template"
        assert source_title("a_format_since_removed") == "a_format_since_removed"
