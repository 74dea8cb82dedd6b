"""State names as sources write them, resolved without the database: pycountry's names,
the UN's English short names (seed/state_names_un.csv) and the curated aliases of
seed/state_aliases.csv (which win: "Congo" is the Republic of the Congo). Seeding writes the
same table into StateAlias, where administrators can add more; adapters, which read files
before any database look-up, use it directly.

State names as the registry *shows* them are the UN's (UNTERM short names in the six
official languages: "Viet Nam", "Fédération de Russie", "Argelia"), not ISO 3166's
("Vietnam", "Russie, Fédération de"): the readers are UN mechanisms and the states that
answer them. pycountry's translations of ISO 3166 fill in where the UN list has no name."""

import csv
import functools
import gettext
from pathlib import Path

import pycountry
from django.utils import translation

from nmirf.core.text import name_key

ALIASES_FILE = Path(__file__).resolve().parent / "seed" / "state_aliases.csv"
UN_NAMES_FILE = Path(__file__).resolve().parent / "seed" / "state_names_un.csv"
# The six official languages of the UN, as the columns of UN_NAMES_FILE name them.
UN_LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
# How a list of names is joined in each language: Arabic has its own comma.
LIST_SEPARATORS = {"ar": "، "}
DEFAULT_SEPARATOR = ", "


@functools.cache
def un_names() -> dict[str, dict[str, str]]:
    """{ISO3: {language: the UN short name}}; a language without a name is left out."""
    table: dict[str, dict[str, str]] = {}
    if UN_NAMES_FILE.exists():
        with UN_NAMES_FILE.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                table[row["iso3"]] = {language: row[language].strip()
                                      for language in UN_LANGUAGES if row.get(language, "").strip()}
    return table


def un_name(iso3: str, language: str = "en") -> str | None:
    """The UN short name of a state in `language` ("zh-hans" reads "zh"), or None."""
    return un_names().get(iso3, {}).get(_base(language))


def _base(language: str | None) -> str:
    return (language or "en").split("-")[0].lower()


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
        values.append(un_name(country.alpha_3, "en"))
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
    """A state's name in the active language: the UN's short name where the UN list has
    one, else pycountry's translation of ISO 3166, else `name`, the registry's English
    name. In English, `name` itself unless it is ISO 3166's ("Vietnam")."""
    language = _base(translation.get_language())
    if language == "en" and name and name not in _iso_names(iso3):
        # The registry's own English name: the UN's since migration 0010, or the one an
        # administrator gave the state, which stays theirs.
        return name
    written = un_name(iso3, language)
    if written:
        return written
    if language == "en":
        return name
    return _localized(iso3, name, language)


@functools.lru_cache(maxsize=512)
def _iso_names(iso3: str) -> frozenset[str]:
    """pycountry's English names of a state, which the registry held before it took the
    UN's: shown as the UN writes them."""
    country = pycountry.countries.get(alpha_3=iso3)
    if country is None:
        return frozenset()
    return frozenset(value for value in (country.name, getattr(country, "common_name", None),
                                         getattr(country, "official_name", None)) if value)


def list_separator(language: str | None = None) -> str:
    """What separates the items of a list in `language` (the active one by default)."""
    return LIST_SEPARATORS.get(_base(language or translation.get_language()),
                               DEFAULT_SEPARATOR)


def join_names(names, language: str | None = None) -> str:
    """Names joined as the language joins a list: "Chili, Pérou", "شيلي، بيرو"."""
    return list_separator(language).join(str(name) for name in names)


def sort_key(iso3: str, name: str) -> str:
    """Where a state goes in a list sorted by name in the active language: its localized
    name, folded ("Égypte" sorts with "E")."""
    return name_key(localized_name(iso3, name))
