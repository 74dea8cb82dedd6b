"""What a search means in the registry: the words of the text (core/search.py), and what
a word names that the text does not hold.

A reader types "Portugal", "140.7", "A/HRC/38/15" or "éducation" and means a state, a
paragraph, a document or a theme, none of which is in the text of the recommendations
it should find. Such a phrase is *resolved* here, before the full-text query, into a
condition on the recommendations, which is ORed with the phrase's own text match
(core.search.Phrase.also):

- a state's name (its registry name, its name in the reader's language from
  state_names.localized_name, the aliases of state_names.aliases): the recommendations to
  that state (state under review) and those it made (recommending state);
- a paragraph number ("140.7", with at least one dot): that paragraph exactly, not
  "140.70" (the text index reads "140.7" as the words "140" and "7");
- a document symbol ("A/HRC/38/15", with a slash): the recommendations of that document,
  or of the review it belongs to;
- a term's name in any of the interface's languages (term_label and its translation in
  each catalog): the recommendations carrying that term.

Names of several words are recognised written without quotes too ("South Africa",
"right to education"): the run of words is one part whose text match keeps its meaning
(all the words) or the name.

Resolved rather than indexed: the text index holds each recommendation's own text,
folded (Recommendation.search_text), and stays the size of the texts; adding every state
name in six languages, every term name in four and the document symbols to each of
250,000 rows would multiply it, and every rename of a state or a term would rewrite the
index rows of every recommendation that carries it (the change log would have to name
them all). Resolved, a name costs a look-up in a small table kept per registry version and
language, and a rename changes nothing but that table.

Both read paths call this module — the SQL one (filters.py, `search`) and the list
page's (registry_index.cached_matches, `matching_ids`) — and the list page's ids come
from the same SQL condition (core.search.ranked_matches), so that they select the same.

"Did you mean …?": when a search finds nothing (or next to nothing), `suggestion` looks
for each word the registry's texts do not hold the nearest word they do, by edit distance
(Damerau–Levenshtein, at most 2), the most frequent first: from a vocabulary of the
folded texts' words counted once per process (over an even sample of at most 25,000
recommendations) and then patched from the change log (the words of the recommendations
changed since are added), never by scanning every row per request. Candidates come from
a table of each word with one letter deleted (symmetric delete), so a look-up is a few
dictionary reads whatever the vocabulary's size.
"""

import re
import threading
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext

from nmirf.core import search as fts
from nmirf.core.id_lists import among
from nmirf.core.text import WORD, name_key, search_text

from . import registry_changes
from .models import (
    Document,
    Recommendation,
    RecommendationTerm,
    RecommendingState,
    Review,
    State,
    Term,
    term_label,
)
from .state_names import aliases, localized_name

# "140.7", "121.12": a paragraph number has at least one dot (a bare number is a word).
_PARAGRAPH = re.compile(r"^\d{1,5}(?:\.\d{1,5})+[a-z]?$")
# "A/HRC/38/15", "CRC/C/SVN/CO/3-4", "A/HRC/WG.6/34/SVN/1".
_SYMBOL = re.compile(r"^[A-Za-z]{1,12}(?:/[\w.\-()]+)+$")
_EDGE = ".,;:!?()[]{}'\"“”‘’«»"
# The most words of a name recognised without quotes.
MAX_NAME_WORDS = 8


def fold(value: str) -> str:
    """A name or phrase as names are compared: folded as the index folds text (accents,
    Arabic forms), then as name_key folds names (case, punctuation, '&')."""
    return name_key(search_text(value))


@dataclass
class Names:
    """{folded name: ids} of the states and terms, in one language, for one registry
    version."""

    states: dict[str, set[int]] = field(default_factory=dict)
    terms: dict[str, set[int]] = field(default_factory=dict)
    longest: int = 1  # the most words of any name

    def add(self, table: dict, name: str, pk: int) -> None:
        key = fold(name or "")
        if not key or key in fts.STOP_WORDS or key.isdigit():
            return
        table.setdefault(key, set()).add(pk)
        self.longest = max(self.longest, key.count(" ") + 1)

    def condition(self, key: str) -> Q | None:
        states, terms = self.states.get(key), self.terms.get(key)
        result = None
        if states:
            result = (Q(review_id__in=Review.objects.filter(state_id__in=sorted(states))
                        .values("id"))
                      | Q(id__in=RecommendingState.objects.filter(
                          state_id__in=sorted(states)).values("recommendation_id")))
        if terms:
            carrying = Q(id__in=RecommendationTerm.objects.filter(
                term_id__in=sorted(terms)).values("recommendation_id"))
            result = carrying if result is None else result | carrying
        return result


_lock = threading.Lock()
_names: dict[tuple[str, str], Names] = {}


def _language() -> str:
    return (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]


def names(version: str | None = None, kept: dict | None = None) -> Names:
    """The names of states (registry name, name in the reader's language, aliases) and of
    terms (name and label, translated into every language of the interface), built once
    per language and: where `kept` is given (the registry index's `resolved`, emptied
    whenever the reference tables change), for as long as it is kept — an edit of a
    recommendation does not build them again; else per registry version `version` (read
    from the clock when not given). States and terms are reference tables: any change to
    them moves the clock (registry_changes.py)."""
    language = _language()
    if kept is not None:
        table = kept.get(("search names", language))
        if table is None:
            table = kept[("search names", language)] = names(version)
        return table
    if version is None:
        clock = registry_changes.read_clock()
        version = f"{clock.tick}:{clock.token}"
    key = (version, language)
    table = _names.get(key)
    if table is not None:
        return table
    table = _read_names()
    with _lock:
        if len(_names) > 16:  # other versions' tables
            _names.clear()
        _names[key] = table
    return table


def _read_names() -> Names:
    """The names of every state (as registered, in the reader's language, aliases) and
    of every term (name and label, in every language of the interface)."""
    table = Names()
    by_iso3 = {}
    for pk, iso3, name in State.objects.values_list("pk", "iso3", "name"):
        by_iso3[iso3] = pk
        table.add(table.states, name, pk)
        table.add(table.states, localized_name(iso3, name), pk)
    for written, iso3 in aliases(with_codes=False).values():
        if iso3 in by_iso3:
            table.add(table.states, written, by_iso3[iso3])
    terms = list(Term.objects.values_list("pk", "code", "name"))
    for code, _label in settings.LANGUAGES:
        with translation.override(code):
            for pk, term_code, name in terms:
                for text in {name, term_label(term_code, name)}:
                    table.add(table.terms, gettext(text) if text else text, pk)
    return table


def _phrase_condition(raw: str, table: Names) -> Q | None:
    """What a phrase as written names besides its words, or None."""
    value = (raw or "").strip(_EDGE)
    conditions = []
    if _PARAGRAPH.match(value):
        conditions.append(Q(paragraph=value))
    if _SYMBOL.match(value):
        documents = Document.objects.filter(symbol__iexact=value)
        conditions.append(Q(document_id__in=documents.values("id"))
                          | Q(review_id__in=documents.filter(review__isnull=False)
                              .values("review_id")))
    named = table.condition(fold(value))
    if named is not None:
        conditions.append(named)
    if not conditions:
        return None
    result = conditions[0]
    for other in conditions[1:]:
        result |= other
    return result


def _merge_names(parsed: fts.ParsedQuery, table: Names) -> None:
    """Make each run of unquoted words that is a name of several words ("South Africa",
    "right to education") one part: its words' text match (all of them, as before) or
    what the name names. Longest runs first, left to right."""
    tokens, position = parsed.tokens, 0
    while position < len(tokens):
        for length in range(min(table.longest, len(tokens) - position), 1, -1):
            run = tokens[position:position + length]
            if run[0][2] != "word" or run[-1][2] != "word":
                continue
            if any(kind not in ("word", "stop") for _s, _e, kind, _p in run):
                continue
            span = parsed.query[run[0][0]:run[-1][1]]
            named = table.condition(fold(span))
            if named is None:
                continue
            words = [phrase for _s, _e, kind, phrase in run if kind == "word"]
            phrase = fts.Phrase([token for word in words for token in word], raw=span,
                                start=run[0][0], end=run[-1][1])
            phrase.conjunction, phrase.also = words, named
            first = next(index for index, part in enumerate(parsed.required)
                         if part[0] is words[0])
            parsed.required = [part for part in parsed.required
                               if not any(part[0] is word for word in words)]
            parsed.required.insert(first, [phrase])
            parsed.tokens = tokens = [*tokens[:position], (phrase.start, phrase.end,
                                                           "other", phrase),
                                      *tokens[position + length:]]
            break
        position += 1


def resolve(user_query: "str | fts.ParsedQuery", version: str | None = None,
            kept: dict | None = None) -> fts.ParsedQuery | None:
    """The query parsed, each phrase that names a state, paragraph, document or term
    given the condition it names (`also`); None for an empty or refused query."""
    parsed = user_query if isinstance(user_query, fts.ParsedQuery) else fts.prepared(user_query)
    if parsed is None:
        return None
    table = names(version, kept)
    _merge_names(parsed, table)
    for phrase in [*(p for part in parsed.required for p in part), *parsed.excluded]:
        if phrase.also is None:
            phrase.also = _phrase_condition(phrase.raw, table)
    return parsed


def search(queryset, user_query: str):
    """The recommendations of `queryset` matching the query (filters.py's `q`)."""
    parsed = resolve(user_query)
    return fts.search(queryset, user_query if parsed is None else parsed)


def order_by_relevance(queryset, user_query: str):
    parsed = resolve(user_query)
    return fts.order_by_relevance(queryset, user_query if parsed is None else parsed)


def matching_ids(user_query: str, *, ranked: bool, version: str | None = None,
                 kept: dict | None = None):
    """Every recommendation (archived too) matching the query, and their relevance keys
    if `ranked`: core.search.ranked_matches, with the query resolved (`version`, `kept`:
    see `names`)."""
    parsed = resolve(user_query, version, kept)
    if parsed is None:
        return fts.ranked_matches(user_query, ranked=ranked)
    return fts.ranked_matches(parsed, ranked=ranked, queryset=Recommendation.objects.all())


# -- "Did you mean …?" ---------------------------------------------------------------------

# At most this many results, and a search may be a typo worth a suggestion.
FEW_RESULTS = 2
# Words offered as suggestions: the most frequent (beyond them, words seen once or twice,
# as likely typos of the sources as words). 250,000 recommendations hold some 50,000
# distinct words (benchmarks/README.md).
_VOCABULARY_WORDS = 20_000
# The vocabulary is counted over about this many recommendations, drawn evenly from
# the ids: every word frequent enough to be worth suggesting is among them, and counting
# all 250,000 texts took 13 s (a sample of 25,000, about a tenth of that).
_SAMPLE_ROWS = 25_000
# A word of the query seen this rarely, in a search that found next to nothing, may be a
# typo too ("torutre" written so once in a source).
_RARE = 2
_CHUNK = 5000


def _deletes(word: str) -> set[str]:
    return {word[:index] + word[index + 1:] for index in range(len(word))}


def distance(first: str, second: str) -> int:
    """The Damerau–Levenshtein distance (optimal string alignment): insertions, deletions,
    substitutions and swaps of two neighbouring letters ("torutre" → "torture": 1)."""
    previous2, previous = None, list(range(len(second) + 1))
    for i, a in enumerate(first, 1):
        current = [i] + [0] * len(second)
        for j, b in enumerate(second, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1,
                             previous[j - 1] + (a != b))
            if (previous2 is not None and i > 1 and j > 1 and a == second[j - 2]
                    and first[i - 2] == b):
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


class Vocabulary:
    """The words of the registry's texts (folded) with how often they occur, and a table
    of each frequent word with one letter deleted, for the nearest-word look-up."""

    def __init__(self, counts: Counter, clock: registry_changes.Clock):
        self.counts, self.clock = counts, clock
        self._candidates: dict[str, list[str]] | None = None

    @classmethod
    def build(cls, clock: registry_changes.Clock) -> "Vocabulary":
        counts: Counter = Counter()
        table = Recommendation._meta.db_table
        with connection.cursor() as cursor:
            # Each id is kept with a chance of 1 in `step`, so the step comes from the
            # number of rows, not from the ids: on PostgreSQL a sequence never goes back,
            # and ids with gaps (rolled-back or deleted imports) made a step from MAX(id)
            # skip most of a small registry's rows.
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - identifiers from code, values bound
            step = max(1, cursor.fetchone()[0] // _SAMPLE_ROWS)
            cursor.execute(f"SELECT search_text FROM {table} WHERE id %% %s = 0", [step])  # noqa: S608 - identifiers from code, values bound
            while rows := cursor.fetchmany(_CHUNK):
                counts.update(WORD.findall(" ".join(row[0] for row in rows)))
        return cls(counts, clock)

    def patched(self, ids, clock: registry_changes.Clock) -> "Vocabulary":
        """This vocabulary with the words of the recommendations `ids` (changed since)
        added. Words an edit removed keep their count: a suggestion is checked against
        the search before it is shown."""
        counts = Counter(self.counts)
        texts = Recommendation.objects.filter(pk__in=among(ids)).values_list("search_text",
                                                                             flat=True)
        counts.update(WORD.findall(" ".join(texts)))
        return Vocabulary(counts, clock)

    def candidates(self) -> dict[str, list[str]]:
        if self._candidates is None:
            table: dict[str, list[str]] = {}
            frequent = [word for word, count in self.counts.most_common(_VOCABULARY_WORDS)
                        if len(word) > 2 and not word.isdigit()]
            for word in frequent:  # most frequent first: each list keeps that order
                for key in {word, *_deletes(word)}:
                    table.setdefault(key, []).append(word)
            self._candidates = table
        return self._candidates

    def nearest(self, word: str) -> str | None:
        """The most frequent known word nearest to `word` (at most 1 edit for words of up
        to 5 letters, 2 for longer), or None."""
        if len(word) < 3 or word.isdigit():
            return None
        table = self.candidates()
        limit = 1 if len(word) <= 5 else 2
        found: dict[str, int] = {}
        for key in {word, *_deletes(word)}:
            for candidate in table.get(key, ()):
                if candidate != word and candidate not in found:
                    found[candidate] = distance(word, candidate)
        best = [(edits, -self.counts[candidate], candidate)
                for candidate, edits in found.items() if edits <= limit]
        return min(best)[2] if best else None


_vocabulary: Vocabulary | None = None


def vocabulary(clock: registry_changes.Clock) -> Vocabulary:
    """The vocabulary of the registry at `clock`: patched from the change log when it
    moved, built whole for a process's first suggestion or when the log cannot tell."""
    global _vocabulary
    with _lock:
        current = _vocabulary
    if current is not None and current.clock == clock:
        return current
    changes = registry_changes.patchable_changes(
        current.clock if current is not None else None, clock, limit=20_000)
    if changes is None:
        current = Vocabulary.build(clock)
    else:
        current = current.patched(changes.recommendations, clock)
    with _lock:
        _vocabulary = current
    return current


def suggestion(user_query: str, found: int, clock: registry_changes.Clock | None = None,
               *, has_matches=None, kept: dict | None = None) -> str | None:
    """A query to suggest instead ("Did you mean …?"), or None: each word of a search
    that found at most FEW_RESULTS recommendations, unknown to the registry's texts (or
    rare, where a near word is far more frequent), replaced by the nearest known word.
    A suggestion is offered only where it finds something: `has_matches(query)` says so
    (by default, a search of the whole registry). `kept`: see `names` (the registry
    index's, so that an edit does not make the names be read again)."""
    if found > FEW_RESULTS or fts.query_problem(user_query):
        return None
    clock = clock or registry_changes.read_clock()
    version = f"{clock.tick}:{clock.token}"
    parsed = resolve(user_query, version, kept)
    if parsed is None:
        return None
    replacements = _replacements(parsed, vocabulary(clock), found)
    if not replacements:
        return None
    text = parsed.query
    for start, end, word in sorted(replacements, reverse=True):
        text = text[:start] + word + text[end:]
    if has_matches is None:
        def has_matches(query):
            return matching_ids(query, ranked=False, version=version, kept=kept)[0].size > 0
    return text if has_matches(text) else None


def _replacements(parsed, words: Vocabulary, found: int) -> list[tuple[int, int, str]]:
    """(start, end, nearest word) for each plain word of the query that the registry's
    texts do not hold (or, where the search found something, hold rarely) and that has a
    far more frequent near word."""
    replacements = []
    for part in parsed.required:
        for phrase in part:
            raw = parsed.query[phrase.start:phrase.end]
            if len(phrase) != 1 or raw.startswith(('"', "-")) or phrase.also is not None:
                continue
            word = phrase[0]
            count = words.counts.get(word, 0)
            if count and (found == 0 or count > _RARE):
                continue
            nearest = words.nearest(word)
            if nearest and words.counts[nearest] > 10 * count:
                replacements.append((phrase.start, phrase.end, nearest))
    return replacements


def warm(index) -> None:
    """Read ahead what a process's first searches would otherwise wait for: the names
    each language's searches resolve (kept with `index`, the registry index) and the
    vocabulary of "Did you mean" with its look-up table — seconds at 250,000
    recommendations, paid by the server before its first visitor (gunicorn_config)."""
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            names(index.version, index.resolved)
    vocabulary(index.clock).candidates()
