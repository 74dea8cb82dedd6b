"""A person's decision on a possible duplicate that an import flagged, and the comparison
of the two texts that helps make it (also used for repeats in other reviews: the words one
text changed from the other, `difference`).

- "Same recommendation": the later copy is archived (never deleted: nothing a person or a
  source wrote is lost) and keeps its link to the one that stays; its source records and
  links stay with it, so the history of where it was seen is kept.
- "Different recommendations": the flag is cleared; both stay in the registry.
"""

import difflib
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from nmirf.audit.changes import tracking
from nmirf.audit.models import Action
from nmirf.core.text import search_text

from .models import Recommendation

# A text as words and what lies between them, so that it can be put back together whole.
_PIECES = re.compile(r"(\w+)|\W+")


class NotADuplicate(Exception):
    pass


@transaction.atomic
def resolve(rec: Recommendation, *, same: bool) -> Recommendation:
    rec = Recommendation.objects.select_for_update().get(pk=rec.pk)
    if rec.possible_duplicate_of_id is None:
        raise NotADuplicate(rec.pk)
    # The decision is recorded with the fields it changed (the audit trail).
    action = Action.DUPLICATE_CONFIRMED if same else Action.DUPLICATE_CLEARED
    with tracking(rec, action=action):
        if same:
            rec.archived = True
            rec.save(update_fields=["archived", "updated_at"])
        else:
            rec.possible_duplicate_of = None
            rec.save(update_fields=["possible_duplicate_of", "updated_at"])
    return rec


@dataclass
class Comparison:
    """Two texts with the words that differ marked (<mark>), escaped for the page."""

    first: SafeString
    second: SafeString
    same_words: bool  # the same words in the same order (case, accents, punctuation aside)


def compare(first: str, second: str) -> Comparison:
    """Which words one text has that the other does not, compared as the search compares
    them (folded: case, accents, Arabic forms)."""
    first_pieces, first_words = _split(first)
    second_pieces, second_words = _split(second)
    matcher = difflib.SequenceMatcher(
        a=[search_text(first_pieces[i]) for i in first_words],
        b=[search_text(second_pieces[i]) for i in second_words], autojunk=False)
    first_marked, second_marked = set(), set()
    for tag, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        if tag != "equal":
            first_marked.update(first_words[a_start:a_end])
            second_marked.update(second_words[b_start:b_end])
    return Comparison(first=_marked(first_pieces, first_marked),
                      second=_marked(second_pieces, second_marked),
                      same_words=not first_marked and not second_marked)


def difference(other: str, this: str) -> SafeString:
    """`this` text with what changed from `other`, word by word (compared folded, as
    `compare` does): the words only `other` has in <del>, those only `this` has in <ins>,
    each with a label that screen readers read (not colour or strike-through alone).
    Every piece of either text is escaped."""
    old_pieces, old_words = _split(other)
    new_pieces, new_words = _split(this)
    matcher = difflib.SequenceMatcher(
        a=[search_text(old_pieces[i]) for i in old_words],
        b=[search_text(new_pieces[i]) for i in new_words], autojunk=False)
    removed = escape(gettext("only in the other text:"))
    added = escape(gettext("only in this recommendation:"))
    html: list[str] = []
    cursor = 0  # the next piece of `this` to write

    def write_this(upto: int) -> None:
        nonlocal cursor
        html.extend(escape(piece) for piece in new_pieces[cursor:upto])
        cursor = max(cursor, upto)

    def run(pieces: list[str], words: list[int], start: int, end: int) -> str:
        """The words start..end of a text with what lies between them, escaped."""
        return "".join(escape(piece) for piece in pieces[words[start]:words[end - 1] + 1])

    for tag, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        if tag == "equal":
            write_this(new_words[b_end - 1] + 1)
            continue
        # What lies before the next word of `this` (or a space, at its end).
        if b_start < len(new_words):
            write_this(new_words[b_start])
        elif html:
            html.append(" ")
        if a_end > a_start:
            html.append(f'<del><span class="visually-hidden">[{removed} </span>'
                        f'{run(old_pieces, old_words, a_start, a_end)}'
                        '<span class="visually-hidden">]</span></del>')
            if b_end > b_start or b_start < len(new_words):
                html.append(" ")
        if b_end > b_start:
            html.append(f'<ins><span class="visually-hidden">[{added} </span>'
                        f'{run(new_pieces, new_words, b_start, b_end)}'
                        '<span class="visually-hidden">]</span></ins>')
            cursor = new_words[b_end - 1] + 1
    write_this(len(new_pieces))
    return mark_safe("".join(html))  # noqa: S308 - every piece and label is escaped


def _split(text: str) -> tuple[list[str], list[int]]:
    """The text's pieces (words and what lies between them) and which of them are words."""
    pieces, words = [], []
    for match in _PIECES.finditer(text or ""):
        if match.group(1) is not None:
            words.append(len(pieces))
        pieces.append(match.group())
    return pieces, words


def _marked(pieces: list[str], marked: set[int]) -> SafeString:
    """The pieces escaped, each run of marked words (with what lies between them) in one
    <mark>."""
    inside = [index in marked or (index - 1 in marked and index + 1 in marked)
              for index in range(len(pieces))]
    html = []
    for index, piece in enumerate(pieces):
        if inside[index] and (index == 0 or not inside[index - 1]):
            html.append("<mark>")
        html.append(escape(piece))
        if inside[index] and (index == len(pieces) - 1 or not inside[index + 1]):
            html.append("</mark>")
    return mark_safe("".join(html))  # noqa: S308 - every piece is escaped
