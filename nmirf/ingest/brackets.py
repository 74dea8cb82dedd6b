"""Recommending states in brackets, as UN documents write them: "Ratify the OP-CAT
(France, Portugal); Consider ratifying the OP-CAT (Chile)." Read without a database, from
the state names and aliases of recommendations/state_names.py.

- `split_recommendation(body)`: a recommendation's text without its trailing "(State)"
  brackets, and its recommending states (the OHCHR matrix and the UPR Working Group
  report cut their texts so, and must cut them alike to be matched);
- `clustered_parts(text)`: the recommendations a clustered paragraph gathers, each with
  the states named after it ("… (Brazil); Speed up … (Estonia); …"), for the import to
  link each source's own record of one of them (a UPR Info row, one per recommending
  state) to the paragraph (ingest/commit.py).
"""

import functools
import re

from nmirf.core.text import clean_text
from nmirf.recommendations import state_names

_CLAUSE_END = re.compile(r"\s*(?:[;.,(]|$)")
_TRAILING_PUNCT = re.compile(r"[\s;,.]*$")


@functools.lru_cache(maxsize=4096)
def known_state(value: str) -> str | None:
    """The state name as written (or repaired, if only its spacing was wrong), or None."""
    value = clean_text(value).strip(" ;,.")
    return state_names.known_name(value) if value else None


def split_top_level(value: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for index, char in enumerate(value):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char in ",;" and depth == 0:
            parts.append(value[start:index])
            start = index + 1
    parts.append(value[start:])
    return [clean_text(part) for part in parts if clean_text(part)]


@functools.cache
def _most_parts() -> int:
    """How many comma-separated parts the longest-split known state name has ("Congo, The
    Democratic Republic of the": 2): no longer run of parts can be one name."""
    return max(len(split_top_level(written))
               for written, _iso3 in state_names.aliases(with_codes=False).values())


def _state_names(inner: str) -> list[str] | None:
    """The state names in a bracket ("Portugal, Slovakia"), or None if any part is not a
    known state. Adjacent parts are joined when together they make a name
    ("Korea, Republic of"): at most as many as the longest known name has (_most_parts),
    so that a bracket of 20,000 names is read in linear time, not cubic."""
    parts = split_top_level(inner)
    names: list[str] = []
    index = 0
    window = _most_parts()
    while index < len(parts):
        for end in range(min(len(parts), index + window), index, -1):
            known = known_state(", ".join(parts[index:end]))
            if known:
                names.append(known)
                index = end
                break
        else:
            pieces = re.split(r"\s+and\s+", re.sub(r"^and\s+", "", parts[index]))
            known_pieces = [known_state(piece) for piece in pieces]
            if len(pieces) > 1 and all(known_pieces):
                names.extend(known_pieces)
                index += 1
            else:
                return None
    return names or None


def _looks_like_names(inner: str) -> list[str] | None:
    """For the last bracket of a text: names that are not known but look like names
    (a capital, then lower-case letters; no digits; not an acronym)."""
    parts = split_top_level(inner)
    if not parts or any(
        not part[:1].isupper() or not re.search(r"[a-z]", part) or re.search(r"\d", part)
        or len(part) > 80
        for part in parts
    ):
        return None
    return parts


def _brackets(value: str) -> list[tuple[int, int]]:
    """Top-level balanced brackets as (start, end) offsets, end exclusive."""
    found, depth, start = [], 0, 0
    for index, char in enumerate(value):
        if char == "(":
            if depth == 0:
                start = index
            depth += 1
        elif char == ")" and depth:
            depth -= 1
            if depth == 0:
                found.append((start, index + 1))
    return found


def split_recommendation(body: str) -> tuple[str, list[str]]:
    """The text without its trailing "(State)" suffix, and the recommending states."""
    brackets = _brackets(body)
    state_brackets: dict[tuple[int, int], list[str]] = {}
    for start, end in brackets:
        if _CLAUSE_END.match(body, end):
            names = _state_names(body[start + 1:end - 1])
            if names:
                state_brackets[(start, end)] = names
    if brackets and brackets[-1] not in state_brackets:
        start, end = brackets[-1]
        if _TRAILING_PUNCT.fullmatch(body, end):
            names = _looks_like_names(body[start + 1:end - 1])
            if names:
                state_brackets[(start, end)] = names
    text_end = len(body)
    for start, end in reversed(brackets):
        tail = body[end:text_end]
        if (start, end) not in state_brackets or not _TRAILING_PUNCT.fullmatch(tail):
            break
        text_end = start
    text = body[:text_end].rstrip(" ;,.\t")
    states: dict[str, None] = {}  # in order, each once (a dict: a list's `in` is quadratic)
    for key in sorted(state_brackets):
        states.update(dict.fromkeys(state_brackets[key]))
    return text, list(states)


def clustered_parts(text: str) -> list[tuple[str, list[str]]]:
    """The recommendations a clustered paragraph's text gathers, as (text, state names)
    for each one followed by a bracket of known state names and a clause end ("…
    (Brazil); …"); the last one, whose bracket split_recommendation cut off, with no
    names (its states are the paragraph's others). [] for a text of one recommendation."""
    parts: list[tuple[str, list[str]]] = []
    start = 0
    for bracket_start, bracket_end in _brackets(text):
        if not _CLAUSE_END.match(text, bracket_end) or bracket_end >= len(text.rstrip(" ;,.")):
            continue
        names = _state_names(text[bracket_start + 1:bracket_end - 1])
        if not names:
            continue
        part = text[start:bracket_start].strip(" ;,.")
        if part:
            parts.append((part, names))
        start = bracket_end
    if not parts:
        return []
    last = text[start:].strip(" ;,.")
    if last:
        parts.append((last, []))
    return parts
