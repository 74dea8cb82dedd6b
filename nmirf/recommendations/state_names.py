"""State names as sources write them, resolved without the database: pycountry's names and
the curated aliases of seed/state_aliases.csv (which win: "Congo" is the Republic of the
Congo). Seeding writes the same table into StateAlias, where administrators can add more;
adapters, which read files before any database look-up, use it directly."""

import csv
import functools
import gettext
from pathlib import Path

import pycountry
from django.utils import translation

from nmirf.core.text import name_key

ALIASES_FILE = Path(__file__).resolve().parent / "seed" / "state_aliases.csv"


@functools.cache
def aliases(*, with_codes: bool = True) -> dict[str, tuple[str, str]]:
    """{folded name: (the name as written, ISO3)}. `with_codes` adds the ISO3 codes
    themselves, which a parser of free text must not take for names ("AND" is Andorra)."""
    table: dict[str, tuple[str, str]] = {}
    for country in pycountry.countries:
        values = [country.name, getattr(country, "official_name", None),
                  getattr(country, "common_name", None)]
        if with_codes:
            values.insert(0, country.alpha_3)
        for value in values:
            if value:
                table[name_key(value)] = (value, country.alpha_3)
    if ALIASES_FILE.exists():
        with ALIASES_FILE.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                table[name_key(row["alias"])] = (row["alias"], row["iso3"])
    return table


@functools.cache
def _spaceless() -> dict[str, str]:
    """{folded name without spaces: the name as written}, to repair "Sierra Le one"."""
    return {key.replace(" ", ""): written
            for key, (written, _iso3) in aliases(with_codes=False).items()}


def known_name(value: str) -> str | None:
    """The state name as written (or repaired, if only its spacing was wrong), or None."""
    if name_key(value) in aliases(with_codes=False):
        return value
    return _spaceless().get(name_key(value).replace(" ", ""))


def iso3_of(value: str) -> str | None:
    """The ISO3 code of a state name, alias or code, or None."""
    table = aliases()
    key = name_key(value)
    if key in table:
        return table[key][1]
    repaired = _spaceless().get(key.replace(" ", ""))
    return table[name_key(repaired)][1] if repaired else None


@functools.cache
def _country_catalog(language: str) -> gettext.NullTranslations:
    # pycountry ships the Debian iso-codes translations of every country name.
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language],
                               fallback=True)


@functools.lru_cache(maxsize=2048)
def _localized(iso3: str, name: str, language: str) -> str:
    country = pycountry.countries.get(alpha_3=iso3)
    if country is None:
        return name
    catalog = _country_catalog(language)
    for english in (getattr(country, "common_name", None), country.name):
        if english and catalog.gettext(english) != english:
            return catalog.gettext(english)
    return name


def localized_name(iso3: str, name: str) -> str:
    """A state's name in the active language (from pycountry's translations of ISO 3166),
    or `name`, the registry's English name, where there is none."""
    language = (translation.get_language() or "en").split("-")[0]
    if language == "en":
        return name
    return _localized(iso3, name, language)


def sort_key(iso3: str, name: str) -> str:
    """Where a state goes in a list sorted by name in the active language: its localized
    name, folded ("Égypte" sorts with "E")."""
    return name_key(localized_name(iso3, name))
