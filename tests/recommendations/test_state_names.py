"""States are named as the UN names them (UNTERM short names in its six languages), not as
ISO 3166 does; lists of names are joined as each language joins them."""

import importlib

import pytest
from django.utils import translation

from nmirf.recommendations import state_names
from nmirf.recommendations.models import State
from nmirf.recommendations.reference_updates import Change, apply_updates
from nmirf.recommendations.state_names import (
    iso3_of,
    join_names,
    list_separator,
    localized_name,
    un_name,
)


@pytest.mark.parametrize(("language", "iso3", "pycountry_name", "un"), [
    ("en", "PRK", "North Korea", "Democratic People's Republic of Korea"),
    ("en", "VNM", "Vietnam", "Viet Nam"),
    ("en", "COD", "Congo, The Democratic Republic of the", "Democratic Republic of the Congo"),
    ("fr", "RUS", "Russian Federation", "Fédération de Russie"),
    ("es", "DZA", "Algeria", "Argelia"),
    ("ar", "DZA", "Algeria", "الجزائر"),
    ("fr", "PRK", "North Korea", "République populaire démocratique de Corée"),
    # The upstream table gives Nauru's own name ("Naoero"); the UN's is corrected.
    ("en", "NRU", "Nauru", "Nauru"),
    ("ar", "NRU", "Nauru", "ناورو"),
])
def test_it_names_a_state_as_the_un_does_in_the_readers_language(language, iso3,
                                                                   pycountry_name, un):
    with translation.override(language):
        assert localized_name(iso3, pycountry_name) == un


def test_it_knows_the_six_un_languages():
    assert un_name("RUS", "ru") == "Российская Федерация"
    assert un_name("VNM", "zh-hans") == "越南"
    assert {language for names in state_names.un_names().values() for language in names} \
        == {"ar", "zh", "en", "fr", "ru", "es"}


def test_it_falls_back_to_pycountry_where_the_un_list_has_no_name():
    # The UN list names Taiwan in English only.
    assert un_name("TWN", "fr") is None
    with translation.override("fr"):
        name = localized_name("TWN", "Taiwan")
    assert name and name != "Taiwan (Province of China)"
    # A code that nothing knows keeps the registry's name.
    with translation.override("fr"):
        assert localized_name("XXX", "Nowhere") == "Nowhere"


def test_sources_written_names_still_resolve():
    for name in ("Viet Nam", "Vietnam", "VNM", "Democratic People's Republic of Korea",
                 "North Korea", "Bolivia (Plurinational State of)"):
        assert iso3_of(name) in {"VNM", "PRK", "BOL"}, name


def test_lists_are_joined_as_each_language_joins_them():
    assert join_names(["شيلي", "بيرو"], "ar") == "شيلي، بيرو"
    assert join_names(["Chili", "Pérou"], "fr") == "Chili, Pérou"
    with translation.override("ar"):
        assert list_separator() == "، "
    with translation.override("es"):
        assert list_separator() == ", "


@pytest.mark.django_db
def test_a_new_database_holds_the_un_names():
    assert State.objects.get(iso3="PRK").name == "Democratic People's Republic of Korea"
    assert State.objects.get(iso3="VNM").name == "Viet Nam"


@pytest.mark.django_db
def test_the_migration_renames_a_state_unless_a_person_renamed_it():
    from django.apps import apps

    migration = importlib.import_module(
        "nmirf.recommendations.migrations.0010_theme_crosswalk_and_un_names")
    State.objects.filter(iso3="VNM").update(name="Vietnam")  # as seeded before
    State.objects.filter(iso3="PRK").update(name="DPR Korea (our name)")  # edited
    changes = [Change("State", {"iso3": iso3}, "name", shipped=shipped, new=new)
               for iso3, shipped, new in migration.STATE_NAMES]
    outcomes = {update.key["iso3"]: outcome
                for update, outcome in apply_updates(apps, "default", changes)}
    assert (outcomes["VNM"], outcomes["PRK"]) == ("applied", "kept")
    assert State.objects.get(iso3="VNM").name == "Viet Nam"
    assert State.objects.get(iso3="PRK").name == "DPR Korea (our name)"


def test_an_english_name_an_administrator_gave_is_shown_in_english_only():
    with translation.override("en"):
        assert localized_name("PRK", "DPR Korea (our name)") == "DPR Korea (our name)"
        assert localized_name("PRK", "North Korea") == "Democratic People's Republic of Korea"
    with translation.override("fr"):
        assert localized_name("PRK", "DPR Korea (our name)") == \
            "République populaire démocratique de Corée"
