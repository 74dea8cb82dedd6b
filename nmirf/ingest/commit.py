"""Write validated records to the registry, chunk by chunk, inside the caller's transaction.

A record is found again by its source record (source, key): then it is unchanged (same
content hash) or updated. A record seen for the first time is matched against the
recommendations other sources brought for the same review (the same letters and digits in
the same order, whatever the spacing and punctuation): a match adds a source record to that
recommendation rather than a second copy. Otherwise a new recommendation is written; where
another source's text for the review is nearly the same (a word changed, an acronym added,
one recommendation among several in a clustered paragraph), it is flagged as a possible
duplicate of it, for a person to decide (recommendations/duplicates.py). Links
(recommending states, terms) are only ever added on update, never removed: a person may
have added some, and nothing a person wrote is lost.

The pipeline hands the records over in chunks (`Commit.add`) as it reads them, so that an
import holds one chunk at a time whatever the size of its file; each chunk goes through
three steps:

- match: what each record is in the registry (reference rows it needs, the source record
  it was before, the recommendations of other sources it may join), read with a few
  queries per chunk that touch only the rows of the chunk's own keys and reviews — never
  the whole registry, so an import takes as long into a million recommendations as into
  none;
- plan: per record, created / updated / unchanged / linked, as rows to write;
- write: those rows, with the statements of ingest/tables.py (column lists from the models;
  executemany on SQLite, COPY on PostgreSQL), ids chosen here under the registry's lock,
  because a 40,000-row import through the ORM's bulk_create costs several times more.

What must span the whole file is kept small: a hash per created recommendation (exact
repeats within the source), and the ids of reviews, documents and new terms met.
"""

import json
from collections import defaultdict
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from django.db import IntegrityError, connection
from django.utils import timezone

from nmirf.assist import similarity
from nmirf.core import search
from nmirf.core.text import WORD
from nmirf.core.text import search_text as folded_text
from nmirf.recommendations import registry_changes, state_names
from nmirf.recommendations.models import (
    Document,
    Merge,
    Recommendation,
    RecommendationTerm,
    RecommendingState,
    Review,
    SourceRecord,
    State,
    Term,
)
from nmirf.recommendations.paragraphs import paragraph_key

from . import brackets, merging
from .models import ImportRun
from .normalise import Prepared, ReviewSpec
from .tables import Table, execute_many

# Records the pipeline reads, checks and writes at a time: large enough that each query of
# the match step serves many rows, small enough that a chunk holds a few megabytes.
CHUNK = 2000
# Ids per IN (…) list.
IDS = 900
# From this many rows an import is written as a bulk load on SQLite: foreign keys checked
# once at the end (write_session), secondary indexes rebuilt (_deferred_indexes).
BULK_ROWS = 10_000
REC = Recommendation._meta.db_table
REC_STATE = RecommendingState._meta.db_table
REC_TERM = RecommendationTerm._meta.db_table
SOURCE = SourceRecord._meta.db_table

# What an import writes into each table, in the order of the row tuples built below; the
# other columns are read from the models (tables.Table).
RECOMMENDATIONS = Table(Recommendation, (
    "id", "review_id", "document_id", "paragraph", "paragraph_key", "text", "search_text",
    "language",
    "position", "action_category", "external_key", "possible_duplicate_of_id", "created_at",
    "updated_at"))
RECOMMENDING_STATES = Table(RecommendingState, ("recommendation_id", "state_id"))
RECOMMENDATION_TERMS = Table(RecommendationTerm, ("recommendation_id", "term_id"))
SOURCE_RECORDS = Table(SourceRecord, (
    "recommendation_id", "source", "key", "location", "import_run_id", "content_hash",
    "original_terms", "given"))

Progress = Callable[[int, int], None]


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    linked: int = 0  # matched to a recommendation another source brought
    possible_duplicates: int = 0
    # copies of one recommendation, one per recommending state, joined into the one a
    # record of another source told of (Commit._gathered)
    gathered: int = 0


def match_key(search_text: str) -> str:
    """The letters and digits of a text, in order. Sources of the same text differ in
    punctuation and spacing, and text taken from a DOCX sometimes splits or joins words
    ("huma n rights", "toarticle8", "ill-treatment" and "illtreatment")."""
    return "".join(WORD.findall(search_text))


def _chunks(items: list, size: int = IDS):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _last_id_given() -> int:
    """The largest recommendation id ever given, deleted ones included, so that an id (and
    a bookmarked or shared link) never comes back for another recommendation: the table's
    own sequence, or its largest id where that is larger."""
    largest = Recommendation.objects.order_by("-id").values_list("id", flat=True).first() or 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [REC])
            (name,) = cursor.fetchone()
            cursor.execute(f"SELECT last_value, is_called FROM {name}")  # noqa: S608 - names from code, values bound
            last_value, is_called = cursor.fetchone()
            sequence = last_value if is_called else 0
        else:
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [REC])
            row = cursor.fetchone()
            sequence = row[0] if row else 0
    return max(largest, sequence)


@dataclass
class Candidates:
    """The recommendations of one review that other sources brought (those a record of
    this source may join), by their words; and, where several share the same words (UPR
    Info has one per recommending state), who recommended each."""

    by_words: dict[str, list[int]] = field(default_factory=dict)
    states_of: dict[int, set[int]] = field(default_factory=dict)
    # [(recommendation id, its set of words)], for near matches
    texts: list[tuple[int, set[str]]] = field(default_factory=list)
    # The recommendations that clustered paragraphs gather (brackets.clustered_parts):
    # [(the paragraph's recommendation id, the part's match_key, its words, the ids of
    # the states named after it)]
    parts: list[tuple[int, str, set[str], set[int]]] = field(default_factory=list)
    keys: dict[int, str] = field(default_factory=dict)  # recommendation id -> match_key
    # Those without a paragraph number: a source's per-state copies (UPR Info), which a
    # paragraph may gather; never two numbered paragraphs (Candidates.gather).
    unnumbered: set[int] = field(default_factory=set)
    # recommendation id -> how much its values count (merging.authority)
    authority: dict[int, int] = field(default_factory=dict)
    # {distinctive word: [positions in texts]}, built on first use
    _by_word: dict[str, list[int]] | None = None
    _all_states: bool = False  # states_of holds every candidate's (gather read them)

    def near(self, search_text: str) -> int | None:
        """The recommendation whose text is most nearly this one
        (similarity.nearly_the_same); None where none is. Only those sharing one of the
        text's most distinctive words are compared."""
        if not self.texts:
            return None
        if self._by_word is None:
            self._by_word = defaultdict(list)
            for position, (_rec_id, other) in enumerate(self.texts):
                for word in similarity.distinctive_words(other, count=6):
                    self._by_word[word].append(position)
        mine = similarity.words(search_text)
        positions = {position for word in similarity.distinctive_words(mine)
                     for position in self._by_word.get(word, ())}
        best, best_score = None, 0.0
        for position in sorted(positions):
            rec_id, other = self.texts[position]
            score = similarity.nearly_the_same(mine, other)
            if score > best_score:
                best, best_score = rec_id, score
        return best

    def part_match(self, search_text: str, state_ids: list[int]) -> int | None:
        """The clustered paragraph one of whose recommendations this is: the same
        recommending state named after a part with the same words (or nearly the same,
        see nearly_the_same). A source that records each recommending state's copy of a
        clustered recommendation (UPR Info) joins the paragraph rather than standing
        beside it."""
        wanted = set(state_ids)
        if not wanted:
            return None
        mine_key, mine = match_key(search_text), None
        best, best_score = None, 0.0
        for rec_id, key, words, states in self.parts:
            if not states & wanted:
                continue
            if key == mine_key:
                return rec_id
            mine = mine if mine is not None else similarity.words(search_text)
            score = similarity.nearly_the_same(mine, words)
            if score > best_score:
                best, best_score = rec_id, score
        return best

    def gather(self, search_text: str, state_ids: list[int],
               parts: list[tuple[str, set[int]]]) -> list[int]:
        """The recommendations that are copies of this record, one per recommending state
        (as UPR Info keeps them): those with its words and one of its states, and — where
        it is a clustered paragraph (`parts`: each part's folded text and the ids of the
        states named after it) — those with a part's words (or nearly) and one of that
        part's states. In id order: the first stays, the others join it
        (Commit._fold)."""
        if not self._all_states:
            _read_states({rec_id: self for rec_id, _words in self.texts
                          if rec_id not in self.states_of})
            self._all_states = True
        found = set()
        wanted = set(state_ids)
        for rec_id in self.by_words.get(match_key(search_text), ()):
            if rec_id in self.unnumbered and self.states_of.get(rec_id, set()) & wanted:
                found.add(rec_id)
        for part_text, part_states in parts:
            # The copies with the part's very words; only where there are none, those
            # with nearly its words.
            key, exact, near = match_key(part_text), [], []
            words = similarity.words(part_text)
            for rec_id, other in self.texts:
                if (rec_id not in self.unnumbered
                        or not self.states_of.get(rec_id, set()) & part_states):
                    continue
                if self.keys.get(rec_id) == key:
                    exact.append(rec_id)
                elif similarity.nearly_the_same(words, other) > 0:
                    near.append(rec_id)
            found.update(exact or near)
        return sorted(found)

    def match(self, search_text: str, state_ids: list[int]) -> int | None:
        found = self.by_words.get(match_key(search_text)) if self.by_words else None
        if not found:
            return None
        wanted = set(state_ids)
        for rec_id in found:  # the one from the same recommending state, if there is one
            if self.states_of.get(rec_id, set()) & wanted:
                return rec_id
        return found[0]


def _read_states(owners: dict[int, "Candidates"]) -> None:
    """The recommending states of these recommendations, into their Candidates' states_of
    (one query per IDS of them)."""
    for chunk in _chunks(sorted(owners)):
        for rec_id, state_id in RecommendingState.objects.filter(
                recommendation_id__in=chunk).values_list("recommendation_id", "state_id"):
            owners[rec_id].states_of.setdefault(rec_id, set()).add(state_id)


NO_CANDIDATES = Candidates()


class CandidateCache:
    """Candidates of the reviews the chunks touch, read once per review and kept while the
    chunks go on touching it (reviews without any, by far the most, are remembered as such
    for the whole import: a set of ids).

    Only what existed before this import counts, as if all were read before the first
    write: recommendations this import created (ids from `first_new_id`) are excluded, and
    so are those this source brought in an earlier import — but not those it joined in
    this one (their source record names this run)."""

    def __init__(self, source: str, run_id: int, first_new_id: int):
        self.source, self.run_id, self.first_new_id = source, run_id, first_new_id
        # None of another source in the registry (a first import, a registry of one
        # source): no review has any, and nothing needs reading.
        self.none_at_all = first_new_id == 1 or not SourceRecord.objects.exclude(
            source=source).exists()
        self._empty: set[int] = set()
        self._loaded: dict[int, Candidates] = {}
        self._state_ids: dict[str, int] | None = None  # iso3 -> id, read when first needed

    def of(self, review_id: int) -> Candidates:
        return self._loaded.get(review_id, NO_CANDIDATES)

    def prepare(self, review_ids: set[int]) -> None:
        """Read the candidates of these reviews (those of the previous chunk that these
        do not need are let go)."""
        if self.none_at_all:
            return
        self._loaded = {review_id: candidates for review_id, candidates
                        in self._loaded.items() if review_id in review_ids}
        wanted = sorted(review_ids - self._empty - self._loaded.keys())
        for chunk in _chunks(wanted):
            self._load(chunk)

    def _load(self, review_ids: list[int]) -> None:
        # Unary + keeps SQLite's planner on the source records' index by recommendation
        # (a condition on the source can lead it to the (source, key) index, a hundred
        # times slower); PostgreSQL's needs no such hint (and has no unary + for text).
        source_column = "+s.source" if connection.vendor == "sqlite" else "s.source"
        placeholders = ", ".join(["%s"] * len(review_ids))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT r.id, r.review_id, r.search_text, r.text, r.paragraph, "  # noqa: S608 - names from code, values bound
                f"r.values_from, r.external_key FROM {REC} r "
                f"WHERE r.review_id IN ({placeholders}) AND r.id < %s AND NOT EXISTS ("
                f"SELECT 1 FROM {SOURCE} s WHERE s.recommendation_id = r.id "
                f"AND {source_column} = %s "
                "AND (s.import_run_id IS NULL OR s.import_run_id <> %s))",
                [*review_ids, self.first_new_id, self.source, self.run_id or 0])
            rows = cursor.fetchall()
        self._empty.update(review_ids)
        by_review: dict[int, Candidates] = {}
        clustered: dict[int, tuple[Candidates, list]] = {}
        for rec_id, review_id, text, written, paragraph, values_from, external_key in rows:
            candidates = by_review.get(review_id)
            if candidates is None:
                candidates = by_review[review_id] = Candidates(by_words=defaultdict(list))
                self._empty.discard(review_id)
            key = match_key(text)
            candidates.by_words[key].append(rec_id)
            candidates.keys[rec_id] = key
            if not paragraph:
                candidates.unnumbered.add(rec_id)
            candidates.authority[rec_id] = merging.authority(values_from or external_key)
            candidates.texts.append((rec_id, similarity.words(text)))
            if "(" in written:
                parts = brackets.clustered_parts(written)
                if parts:
                    clustered[rec_id] = (candidates, parts)
        self._add_parts(clustered)
        # Who recommended those that share their words (a record joins the copy of its
        # own state); the others' states are read only if a paragraph gathers copies
        # (Candidates.gather): most imports never need them.
        shared = {rec_id: candidates for candidates in by_review.values()
                  for group in candidates.by_words.values() if len(group) > 1
                  for rec_id in group}
        _read_states(shared)
        self._loaded.update(by_review)

    def state_ids(self) -> dict[str, int]:
        """iso3 -> state id, read once per import when first needed."""
        if self._state_ids is None:
            self._state_ids = dict(State.objects.values_list("iso3", "id"))
        return self._state_ids

    def _add_parts(self, clustered: dict[int, tuple["Candidates", list]]) -> None:
        """The parts of the clustered paragraphs read, with the ids of the states named
        after each; the last part, named after by the paragraph's trailing bracket, has
        the paragraph's states that no other part names."""
        if not clustered:
            return
        states_of: dict[int, set[int]] = defaultdict(set)
        for chunk in _chunks(sorted(clustered)):
            for rec_id, state_id in RecommendingState.objects.filter(
                    recommendation_id__in=chunk).values_list("recommendation_id", "state_id"):
                states_of[rec_id].add(state_id)
        for rec_id, (candidates, parts) in clustered.items():
            for folded, ids in self.parts_with_states(parts, states_of[rec_id]):
                candidates.parts.append((rec_id, match_key(folded), similarity.words(folded),
                                         ids))

    def parts_with_states(self, parts: list[tuple[str, list[str]]],
                          paragraph_states: set[int]) -> list[tuple[str, set[int]]]:
        """(folded text, state ids) of each part of a clustered paragraph
        (brackets.clustered_parts): the states named after it; for the last, whose
        bracket was cut off with the paragraph's, the paragraph's states no other part
        names."""
        state_ids = self.state_ids()
        named = [{state_ids.get(state_names.iso3_of(name)) for name in names} - {None}
                 for _text, names in parts]
        rest = set(paragraph_states).difference(*named)
        return [(folded_text(text), ids if names else rest)
                for (text, names), ids in zip(parts, named, strict=True)]


# How long one attempt waits for the registry's write lock (PostgreSQL; on SQLite, the
# busy timeout of settings.DATABASES): the pipeline tries again until its own limit.
LOCK_WAIT = "20s"


def lock_registry() -> None:
    """Take, first in the import's transaction, the lock that lets one import write at a
    time. On SQLite the transaction itself holds it (BEGIN IMMEDIATE, settings'
    transaction_mode); on PostgreSQL, the recommendations table in EXCLUSIVE mode (reads go
    on; other writers of recommendations wait), before anything is read, so that a second
    import of the same file waits and then reads what the first wrote rather than
    colliding with it on the unique keys."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")
        cursor.execute(f"LOCK TABLE {REC} IN EXCLUSIVE MODE")
        cursor.execute("SET LOCAL lock_timeout = DEFAULT")


@contextmanager
def write_session(rows: int):
    """Around the transaction of an import of about `rows` records. On SQLite a large
    import is written with foreign-key enforcement off (it can only be switched outside a
    transaction): enforcing looks up the parent of every link written, a tenth of the
    writing time. Commit then checks the few distinct ids the rows refer to instead
    (_check_references), so a dangling reference still refuses the import."""
    if connection.vendor == "sqlite" and rows >= BULK_ROWS:
        with connection.constraint_checks_disabled():
            yield
    else:
        yield


def _foreign_keys_enforced() -> bool:
    if connection.vendor != "sqlite":
        return True
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys")
        return bool(cursor.fetchone()[0])


def _check_references(state_ids: set[int], term_ids: set[int], run_id: int) -> None:
    """What the foreign keys would have checked, for rows written without them: the states
    and terms the links name, and the run, exist. Reviews, documents and recommendations
    were written or read in this transaction."""
    missing = []
    for model, ids in ((State, state_ids), (Term, term_ids), (ImportRun, {run_id})):
        found = set()
        for chunk in _chunks(sorted(ids)):
            found.update(model.objects.filter(pk__in=chunk).values_list("pk", flat=True))
        missing += [f"{model._meta.verbose_name} {pk}" for pk in sorted(ids - found)]
    if missing:
        raise IntegrityError(f"the import refers to rows that no longer exist: "
                             f"{', '.join(missing[:5])}")


@dataclass
class Plan:
    """The rows one chunk writes."""

    new_recs: list[tuple] = field(default_factory=list)
    new_states: list[tuple] = field(default_factory=list)
    new_terms: list[tuple] = field(default_factory=list)
    new_sources: list[tuple] = field(default_factory=list)
    updates: list[tuple] = field(default_factory=list)
    update_hashes: list[tuple] = field(default_factory=list)
    added_states: list[tuple] = field(default_factory=list)
    added_terms: list[tuple] = field(default_factory=list)
    folds: list[tuple[int, int]] = field(default_factory=list)  # (kept, joined into it)
    # (new recommendation, an older one flagged as a possible duplicate of it)
    flags: list[tuple[int, int]] = field(default_factory=list)


class Commit:
    """The writes of one import, in the caller's transaction, once the registry's write
    lock is held (lock_registry):

        with Commit(source, reviews, run_id, expected_rows=…) as writer:
            for chunk in …:
                writer.add(chunk)
        writer.counts

    `reviews` is the normaliser's own map of review keys (it grows as rows are checked).
    `expected_rows`, an estimate of the import's size, decides whether SQLite's secondary
    indexes are dropped and built again at the end (_deferred_indexes). Leaving the block
    by an exception writes nothing more; the caller's transaction rolls back the rest."""

    def __init__(self, source: str, reviews: dict[str, ReviewSpec], run_id: int, *,
                 expected_rows: int = 0):
        self.source, self.reviews, self.run_id = source, reviews, run_id
        self.expected_rows = expected_rows
        self.counts = Counts()

    def __enter__(self):
        self.now = connection.ops.adapt_datetimefield_value(timezone.now())
        self.first_new_id = self.next_id = _last_id_given() + 1
        # A first import of this source finds no record of it before: no look-up needed.
        self.source_known = SourceRecord.objects.filter(source=self.source).exists()
        self.candidates = CandidateCache(self.source, self.run_id, self.first_new_id)
        self.review_ids: dict[str, int] = {}
        self.documents: dict[str, int] = {}
        self.new_term_ids: dict[tuple[int, str], int] = {}
        # hash((review, recommending states, text)) -> the first recommendation created
        # with them in this import: a later one is an exact repeat, flagged. A hash, not
        # the text: this spans the file. Two different texts with the same hash (one
        # chance in billions) would only flag a recommendation for a person to look at.
        self.first_of: dict[int, int] = {}
        self.state_ids: set[int] = set()
        self.term_ids: set[int] = set()
        # Recommendations this import joined into another (Plan.folds): not matched again;
        # and those a numbered paragraph of this import joined: no other paragraph's.
        self.folded: set[int] = set()
        self.taken: set[int] = set()
        self._stack = ExitStack()
        self._stack.enter_context(search.bulk_insert_into_index(first_id=self.first_new_id))
        # The registry's change log (registry_changes.py): the new rows logged set-based
        # when the block ends; the triggers log the updates and links as they happen.
        self._stack.enter_context(registry_changes.bulk_insert(first_id=self.first_new_id))
        self._stack.enter_context(_deferred_indexes(
            self.expected_rows, self.first_new_id - 1,
            reading=not self.candidates.none_at_all))
        return self

    def __exit__(self, exc_type, exc, traceback):
        if exc_type is not None:
            return self._stack.__exit__(exc_type, exc, traceback)
        self._stack.close()  # the full-text rows and the secondary indexes written
        self._finish()
        return False

    def add(self, records: list[Prepared]) -> None:
        if not records:
            return
        existing = self._match(records)
        self._write(self._plan(records, existing))

    # --- match ------------------------------------------------------------------------

    def _match(self, records: list[Prepared]) -> dict[str, tuple[int, str, str]]:
        """Reference rows the chunk needs (reviews, documents, new terms), its content
        hashes, what its keys were before, and the candidates of its new records."""
        self._ensure_reviews({r.review_key for r in records})
        self._ensure_documents(records)
        self._ensure_new_terms(records)
        for record in records:
            record.compute_hash()
        existing = self._existing_sources([r.row.key for r in records])
        self.candidates.prepare({self.review_ids[r.review_key] for r in records
                                 if r.row.key not in existing})
        return existing

    def _ensure_reviews(self, keys: set[str]) -> None:
        wanted = [key for key in keys if key not in self.review_ids]
        if not wanted:
            return
        found = dict(Review.objects.filter(key__in=wanted).values_list("key", "id"))
        missing = []
        for key in wanted:
            if key not in found:
                s = self.reviews[key]
                missing.append(Review(key=s.key, mechanism_id=s.mechanism_id,
                                      state_id=s.state_id, cycle=s.cycle, session=s.session,
                                      mandate_id=s.mandate_id, label=s.label, date=s.date))
        for review in Review.objects.bulk_create(missing):
            found[review.key] = review.pk
        if len(found) < len(wanted):  # backends that do not return ids from bulk_create
            found = dict(Review.objects.filter(key__in=wanted).values_list("key", "id"))
        self.review_ids.update(found)

    def _ensure_documents(self, records: list[Prepared]) -> None:
        symbols = {}
        for r in records:
            symbol = r.row.document_symbol.strip()
            if symbol and symbol not in self.documents:
                symbols[symbol] = r.review_key
        if not symbols:
            return
        self.documents.update(
            Document.objects.filter(symbol__in=list(symbols)).values_list("symbol", "id"))
        for symbol, review_key in symbols.items():
            if symbol not in self.documents:
                self.documents[symbol] = Document.objects.create(
                    symbol=symbol, review_id=self.review_ids[review_key]).pk

    def _ensure_new_terms(self, records: list[Prepared]) -> None:
        """Open taxonomies grow with the terms an import brings; the ids join each record."""
        for pair in sorted({pair for record in records for pair in record.new_terms
                            if pair not in self.new_term_ids}):
            taxonomy_id, name = pair
            term, _ = Term.objects.get_or_create(
                taxonomy_id=taxonomy_id, code=name, defaults={"name": name})
            self.new_term_ids[pair] = term.pk
        for record in records:
            for pair in record.new_terms:
                if self.new_term_ids[pair] not in record.term_ids:
                    record.term_ids.append(self.new_term_ids[pair])

    def _existing_sources(self, keys: list[str]) -> dict[str, tuple[int, str]]:
        """key -> (recommendation id, content hash), for the keys this source brought
        before this import (the pipeline refuses a key met twice in one import, so none of
        this import's own rows is found here)."""
        found: dict[str, tuple[int, str]] = {}
        if not self.source_known:
            return found
        for chunk in _chunks(keys):
            for key, rec_id, content_hash in SourceRecord.objects.filter(
                source=self.source, key__in=chunk
            ).values_list("key", "recommendation_id", "content_hash"):
                found[key] = (rec_id, content_hash)
        return found

    # --- plan -------------------------------------------------------------------------

    def _plan(self, records: list[Prepared], existing: dict) -> Plan:
        # This loop runs once per row (40,000 times for the shared UPR Info files): look-ups
        # that a first import cannot need (documents, known records, other sources) are
        # skipped.
        plan, counts, now, source = Plan(), self.counts, self.now, self.source
        documents, candidates = self.documents, self.candidates
        # (recommendation id, the fields a record gives it) for each record that tells of
        # a recommendation already written: merged into its fields after the loop.
        told: list[tuple[int, merging.Fields | int]] = []
        for record in records:
            row = record.row
            review_id = self.review_ids[record.review_key]
            document_id = documents.get(row.document_symbol.strip()) if documents else None
            known = existing.get(row.key) if existing else None
            state_ids, term_ids = record.recommending_state_ids, record.term_ids
            if known is not None:
                rec_id, old_hash = known
                if old_hash == record.content_hash:
                    counts.unchanged += 1
                    continue
                plan.update_hashes.append((record.content_hash, record.original_terms,
                                           _values_json(record, document_id), source,
                                           row.key))
                if old_hash == record.legacy_hash():  # stored by an older version
                    counts.unchanged += 1
                    continue
                counts.updated += 1
                # Whose values the recommendation's fields then hold: ingest/merging.py.
                told.append((rec_id, _fields(record, document_id)))
                plan.added_states += [(rec_id, s) for s in state_ids]
                plan.added_terms += [(rec_id, t) for t in term_ids]
                continue
            others = candidates.of(review_id)
            match = self._joined(others, record, plan, told)
            if match is not None:
                counts.linked += 1
                rec_id = match
                told.append((rec_id, _fields(record, document_id)))
                plan.added_states += [(rec_id, s) for s in state_ids]
                plan.added_terms += [(rec_id, t) for t in term_ids]
            else:
                counts.created += 1
                rec_id = self.next_id
                self.next_id += 1
                identity = hash((review_id, tuple(sorted(state_ids)), record.search_text))
                duplicate_of = self.first_of.setdefault(identity, rec_id)
                if duplicate_of == rec_id:  # not a repeat within this source: nearly the
                    # text another source brought for this review?
                    duplicate_of = others.near(record.search_text) if others.texts else None
                    if duplicate_of is not None and (
                            merging.authority(record.external_key)
                            > others.authority.get(duplicate_of, 0)):
                        # The less authoritative copy carries the flag, whichever came
                        # first: the same flags in any order of imports.
                        plan.flags.append((rec_id, duplicate_of))
                        duplicate_of = None
                        counts.possible_duplicates += 1
                if duplicate_of is not None:
                    counts.possible_duplicates += 1
                plan.new_recs.append((
                    rec_id, review_id, document_id, row.paragraph,
                    paragraph_key(row.paragraph), row.text,
                    record.search_text, row.language, record.position, record.action_category,
                    record.external_key, duplicate_of, now, now))
                plan.new_states += [(rec_id, s) for s in state_ids]
                plan.new_terms += [(rec_id, t) for t in term_ids]
            plan.new_sources.append((rec_id, source, row.key, row.location[:300], self.run_id,
                                     record.content_hash, record.original_terms,
                                     _values_json(record, document_id)))
        plan.updates = _merged_updates(told, now)
        return plan

    def _joined(self, others: Candidates, record: Prepared, plan: Plan,
                told: list) -> int | None:
        """The recommendation another source brought that this record is (None: a new
        one); the other copies it gathers (one per recommending state) are planned to
        join it."""
        state_ids = record.recommending_state_ids
        match = others.match(record.search_text, state_ids) if others.by_words else None
        if match is None and others.parts:
            match = others.part_match(record.search_text, state_ids)
        numbered = bool(record.row.paragraph)
        if numbered and match in self.taken:  # another paragraph of this import's has it
            match = None
        gathered = self._gathered(others, record, match) if others.texts else []
        if numbered and match is not None:
            self.taken.add(match)
        if gathered:
            match = match if match in gathered else gathered[0]
            for other in gathered:
                if other != match:
                    plan.folds.append((match, other))
                    told.append((match, other))  # its values, merged like a source's
                    self.folded.add(other)
        return match

    def _gathered(self, others: Candidates, record: Prepared, match: int | None) -> list[int]:
        """The recommendations this record gathers into one (Candidates.gather), where it
        gathers more than one: its parts' states resolved to ids."""
        if not record.row.paragraph:  # only a numbered paragraph gathers copies
            return []
        parts = []
        text = record.row.text
        if "(" in text:
            parts = self.candidates.parts_with_states(brackets.clustered_parts(text),
                                                      set(record.recommending_state_ids))
        if not parts and len(others.by_words.get(match_key(record.search_text), ())) < 2:
            return []
        gathered = [rec_id for rec_id in others.gather(
            record.search_text, record.recommending_state_ids, parts)
            if rec_id not in self.folded and rec_id not in self.taken]
        return gathered if len(gathered) > 1 or (gathered and match not in gathered) else []

    # --- write ------------------------------------------------------------------------

    def _write(self, plan: Plan) -> None:
        # In the order of the (source, key) unique index, where it can: fewer pages
        # touched.
        plan.new_sources.sort(key=_source_key)
        RECOMMENDATIONS.insert(plan.new_recs)
        RECOMMENDING_STATES.insert(plan.new_states)
        RECOMMENDATION_TERMS.insert(plan.new_terms)
        SOURCE_RECORDS.insert(plan.new_sources)
        execute_many(
            f"UPDATE {REC} SET paragraph = %s, paragraph_key = %s, text = %s, search_text = %s, "  # noqa: S608 - names from code, values bound
            "language = %s, position = %s, action_category = %s, document_id = %s, "
            "values_from = %s, positions_differ = %s, updated_at = %s WHERE id = %s",
            plan.updates)
        execute_many(f"UPDATE {SOURCE} SET content_hash = %s, original_terms = %s, "  # noqa: S608 - names from code, values bound
                     "given = %s WHERE source = %s AND key = %s", plan.update_hashes)
        if plan.folds:
            self.counts.gathered += len(plan.folds)
            _fold(plan, self.now)
        execute_many(f"UPDATE {REC} SET possible_duplicate_of_id = %s WHERE id = %s",  # noqa: S608 - names from code, values bound
                     plan.flags)
        _add_links(RECOMMENDING_STATES, "state_id", plan.added_states)
        _add_links(RECOMMENDATION_TERMS, "term_id", plan.added_terms)
        self.state_ids.update(state for _rec, state in plan.new_states + plan.added_states)
        self.term_ids.update(term for _rec, term in plan.new_terms + plan.added_terms)

    def _finish(self) -> None:
        if not _foreign_keys_enforced():
            _check_references(self.state_ids, self.term_ids, self.run_id)
        counts = self.counts
        if counts.created and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{REC}', 'id'), "  # noqa: S608 - names from code, values bound
                    f"GREATEST((SELECT MAX(id) FROM {REC}), %s))", [self.next_id - 1])
        if counts.created or counts.updated or counts.linked:
            if connection.vendor == "sqlite":
                # SQLite plans with the statistics ANALYZE leaves; refreshed after each
                # import that changed the registry; cheap: it analyses only what needs it,
                # from a sample of each index (the limit SQLite's documentation recommends).
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA analysis_limit = 400")
                    cursor.execute("PRAGMA optimize")


def _fields(record: Prepared, document_id: int | None) -> merging.Fields:
    row = record.row
    return merging.Fields(key=record.external_key, paragraph=row.paragraph,
                          document_id=document_id, text=row.text,
                          search_text=record.search_text, language=row.language,
                          position=record.position, action_category=record.action_category)


def _values_json(record: Prepared, document_id: int | None) -> str:
    row = record.row
    values = merging.source_values(_fields(record, document_id), row.document_symbol.strip())
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


_HELD = ("pk", "external_key", "values_from", "paragraph", "document_id", "text",
         "search_text", "language", "position", "action_category", "positions_differ")


def _merged_updates(told: list[tuple[int, merging.Fields | int]], now) -> list[tuple]:
    """The UPDATE rows of the recommendations that records of this chunk told of: each
    one's fields merged with what every record gives, in the file's order
    (merging.merged), read first in one query per IDS of them; none for a recommendation
    whose fields stay as they were. Sources that give it different positions mark it for
    a person (positions_differ), which no import clears."""
    if not told:
        return []
    held: dict[int, merging.Fields] = {}
    differ: dict[int, bool] = {}
    wanted = {rec_id for rec_id, _fields in told} | {
        fields for _rec_id, fields in told if isinstance(fields, int)}
    for chunk in _chunks(sorted(wanted)):
        for (pk, external_key, values_from, paragraph, document_id, text, folded, language,
             position, action, positions_differ) in Recommendation.objects.filter(
                pk__in=chunk).values_list(*_HELD):
            held[pk] = merging.Fields(
                key=values_from or external_key, paragraph=paragraph,
                document_id=document_id, text=text, search_text=folded, language=language,
                position=position, action_category=action)
            differ[pk] = positions_differ
    before, differed = dict(held), dict(differ)
    for rec_id, fields in told:
        if isinstance(fields, int):  # a recommendation joined into rec_id: its values
            fields = before[fields]
        if rec_id in held:
            differ[rec_id] |= merging.positions_differ(held[rec_id], fields)
            held[rec_id] = merging.merged(held[rec_id], fields)
    updates = []
    for rec_id, fields in held.items():
        if fields == before[rec_id] and differ[rec_id] == differed[rec_id]:
            continue
        updates.append((fields.paragraph, paragraph_key(fields.paragraph), fields.text,
                        fields.search_text, fields.language, fields.position,
                        fields.action_category, fields.document_id, fields.key,
                        differ[rec_id], now, rec_id))
    return updates


def commit(source: str, records: list[Prepared], reviews: dict[str, ReviewSpec],
           run_id: int | None) -> Counts:
    """Write one list of records at once (the pipeline streams chunks through Commit)."""
    with Commit(source, reviews, run_id, expected_rows=len(records)) as writer:
        for start in range(0, len(records), CHUNK):
            writer.add(records[start:start + CHUNK])
    return writer.counts


def _source_key(source_row: tuple) -> str:
    return source_row[2]


# Secondary indexes of the tables a large import fills. Unique constraints stay: they are
# what keeps the data right.
SECONDARY_INDEXES = {REC, REC_STATE, REC_TERM, SOURCE}


def _read_by_imports(name: str, table: str) -> bool:
    """The indexes through which the match step finds other sources' candidates (by
    review; the source records of a recommendation)."""
    return name == "rec_review_listing" or table == SOURCE


@contextmanager
def _deferred_indexes(new_rows: int, existing_rows: int, *, reading: bool):
    """On SQLite, when an import brings more rows than the registry holds, drop the
    secondary indexes of the tables it fills and build them again afterwards: one sort is
    cheaper than tens of thousands of random inserts into each B-tree. Inside the import's
    transaction, so readers keep seeing the old snapshot and a failure restores them.
    `reading`: the import reads candidates chunk after chunk, and keeps the indexes it
    reads them through."""
    if connection.vendor != "sqlite" or new_rows < BULK_ROWS or new_rows < existing_rows:
        yield
        return
    with connection.cursor() as cursor:
        placeholders = ", ".join(["%s"] * len(SECONDARY_INDEXES))
        cursor.execute(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' "  # noqa: S608 - names from code, values bound
            f"AND sql IS NOT NULL AND tbl_name IN ({placeholders}) "
            "AND sql NOT LIKE 'CREATE UNIQUE%%'",
            sorted(SECONDARY_INDEXES),
        )
        indexes = [(name, sql) for name, table, sql in cursor.fetchall()
                   if not (reading and _read_by_imports(name, table))]
        for name, _sql in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor:
        for _name, sql in indexes:
            cursor.execute(sql)


def _fold(plan: Plan, now) -> None:
    """Join each recommendation of `plan.folds` into the one kept: its source records move
    to it, its recommending states and labels are added to it (plan.added_*), it is
    archived pointing at it, and a Merge records what moved, so that a person can undo it
    (recommendations/duplicates.undo) as they undo their own merges."""
    folded = [other for _kept, other in plan.folds]
    kept_of = {other: kept for kept, other in plan.folds}
    links: dict[str, dict[int, set[int]]] = {"state": defaultdict(set), "term": defaultdict(set)}
    for kind, model, column in (("state", RecommendingState, "state_id"),
                                ("term", RecommendationTerm, "term_id")):
        recs = sorted(set(folded) | set(kept_of.values()))
        for chunk in _chunks(recs):
            for rec_id, value in model.objects.filter(recommendation_id__in=chunk).values_list(
                    "recommendation_id", column):
                links[kind][rec_id].add(value)
    sources: dict[int, list[int]] = defaultdict(list)
    for chunk in _chunks(sorted(folded)):
        for pk, rec_id in SourceRecord.objects.filter(recommendation_id__in=chunk).order_by(
                "pk").values_list("pk", "recommendation_id"):
            sources[rec_id].append(pk)
    merges = []
    for kept, other in plan.folds:
        states = sorted(links["state"][other] - links["state"][kept])
        terms = sorted(links["term"][other] - links["term"][kept])
        plan.added_states += [(kept, state) for state in states]
        plan.added_terms += [(kept, term) for term in terms]
        merges.append(Merge(kept_id=kept, merged_id=other, flagged_id=other,
                            added_states=states, added_terms=terms,
                            moved_sources=sources[other]))
    execute_many(f"UPDATE {SOURCE} SET recommendation_id = %s WHERE recommendation_id = %s",  # noqa: S608 - names from code, values bound
                 plan.folds)
    execute_many(f"UPDATE {REC} SET archived = %s, possible_duplicate_of_id = %s, "  # noqa: S608 - names from code, values bound
                 "updated_at = %s WHERE id = %s",
                 [(True, kept, now, other) for kept, other in plan.folds])
    Merge.objects.bulk_create(merges)


def _add_links(table: Table, column: str, pairs: list[tuple[int, int]]) -> None:
    """Insert (recommendation, other) pairs that are not there yet."""
    if not pairs:
        return
    pairs = sorted(set(pairs))
    present = set()
    rec_ids = sorted({rec_id for rec_id, _ in pairs})
    with connection.cursor() as cursor:
        for chunk in _chunks(rec_ids):
            placeholders = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT recommendation_id, {column} FROM {table.name} "  # noqa: S608 - names from code, values bound
                f"WHERE recommendation_id IN ({placeholders})", chunk)
            present.update(cursor.fetchall())
    table.insert([pair for pair in pairs if pair not in present])
