"""Labelled examples for training and evaluating the classifiers, read from UPR Info
exports with the import's own adapter (ingest/sources/upr_info.py): the same decoding
(Mac Roman, bare CR, HTML entities) and the same reading of the comma-joined issues, so
that what the models learn is what an import stores.

Splits are by state under review, never by row: one review repeats the same text across
rows (one per recommending state) and a state's later cycles repeat its earlier ones, so a
row split would test on texts seen in training.
"""

import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from nmirf.core.problems import RowProblem, SourceError
from nmirf.core.text import name_key
from nmirf.ingest.sources import upr_info


class BadExamples(Exception):
    """Files or a split that cannot be trained or evaluated on; the message says why."""


@dataclass(frozen=True, slots=True)
class Example:
    state: str  # the state under review, as name_key folds it (the unit of a split)
    text: str
    issues: frozenset[str]  # UPR Info issues; empty where the row gives none
    category: int | None  # UPR Info action category 1–5, None where the row gives none
    language: str


@dataclass
class ReadResult:
    examples: list[Example]
    skipped: int  # rows the adapter could not read (RowProblem): not used, counted


def category_of(value: str) -> int | None:
    """The action category 1–5 of a cell, None for anything else (an empty or bad cell:
    the import reports those; here the row simply has no category to learn from)."""
    text = (value or "").strip()
    return int(text) if text.isdecimal() and len(text) == 1 and 1 <= int(text) <= 5 else None


def read_examples(paths: Iterable[str | Path]) -> ReadResult:
    examples, skipped = [], 0
    for raw in paths:
        path = Path(raw)
        if not path.is_file():
            raise BadExamples(_("%(file)s: no such file.") % {"file": raw})
        try:
            for row in upr_info.read(path, display_name=str(raw)):
                if isinstance(row, RowProblem):
                    skipped += 1
                    continue
                examples.append(Example(
                    state=name_key(row.state), text=row.text,
                    issues=frozenset(row.terms.get("upr_info_issues", ())),
                    category=category_of(row.action_category), language=row.language))
        except SourceError as error:
            raise BadExamples(str(error)) from None
        except UnicodeError:
            raise BadExamples(_("%(file)s is not a UPR Info export (CSV): it cannot be read "
                                "as text.") % {"file": raw}) from None
    return ReadResult(examples, skipped)


def states_of(examples: Iterable[Example]) -> set[str]:
    return {example.state for example in examples}


def split_by_state(examples: list[Example], fraction: float, seed: int
                   ) -> tuple[list[Example], list[Example]]:
    """(train, test): `fraction` of the states under review (rounded, at least one, and
    one left for training), drawn with `seed`, and every row of each in test."""
    if not 0 < fraction < 1:
        raise BadExamples(_("--split-by-state takes a fraction between 0 and 1, not %(value)s.")
                          % {"value": fraction})
    states = sorted(states_of(examples))
    if len(states) < 2:
        raise BadExamples(_("A split by state needs rows of at least two states under review; "
                            "these files have %(count)s.") % {"count": len(states)})
    # A generator of its own, seeded: the same states whatever else used `random`.
    random.Random(seed).shuffle(states)
    count = min(max(1, round(fraction * len(states))), len(states) - 1)
    held_out = set(states[:count])
    train = [example for example in examples if example.state not in held_out]
    test = [example for example in examples if example.state in held_out]
    return train, test
