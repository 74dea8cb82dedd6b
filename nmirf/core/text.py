"""Text folding shared by search, de-duplication and name matching.

SQLite's FTS5 removes Latin diacritics itself but knows nothing of Arabic: it keeps the
tashkeel (short vowels), the tatweel and the several alef forms, so "التعليم" and
"تعليم" or "إعلان" and "اعلان" would not meet. Folding in Python, the same way for the
indexed text and for the query, makes both backends agree.
"""

import functools
import re
import unicodedata

_ARABIC_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_TATWEEL = "\u0640"
_ALEF_FORMS = str.maketrans({"\u0622": "\u0627", "\u0623": "\u0627", "\u0625": "\u0627",
                             "\u0671": "\u0627", "\u0649": "\u064a", "\u0629": "\u0647"})
# The definite article ال (and its forms after و / ب / ل / ك / ف) is stripped from
# words long enough to still carry a stem: تعليم then matches التعليم.
_ARABIC_ARTICLE = re.compile(r"(?<![\w])(?:[وف]?[بكل]?ال)(?=\w{2,})")
_WORD_SPLIT = re.compile(r"\s+")
# A word, as search, matching and comparison of texts all count words.
WORD = re.compile(r"\w+")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")


def strip_latin_diacritics(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch) or _is_arabic(ch))


def _is_arabic(ch: str) -> bool:
    return "\u0600" <= ch <= "\u06ff"


def fold_arabic(value: str) -> str:
    value = _ARABIC_DIACRITICS.sub("", value).replace(_TATWEEL, "")
    value = value.translate(_ALEF_FORMS)
    return _ARABIC_ARTICLE.sub("", value)


def search_text(value: str) -> str:
    """The form of a text that goes into the full-text index (and of a query)."""
    if not value:
        return ""
    if value.isascii():  # the common case, and 20x faster than the general path
        return value.casefold()
    value = unicodedata.normalize("NFKC", value)
    value = strip_latin_diacritics(value)
    value = value.casefold()
    if any(_is_arabic(ch) for ch in value):
        value = fold_arabic(unicodedata.normalize("NFC", value))
    return unicodedata.normalize("NFC", value)


@functools.lru_cache(maxsize=4096)
def name_key(value: str) -> str:
    """Fold a state or term name so that spelling variants meet: case, accents, '&',
    punctuation and spacing ("Côte d'Ivoire" = "Cote d Ivoire", "Bosnia & Herzegovina" =
    "Bosnia and Herzegovina")."""
    value = strip_latin_diacritics(unicodedata.normalize("NFKC", value)).casefold()
    value = value.replace("&", " and ")
    value = re.sub(r"[^\w]+", " ", value)
    return _WORD_SPLIT.sub(" ", value).strip()


def clean_text(value: str) -> str:
    """Collapse whitespace and strip control characters that sources leave in text."""
    if value.isascii() and value.isprintable():  # no control characters, no line breaks
        if "  " not in value and value[:1] != " " and value[-1:] != " ":
            return value  # the common case, several times faster
    elif _CONTROL.search(value):
        value = _CONTROL.sub(" ", value)
    return " ".join(value.split())
