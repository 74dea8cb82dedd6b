"""Paragraph numbers in the order of the document: 115.2 before 115.10 before 115.100,
"140.7" before "140.7bis" before "140.8", "22 (a)" before "22 (b)" before "23", and a
recommendation without a paragraph after those that have one.

Neither text order ("115.10" before "115.2") nor a number (140.7bis, 12(b)) gives that
order, so each recommendation stores `paragraph_key`: its paragraph as an integer that
sorts in document order. An integer, not a text, so that the SQL orders of filters.py and
the in-memory order of the registry index (registry_index.py, which reads it with the
other integer columns) are one order on every database, whatever its collation.

A paragraph is read as a sequence of numbers and words (anything else separates them),
each written as bits, left to right, from the key's highest bit:
- a number: 01, its length in bits (4 bits), its bits: 7 < 15 < 140 (numbers above
  32,767 count as 32,767);
- a word: 10, seven bits per letter (a–z: 1–26; Arabic letters 28–69, in the order of
  their code points; any other letter 127), and seven zero bits to end it: "a" < "ab" < "b".
  The Latin ordinals of inserted paragraphs (bis, ter, quater…) count as the letters b, c,
  d…, and a Roman numeral after a letter (the "(ii)" of "12 (a) (ii)") as its number.
The key's remaining bits are zeros, so a paragraph sorts before its own sub-paragraphs
("140.7" < "140.7.1" < "140.7bis") and a number before a word at the same place. A key
holds 62 bits — "115.100 (a) (iii)" takes 50 —; paragraphs that differ only after them
share a key, and the id orders them. A missing paragraph's key is 2**62: last.
"""

import re
import unicodedata
from functools import lru_cache

BITS = 62
MISSING = 1 << BITS

_TOKEN = re.compile(r"\d+|[^\W\d_]+")
_ORDINALS = {word: chr(ord("b") + index) for index, word in enumerate(
    "bis ter quater quinquies sexies septies octies novies decies".split())}
_ORDINALS["nonies"] = _ORDINALS["novies"]
_ROMAN = re.compile(r"^(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
_LARGEST_NUMBER = (1 << 15) - 1
_ARABIC_LETTERS = range(0x0621, 0x064B)  # hamza … yeh


def _number(value: int) -> str:
    value = min(value, _LARGEST_NUMBER)
    length = value.bit_length()
    return f"01{length:04b}" + (f"{value:0{length}b}" if length else "")


def _letter(letter: str) -> int:
    if "a" <= letter <= "z":
        return ord(letter) - ord("a") + 1
    if ord(letter) in _ARABIC_LETTERS:
        return 28 + ord(letter) - _ARABIC_LETTERS.start
    return 127


def _word(word: str) -> str:
    return "10" + "".join(f"{_letter(letter):07b}" for letter in word) + "0000000"


def _roman(word: str) -> int:
    total = 0
    for index, letter in enumerate(word):
        value = _ROMAN_VALUES[letter]
        following = _ROMAN_VALUES[word[index + 1]] if index + 1 < len(word) else 0
        total += -value if value < following else value
    return total


def _folded(word: str) -> str:
    """Lower case, accents removed ("É" as "e")."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=65_536)  # an import meets the same few hundred paragraphs again and again
def paragraph_key(paragraph: str | None) -> int:
    """The integer that sorts `paragraph` in document order (see the module's docstring)."""
    bits = []
    after_letter = False
    for token in _TOKEN.findall(paragraph or ""):
        if token.isdigit():
            bits.append(_number(int(token)))
            after_letter = False
            continue
        word = _folded(token)
        if not word:
            continue
        if word in _ORDINALS:
            bits.append(_word(_ORDINALS[word]))
            after_letter = True
        elif _ROMAN.match(word) and (after_letter or len(word) > 1):
            # "ii" is a Roman numeral; "i" only after a letter ("(a) (i)"): alone, it is
            # the letter after h.
            bits.append(_number(_roman(word)))
        else:
            bits.append(_word(word))
            after_letter = len(word) == 1
    if not bits:
        return MISSING
    return int("".join(bits)[:BITS].ljust(BITS, "0"), 2)
