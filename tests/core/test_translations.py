"""The shipped translation catalogs (French, Spanish, Arabic): complete, compiled, used by
Django, and the Arabic pages laid out right to left.

The .po files are read with a small parser of our own and the .mo files with the standard
library's gettext, so these tests need neither GNU gettext nor polib."""

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
SHIPPED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0


def _unquote(text: str) -> str:
    # A PO string uses C escapes (\" \\ \n \t), which a Python string literal reads alike.
    return ast.literal_eval(text)


def parse_po(path: Path) -> list[Entry]:
    """Every live entry of a .po file (obsolete `#~` entries are left out), header first."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None
    flags: set[str] = set()

    def start(number: int) -> Entry:
        nonlocal flags
        entry = Entry(flags=flags, line=number)
        flags = set()
        entries.append(entry)
        return entry

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            target = None
            continue
        if line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        keyword, _space, rest = line.partition(" ")
        if keyword == "msgctxt":
            current = start(number)
            current.msgctxt, target = _unquote(rest), ("msgctxt", None)
        elif keyword == "msgid":
            if target != ("msgctxt", None):  # a msgctxt line starts its entry itself
                current = start(number)
            current.msgid, target = _unquote(rest), ("msgid", None)
        elif keyword == "msgid_plural":
            current.msgid_plural, target = _unquote(rest), ("msgid_plural", None)
        elif keyword == "msgstr":
            current.msgstr, target = _unquote(rest), ("msgstr", None)
        elif keyword.startswith("msgstr["):
            index = int(keyword[7:-1])
            current.msgstr_plural[index] = _unquote(rest)
            target = ("msgstr_plural", index)
        elif line.startswith('"') and current is not None and target is not None:
            name, index = target
            if name == "msgstr_plural":
                current.msgstr_plural[index] += _unquote(line)
            else:
                setattr(current, name, getattr(current, name) + _unquote(line))
        else:
            raise AssertionError(f"{path}:{number}: cannot read {raw!r}")
    return entries


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def catalog(language: str) -> tuple[Entry, list[Entry]]:
    """The header entry and the messages of a language's catalog."""
    entries = parse_po(po_path(language))
    assert entries and entries[0].msgid == "", f"{po_path(language)} has no header entry"
    return entries[0], entries[1:]


def header_field(header: Entry, name: str) -> str:
    for line in header.msgstr.splitlines():
        key, _colon, value = line.partition(":")
        if key.strip() == name:
            return value.strip()
    raise AssertionError(f"the catalog header has no {name}")


def nplurals(header: Entry) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", header_field(header, "Plural-Forms"))
    assert match, "the Plural-Forms header gives no nplurals"
    return int(match.group(1))


def describe(entry: Entry) -> str:
    context = f"[{entry.msgctxt}] " if entry.msgctxt else ""
    return f"line {entry.line}: {context}{entry.msgid!r}"


# -- (a) complete ---------------------------------------------------------------------------


def test_every_shipped_language_has_a_catalog():
    assert set(SHIPPED) == {"fr", "es", "ar"}
    for language in SHIPPED:
        assert po_path(language).is_file(), f"no catalog for {language}"
        assert po_path(language).with_suffix(".mo").is_file(), f"{language} is not compiled"


@pytest.mark.parametrize("language", SHIPPED)
def test_catalog_has_no_untranslated_or_fuzzy_entry(language):
    header, messages = catalog(language)
    assert messages, f"the {language} catalog is empty"
    assert "fuzzy" not in header.flags, f"the {language} header is still marked fuzzy"
    assert header_field(header, "Language") == language
    forms = nplurals(header)
    problems = []
    for entry in messages:
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {describe(entry)}")
        if entry.msgid_plural is None:
            if not entry.msgstr.strip():
                problems.append(f"untranslated: {describe(entry)}")
        else:
            filled = [i for i, text in entry.msgstr_plural.items() if text.strip()]
            if sorted(filled) != list(range(forms)):
                problems.append(f"plural forms {sorted(filled)} of {forms}: {describe(entry)}")
    assert not problems, f"{language}:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", SHIPPED)
def test_translations_keep_the_placeholders(language):
    _header, messages = catalog(language)
    problems = []
    for entry in messages:
        if entry.msgid_plural is None:
            if sorted(PLACEHOLDER.findall(entry.msgstr)) != sorted(
                PLACEHOLDER.findall(entry.msgid)
            ):
                problems.append(describe(entry))
            continue
        allowed = set(PLACEHOLDER.findall(entry.msgid)) | set(
            PLACEHOLDER.findall(entry.msgid_plural)
        )
        for text in entry.msgstr_plural.values():
            # A plural form may leave the count out ("one recommendation"), never add one.
            if not set(PLACEHOLDER.findall(text)) <= allowed:
                problems.append(describe(entry))
    assert not problems, f"{language}: placeholders changed in\n" + "\n".join(problems)


# -- (b) compiled -----------------------------------------------------------------------------


def _index_of_each_plural_form(translations: gettext.GNUTranslations, forms: int) -> dict:
    """A count that selects each plural form, by the compiled catalog's own plural rule."""
    counts = {}
    for n in [*range(0, 1001), 1_000_000, 2_000_000]:
        counts.setdefault(translations.plural(n), n)
    assert sorted(counts) == list(range(forms)), "the compiled plural rule misses a form"
    return counts


@pytest.mark.parametrize("language", SHIPPED)
def test_compiled_catalog_matches_the_po_file(language):
    """Run `nmirf compilemessages --ignore=.venv` after editing a .po file: the .mo files are
    committed, so that machines without GNU gettext show the translations too."""
    header, messages = catalog(language)
    with po_path(language).with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    assert compiled.info().get("plural-forms") == header_field(header, "Plural-Forms")
    counts = _index_of_each_plural_form(compiled, nplurals(header))
    stale = []
    for entry in messages:
        if entry.msgid_plural is None:
            if entry.msgctxt is None:
                got = compiled.gettext(entry.msgid)
            else:
                got = compiled.pgettext(entry.msgctxt, entry.msgid)
            if got != entry.msgstr:
                stale.append(describe(entry))
            continue
        for index, n in counts.items():
            if entry.msgctxt is None:
                got = compiled.ngettext(entry.msgid, entry.msgid_plural, n)
            else:
                got = compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
            if got != entry.msgstr_plural[index]:
                stale.append(f"{describe(entry)} form {index}")
    assert not stale, f"{language}: the .mo file is older than the .po file for\n" + "\n".join(
        stale
    )


# -- (c) used by Django -----------------------------------------------------------------------

KEY_STRINGS = {
    "fr": {"Universal Periodic Review": "Examen périodique universel", "Noted": "Prise en note",
           "Imports": "Importations", "State under review": "État examiné"},
    "es": {"Universal Periodic Review": "Examen Periódico Universal", "Noted": "Anotada",
           "Imports": "Importaciones", "State under review": "Estado examinado"},
    "ar": {"Universal Periodic Review": "الاستعراض الدوري الشامل", "Noted": "أحيط بها علماً",
           "Imports": "عمليات الاستيراد", "Recommendations": "التوصيات"},
}


@pytest.mark.parametrize("language", SHIPPED)
def test_key_strings_translate(language):
    from nmirf.recommendations.models import MechanismKind, Position

    expected = KEY_STRINGS[language]
    with translation.override(language):
        assert str(MechanismKind.UPR.label) == expected["Universal Periodic Review"]
        assert str(Position.NOTED.label) == expected["Noted"]
        for msgid, msgstr in expected.items():
            assert translation.gettext(msgid) == msgstr


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("fr", 1, "1 recommandation"),
        ("fr", 5, "5 recommandations"),
        ("es", 1, "1 recomendación"),
        ("es", 5, "5 recomendaciones"),
        ("ar", 2, "2 توصيتان"),
        ("ar", 3, "3 توصيات"),
        ("ar", 11, "11 توصية"),
    ],
)
def test_plural_forms_follow_each_language(language, count, expected):
    with translation.override(language):
        text = translation.ngettext(
            "%(number)s recommendation", "%(number)s recommendations", count
        )
    assert text % {"number": count} == expected


# -- (d) the pages ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_arabic_pages_are_right_to_left(observer_client):
    response = observer_client.get("/ar/recommendations/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="ar"' in html
    assert 'dir="rtl"' in html
    assert "bootstrap.rtl.min.css" in html
    assert "التوصيات" in html
    assert "تسجيل الخروج" in html  # "Log out"


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "heading"), [("fr", "Recommandations"),
                                                   ("es", "Recomendaciones")])
def test_left_to_right_pages_are_translated(observer_client, language, heading):
    response = observer_client.get(f"/{language}/recommendations/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'lang="{language}"' in html
    assert 'dir="ltr"' in html
    assert "bootstrap.rtl.min.css" not in html
    assert f">{heading}</h1>" in html
