"""Paragraph numbers in the order of the document: 115.2 before 115.10 before 115.100,
"140.7" before "140.7bis" before "140.8", "22 (a)" before "22 (b)" before "23", and a
recommendation without a paragraph after those that have one.

Neither text order ("115.10" before "115.2") nor a number (140.7bis, 12(b)) gives that
order, so each recommendation stores `paragraph_key`: its paragraph as a text that
sorts, character by character, in document order. The key is made of digits only, so that
every database collation (SQLite's bytes, PostgreSQL's locale) and Python's `sorted` put
keys in the same order: the SQL orders of filters.py and the in-memory order of the
registry index (registry_index.py) are then one order.

A paragraph is read as a sequence of numbers and words (anything else separates them):
- a number is "1", its count of digits, its digits (no leading zeros): 7 < 15 < 140;
- a word is "2", two digits per letter (a=10 … z=35; another letter: 36 and its code
  point in seven digits), and "00" to end it: "a" < "ab" < "b";
  the Latin ordinals of inserted paragraphs (bis, ter, quater…) count as the letters b, c,
  d…, and a Roman numeral after a letter (the "(ii)" of "12 (a) (ii)") as its number.
A number sorts before a word at the same place, and a paragraph before its own
sub-paragraphs ("140.7" < "140.7.1"). Every key starts with "0"; a missing paragraph's
key is "9".
"""

import re
import unicodedata
from functools import lru_cache

MISSING = "9"
MAX_LENGTH = 200

_TOKEN = re.compile(r"\d+|[^\W\d_]+")
_ORDINALS = {word: chr(ord("b") + index) for index, word in enumerate(
    "bis ter quater quinquies sexies septies octies novies decies".split())}
_ORDINALS["nonies"] = _ORDINALS["novies"]
_ROMAN = re.compile(r"^(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}


def _number(value: int) -> str:
    digits = str(value)[:9]  # (paragraph numbers have a few digits; ten or more sort as nine)
    return f"1{len(digits)}{digits}"


def _roman(word: str) -> int:
    total = 0
    for index, letter in enumerate(word):
        value = _ROMAN_VALUES[letter]
        following = _ROMAN_VALUES[word[index + 1]] if index + 1 < len(word) else 0
        total += -value if value < following else value
    return total


def _letter(letter: str) -> str:
    if "a" <= letter <= "z":
        return str(ord(letter) - ord("a") + 10)
    return f"36{ord(letter):07d}"


def _word(word: str) -> str:
    return "2" + "".join(_letter(letter) for letter in word) + "00"


def _folded(word: str) -> str:
    """Lower case, accents removed ("É" as "e")."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=65_536)  # an import meets the same few hundred paragraphs again and again
def paragraph_key(paragraph: str | None) -> str:
    """The key that sorts `paragraph` in document order (see the module's docstring)."""
    parts = []
    after_letter = False
    for token in _TOKEN.findall(paragraph or ""):
        if token.isdigit():
            parts.append(_number(int(token)))
            after_letter = False
            continue
        word = _folded(token)
        if not word:
            continue
        if word in _ORDINALS:
            parts.append(_word(_ORDINALS[word]))
            after_letter = True
        elif _ROMAN.match(word) and (after_letter or len(word) > 1):
            # "ii" is a Roman numeral; "i" only after a letter ("(a) (i)"): alone, it is
            # the letter after h.
            parts.append(_number(_roman(word)))
        else:
            parts.append(_word(word))
            after_letter = len(word) == 1
    if not parts:
        return MISSING
    return ("0" + "".join(parts))[:MAX_LENGTH]
