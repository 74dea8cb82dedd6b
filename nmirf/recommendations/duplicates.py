"""A person's decision on a possible duplicate that an import flagged, and the comparison
of the two texts that helps make it (also used for repeats in other reviews: the words one
text changed from the other, `difference`).

- "Same recommendation" (`plan_merge`, then `merge`, after the person saw the plan and
  confirmed it): the richer of the two is kept — the one that knows more of paragraph,
  document, position, action category, labels, recommending states and sources, the
  flagged-against one where they tie — and takes what only the other knew: its blank
  fields filled, the other's labels and recommending states added, the other's source
  records moved to it (a later import of those sources then updates the one kept). The
  other is archived (never deleted), pointing at the one kept. A Merge row records who,
  when and exactly what changed, so that `undo` puts both back as they were.
- "Different recommendations": the flag is cleared; both stay in the registry.

Tracking data (assignments, statuses, comments) stays on the recommendation it was
recorded on; a merge of two tracked recommendations is for a person to reconcile.
"""

import difflib
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from nmirf.audit.changes import tracking
from nmirf.audit.models import Action
from nmirf.core.text import search_text

from .models import (
    Merge,
    Position,
    Recommendation,
    RecommendationTerm,
    RecommendingState,
    SourceRecord,
)

# A text as words and what lies between them, so that it can be put back together whole.
_PIECES = re.compile(r"(\w+)|\W+")


class NotADuplicate(Exception):
    pass


class NotUndoable(Exception):
    """The merge was undone already, or what it archived was changed since."""


# The fields a merge fills on the one kept where it has nothing and the other has a value.
FILLED_FIELDS = ("paragraph", "document_id", "position", "action_category")


def _blank(field: str, value) -> bool:
    return value in (None, "") or (field == "position" and value == Position.NONE)


@transaction.atomic
def clear(rec: Recommendation) -> Recommendation:
    """"Different recommendations": the flag goes, both stay."""
    rec = Recommendation.objects.select_for_update().get(pk=rec.pk)
    if rec.possible_duplicate_of_id is None:
        raise NotADuplicate(rec.pk)
    with tracking(rec, action=Action.DUPLICATE_CLEARED):
        rec.possible_duplicate_of = None
        rec.save(update_fields=["possible_duplicate_of", "updated_at"])
    return rec


@dataclass
class MergePlan:
    """What "Same recommendation" would do, for the person to read before confirming."""

    flagged: Recommendation  # the one the import flagged
    kept: Recommendation
    merged: Recommendation  # archived
    filled: dict  # {field: the other's value} for the kept one's blank fields
    added_terms: list[int]
    added_states: list[int]
    moved_sources: list[int]

    @property
    def filled_labels(self) -> list[tuple[str, str]]:
        """(field name as people read it, the value it gets) for the page."""
        merged = self.merged
        shown = {"paragraph": merged.paragraph,
                 "document_id": str(merged.document) if merged.document_id else "",
                 "position": merged.get_position_display(),
                 "action_category": merged.get_action_category_display()}
        names = {"document_id": "document"}
        return [(str(Recommendation._meta.get_field(names.get(field, field)).verbose_name),
                 shown[field]) for field in self.filled]


def _richness(rec: Recommendation, terms: set, states: set, sources: list) -> tuple:
    known = sum(not _blank(field, getattr(rec, field)) for field in FILLED_FIELDS)
    return (known + bool(terms) + bool(states), len(terms) + len(states) + len(sources))


def plan_merge(rec: Recommendation) -> MergePlan:
    """The merge of `rec` with the recommendation it is flagged as a possible duplicate
    of. Raises NotADuplicate where it is not flagged (any more)."""
    if rec.possible_duplicate_of_id is None:
        raise NotADuplicate(rec.pk)
    pair = list(Recommendation.objects.filter(
        pk__in=[rec.pk, rec.possible_duplicate_of_id]).select_related("document"))
    if len(pair) != 2:
        raise NotADuplicate(rec.pk)
    facts = {}
    for item in pair:
        facts[item.pk] = (
            set(RecommendationTerm.objects.filter(recommendation=item)
                .values_list("term_id", flat=True)),
            set(RecommendingState.objects.filter(recommendation=item)
                .values_list("state_id", flat=True)),
            list(SourceRecord.objects.filter(recommendation=item).order_by("pk")
                 .values_list("pk", flat=True)),
        )
    flagged = next(item for item in pair if item.pk == rec.pk)
    other = next(item for item in pair if item.pk != rec.pk)
    # The richer one stays; on a tie, the one the import flagged against (already there).
    if _richness(flagged, *facts[flagged.pk]) > _richness(other, *facts[other.pk]):
        kept, merged = flagged, other
    else:
        kept, merged = other, flagged
    filled = {field: getattr(merged, field) for field in FILLED_FIELDS
              if _blank(field, getattr(kept, field))
              and not _blank(field, getattr(merged, field))}
    kept_terms, kept_states, _sources = facts[kept.pk]
    merged_terms, merged_states, merged_sources = facts[merged.pk]
    return MergePlan(flagged=flagged, kept=kept, merged=merged, filled=filled,
                     added_terms=sorted(merged_terms - kept_terms),
                     added_states=sorted(merged_states - kept_states),
                     moved_sources=merged_sources)


@transaction.atomic
def merge(rec: Recommendation, user) -> Merge:
    """"Same recommendation", as plan_merge plans it; recorded (Merge, and the audit log
    of both recommendations) so that it can be undone."""
    rec = Recommendation.objects.select_for_update().get(pk=rec.pk)
    plan = plan_merge(rec)
    kept, merged = plan.kept, plan.merged
    record = Merge.objects.create(
        kept=kept, merged=merged, flagged=plan.flagged, decided_by=user,
        filled={field: getattr(kept, field) for field in plan.filled},
        added_terms=plan.added_terms, added_states=plan.added_states,
        moved_sources=plan.moved_sources)
    with tracking(kept, action=Action.DUPLICATE_CONFIRMED, actor=user):
        for field, value in plan.filled.items():
            setattr(kept, field, value)
        kept.possible_duplicate_of = None
        kept.save()
    RecommendationTerm.objects.bulk_create(
        RecommendationTerm(recommendation=kept, term_id=pk) for pk in plan.added_terms)
    RecommendingState.objects.bulk_create(
        RecommendingState(recommendation=kept, state_id=pk) for pk in plan.added_states)
    SourceRecord.objects.filter(pk__in=plan.moved_sources).update(recommendation=kept)
    with tracking(merged, action=Action.DUPLICATE_CONFIRMED, actor=user):
        merged.archived = True
        merged.possible_duplicate_of = kept
        merged.save(update_fields=["archived", "possible_duplicate_of", "updated_at"])
    return record


@transaction.atomic
def undo(record: Merge, user) -> Merge:
    """Put both recommendations back as they were before the merge: the archived one
    active again and flagged as before, the kept one's filled fields, added labels and
    states and moved source records given back. A field a person changed since the
    merge keeps their value. Raises NotUndoable where it was undone already or the
    archived one was restored by other means."""
    record = Merge.objects.select_for_update().get(pk=record.pk)
    if record.undone:
        raise NotUndoable(record.pk)
    kept = Recommendation.objects.select_for_update().get(pk=record.kept_id)
    merged = Recommendation.objects.select_for_update().get(pk=record.merged_id)
    if not merged.archived:
        raise NotUndoable(record.pk)
    with tracking(kept, action=Action.DUPLICATE_UNDONE, actor=user):
        for field, before in record.filled.items():
            if getattr(kept, field) == getattr(merged, field):  # not changed since
                setattr(kept, field, before)
        if record.flagged_id == kept.pk:
            kept.possible_duplicate_of = merged
        kept.save()
    RecommendationTerm.objects.filter(recommendation=kept,
                                      term_id__in=record.added_terms).delete()
    RecommendingState.objects.filter(recommendation=kept,
                                     state_id__in=record.added_states).delete()
    SourceRecord.objects.filter(pk__in=record.moved_sources,
                                recommendation=kept).update(recommendation=merged)
    with tracking(merged, action=Action.DUPLICATE_UNDONE, actor=user):
        merged.archived = False
        merged.possible_duplicate_of = kept if record.flagged_id == merged.pk else None
        merged.save(update_fields=["archived", "possible_duplicate_of", "updated_at"])
    record.undone_by, record.undone_at = user, timezone.now()
    record.save(update_fields=["undone_by", "undone_at"])
    return record


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


@transaction.atomic
def settle_positions(rec: Recommendation, user) -> Recommendation:
    """A person has checked the positions its sources give, and the one shown stands: the
    mark goes (recorded like any edit). Raises NotADuplicate where it is not marked."""
    rec = Recommendation.objects.select_for_update().get(pk=rec.pk)
    if not rec.positions_differ:
        raise NotADuplicate(rec.pk)
    with tracking(rec, action=Action.CHANGED, actor=user):
        rec.positions_differ = False
        rec.save(update_fields=["positions_differ", "updated_at"])
    return rec

