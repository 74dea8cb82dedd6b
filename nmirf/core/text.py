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
# Control characters no stored text may hold: C0 (but tab and line feed), DEL and C1. A
# vertical tab or form feed is what Word and Excel leave for a manual line break.
_STORED_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile("\r\n?|[\x0b\x0c]")
# What a terminal would act on rather than show: C0 and C1 controls (ESC starts colour,
# cursor and title sequences; CSI is \x9b), DEL, and the bidirectional overrides and
# isolates that reorder what is shown ("Trojan source").
_TERMINAL_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                              "\u2066-\u2069]")


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


def without_controls(value: str) -> str:
    """The text as it may be stored: line breaks as line feeds, and no control character
    other than tab and line feed (a NUL, an escape sequence or a C1 control pasted into a
    file would otherwise reach every page, export and terminal that shows the text)."""
    if value.isprintable():
        return value
    return _STORED_CONTROL.sub("", _LINE_BREAKS.sub("\n", value))


def has_controls(value: str) -> bool:
    """Whether a value holds a character that without_controls would change (for values
    that identify something, where removing a character silently would be wrong)."""
    return not value.isprintable() and bool(_STORED_CONTROL.search(_LINE_BREAKS.sub("", value)))


def for_terminal(value: str) -> str:
    """A text as a terminal may be given it: each control character (and each
    bidirectional override) written as its escape, such as \\x1b, so that nothing read
    from a file can colour, move, retitle or clear the terminal that shows a message."""
    return _TERMINAL_UNSAFE.sub(_escape, value)


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
