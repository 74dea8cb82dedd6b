"""Write validated records to the registry, inside the caller's transaction.

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

Rows are written with executemany and ids chosen here (under a table lock), because a
40,000-row import through the ORM's bulk_create costs several times more.
"""

from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import IntegrityError, connection
from django.utils import timezone

from nmirf.core import search
from nmirf.core.text import WORD
from nmirf.recommendations import registry_changes, similar
from nmirf.recommendations.models import (
    Document,
    Recommendation,
    RecommendationTerm,
    RecommendingState,
    Review,
    SourceRecord,
    State,
    Term,
)

from .models import ImportRun
from .normalise import Prepared, ReviewSpec

CHUNK = 2000
# From this many rows an import is written as a bulk load on SQLite: foreign keys checked
# once at the end (write_session), secondary indexes rebuilt (_deferred_indexes).
BULK_ROWS = 10_000
REC = Recommendation._meta.db_table
REC_STATE = RecommendingState._meta.db_table
REC_TERM = RecommendationTerm._meta.db_table
SOURCE = SourceRecord._meta.db_table

Progress = Callable[[int, int], None]
# A text inside another (one recommendation of a clustered paragraph) is a near match when
# it has at least this many words and nearly all of them are in the other.
CONTAINED_WORDS = 8
CONTAINED_SHARE = 0.9


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    linked: int = 0  # matched to a recommendation another source brought
    possible_duplicates: int = 0


def match_key(search_text: str) -> str:
    """The letters and digits of a text, in order. Sources of the same text differ in
    punctuation and spacing, and text taken from a DOCX sometimes splits or joins words
    ("huma n rights", "toarticle8", "ill-treatment" and "illtreatment")."""
    return "".join(WORD.findall(search_text))


def _source_key(source_row: tuple) -> str:
    return source_row[2]


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _executemany(sql: str, rows: list) -> None:
    if not rows:
        return
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, 20000):
            cursor.executemany(sql, chunk)


def _ensure_reviews(specs: dict[str, ReviewSpec]) -> dict[str, int]:
    existing = dict(Review.objects.filter(key__in=list(specs)).values_list("key", "id"))
    missing = [
        Review(key=s.key, mechanism_id=s.mechanism_id, state_id=s.state_id, cycle=s.cycle,
               session=s.session, mandate_id=s.mandate_id, label=s.label, date=s.date)
        for key, s in specs.items() if key not in existing
    ]
    for review in Review.objects.bulk_create(missing):
        existing[review.key] = review.pk
    if len(existing) < len(specs):  # backends that do not return ids from bulk_create
        existing = dict(Review.objects.filter(key__in=list(specs)).values_list("key", "id"))
    return existing


def _ensure_documents(records: list[Prepared], review_ids: dict[str, int]) -> dict[str, int]:
    symbols = {r.row.document_symbol.strip(): r.review_key for r in records
               if r.row.document_symbol.strip()}
    documents = dict(Document.objects.filter(symbol__in=list(symbols)).values_list("symbol", "id"))
    for symbol, review_key in symbols.items():
        if symbol not in documents:
            documents[symbol] = Document.objects.create(
                symbol=symbol, review_id=review_ids[review_key]
            ).pk
    return documents


def _ensure_new_terms(records: list[Prepared]) -> None:
    """Open taxonomies grow with the terms an import brings; the ids join each record."""
    wanted = {pair for record in records for pair in record.new_terms}
    created: dict[tuple[int, str], int] = {}
    for taxonomy_id, name in sorted(wanted):
        term, _ = Term.objects.get_or_create(
            taxonomy_id=taxonomy_id, code=name, defaults={"name": name}
        )
        created[(taxonomy_id, name)] = term.pk
    for record in records:
        for pair in record.new_terms:
            if created[pair] not in record.term_ids:
                record.term_ids.append(created[pair])


def _existing_sources(source: str, keys: list[str]) -> dict[str, tuple[int, str, str]]:
    """key -> (recommendation id, content hash, the recommendation's own external key)."""
    found: dict[str, tuple[int, str, str]] = {}
    if not SourceRecord.objects.filter(source=source).exists():  # a first import
        return found
    for chunk in _chunks(keys):
        for key, rec_id, content_hash, external_key in SourceRecord.objects.filter(
            source=source, key__in=chunk
        ).values_list("key", "recommendation_id", "content_hash",
                      "recommendation__external_key"):
            found[key] = (rec_id, content_hash, external_key)
    return found


def _last_id_given() -> int:
    """The largest recommendation id ever given, deleted ones included, so that an id (and
    a bookmarked or shared link) never comes back for another recommendation: the table's
    own sequence, or its largest id where that is larger."""
    largest = Recommendation.objects.order_by("-id").values_list("id", flat=True).first() or 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [REC])
            (name,) = cursor.fetchone()
            cursor.execute(f"SELECT last_value, is_called FROM {name}")
            last_value, is_called = cursor.fetchone()
            sequence = last_value if is_called else 0
        else:
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [REC])
            row = cursor.fetchone()
            sequence = row[0] if row else 0
    return max(largest, sequence)


@dataclass
class Candidates:
    """Recommendations of the reviews an import touches that other sources brought, by
    their words; and, where several share the same words (UPR Info has one per recommending
    state), who recommended each, read once for all of them."""

    by_words: dict[tuple[int, str], list[int]]
    states_of: dict[int, set[int]]
    # review id -> [(recommendation id, its set of words)], for near matches
    texts: dict[int, list[tuple[int, set[str]]]] = field(default_factory=dict)
    # review id -> {distinctive word: [positions in texts[review id]]}, built on first use
    _by_word: dict[int, dict[str, list[int]]] = field(default_factory=dict)

    def near(self, review_id: int, search_text: str) -> int | None:
        """The recommendation another source brought for this review whose text is most
        nearly this one (see nearly_the_same); None where none is. Only those sharing one
        of the text's most distinctive words are compared."""
        texts = self.texts.get(review_id)
        if not texts:
            return None
        by_word = self._by_word.get(review_id)
        if by_word is None:
            by_word = self._by_word[review_id] = defaultdict(list)
            for position, (_rec_id, other) in enumerate(texts):
                for word in similar.distinctive_words(other, count=6):
                    by_word[word].append(position)
        mine = similar.words(search_text)
        positions = {position for word in similar.distinctive_words(mine)
                     for position in by_word.get(word, ())}
        best, best_score = None, 0.0
        for position in sorted(positions):
            rec_id, other = texts[position]
            score = nearly_the_same(mine, other)
            if score > best_score:
                best, best_score = rec_id, score
        return best

    def match(self, review_id: int, search_text: str, state_ids: list[int]) -> int | None:
        found = self.by_words.get((review_id, match_key(search_text))) if self.by_words \
            else None
        if not found:
            return None
        wanted = set(state_ids)
        for rec_id in found:  # the one from the same recommending state, if there is one
            if self.states_of.get(rec_id, set()) & wanted:
                return rec_id
        return found[0]


def nearly_the_same(first: set[str], second: set[str]) -> float:
    """How alike two texts are, 0 where they are not nearly the same: their word sets'
    Jaccard similarity where it reaches the threshold of "the same text in other reviews"
    (recommendations/similar.py), or the share of the shorter one's words found in the
    longer one where that text has CONTAINED_WORDS or more and nearly all of them are
    there (one recommendation of a paragraph that clusters several)."""
    jaccard = similar.jaccard(first, second)
    if jaccard >= similar.THRESHOLD:
        return jaccard
    shorter = min(len(first), len(second))
    if shorter >= CONTAINED_WORDS:
        contained = len(first & second) / shorter
        if contained >= CONTAINED_SHARE:
            return contained * similar.THRESHOLD  # below any Jaccard match: less alike
    return 0.0


def _candidates(review_ids: list[int], source: str) -> Candidates:
    by_words: dict[tuple[int, str], list[int]] = defaultdict(list)
    rows = list(Recommendation.objects.filter(review_id__in=review_ids)
                .values_list("id", "review_id", "search_text")) if review_ids else []
    ids = [row[0] for row in rows]
    same_source = set()
    for chunk in _chunks(ids):
        # By recommendation only (its index), the source checked here: a condition on the
        # source too can lead the planner to the (source, key) index, a hundred times slower.
        same_source.update(
            rec_id for rec_id, rec_source in SourceRecord.objects.filter(
                recommendation_id__in=chunk).values_list("recommendation_id", "source")
            if rec_source == source
        )
    texts: dict[int, list[tuple[int, set[str]]]] = defaultdict(list)
    for rec_id, review_id, text in rows:
        if rec_id not in same_source:
            by_words[(review_id, match_key(text))].append(rec_id)
            texts[review_id].append((rec_id, similar.words(text)))
    shared = [rec_id for group in by_words.values() if len(group) > 1 for rec_id in group]
    states_of: dict[int, set[int]] = defaultdict(set)
    for chunk in _chunks(shared):
        for rec_id, state_id in RecommendingState.objects.filter(
                recommendation_id__in=chunk).values_list("recommendation_id", "state_id"):
            states_of[rec_id].add(state_id)
    return Candidates(by_words=dict(by_words), states_of=states_of, texts=dict(texts))


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
    """Around the transaction of an import of `rows` records. On SQLite a large import is
    written with foreign-key enforcement off (it can only be switched outside a
    transaction): enforcing looks up the parent of every link written, a tenth of the
    writing time. commit() then checks the few distinct ids the rows refer to instead
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
        found = set(model.objects.filter(pk__in=list(ids)).values_list("pk", flat=True))
        missing += [f"{model._meta.verbose_name} {pk}" for pk in sorted(ids - found)]
    if missing:
        raise IntegrityError(f"the import refers to rows that no longer exist: "
                             f"{', '.join(missing[:5])}")


def commit(source: str, records: list[Prepared], reviews: dict[str, ReviewSpec], run_id: int,
           progress: Progress | None = None) -> Counts:
    counts = Counts()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    review_ids = _ensure_reviews({r.review_key: reviews[r.review_key] for r in records})
    documents = _ensure_documents(records, review_ids)
    _ensure_new_terms(records)
    for record in records:
        record.compute_hash()

    existing = _existing_sources(source, [r.row.key for r in records])
    fresh = [r for r in records if r.row.key not in existing]
    candidates = _candidates(sorted({review_ids[r.review_key] for r in fresh}), source)

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {REC} IN EXCLUSIVE MODE")
    next_id = first_new_id = _last_id_given() + 1

    new_recs, new_states, new_terms, new_sources = [], [], [], []
    updates, update_hashes, added_states, added_terms = [], [], [], []
    first_of: dict[tuple, int] = {}
    done = 0
    # This loop runs once per row (40,000 times for the shared UPR Info files): look-ups
    # that a first import cannot need (documents, known records, other sources) are skipped.
    for record in records:
        row = record.row
        review_id = review_ids[record.review_key]
        document_id = documents.get(row.document_symbol.strip()) if documents else None
        known = existing.get(row.key) if existing else None
        state_ids, term_ids = record.recommending_state_ids, record.term_ids
        if known is not None:
            rec_id, old_hash, owner_key = known
            if old_hash == record.content_hash:
                counts.unchanged += 1
            elif old_hash == record.legacy_hash():  # stored by an older version, unchanged
                counts.unchanged += 1
                update_hashes.append((record.content_hash, source, row.key))
            else:
                counts.updated += 1
                update_hashes.append((record.content_hash, source, row.key))
                # The source that created a recommendation owns its fields; a source that
                # was matched to it later only adds links.
                if owner_key == record.external_key:
                    updates.append((row.paragraph, row.text, record.search_text, row.language,
                                    record.position, record.action_category, document_id, now,
                                    rec_id))
                added_states += [(rec_id, s) for s in state_ids]
                added_terms += [(rec_id, t) for t in term_ids]
        else:
            match = (candidates.match(review_id, record.search_text, state_ids)
                     if candidates.by_words else None)
            if match is not None:
                counts.linked += 1
                rec_id = match
                added_states += [(rec_id, s) for s in state_ids]
                added_terms += [(rec_id, t) for t in term_ids]
            else:
                counts.created += 1
                rec_id = next_id
                next_id += 1
                identity = (review_id, tuple(sorted(state_ids)), record.search_text)
                duplicate_of = first_of.setdefault(identity, rec_id)
                if duplicate_of == rec_id:  # not a repeat within this source: nearly
                    # the text another source brought for this review?
                    duplicate_of = (candidates.near(review_id, record.search_text)
                                    if candidates.texts else None)
                if duplicate_of is not None:
                    counts.possible_duplicates += 1
                new_recs.append((rec_id, review_id, document_id, row.paragraph, row.text,
                                 record.search_text, row.language, record.position,
                                 record.action_category, record.external_key, duplicate_of,
                                 False, now, now))
                new_states += [(rec_id, s) for s in state_ids]
                new_terms += [(rec_id, t) for t in term_ids]
            new_sources.append((rec_id, source, row.key, row.location[:300], run_id,
                                record.content_hash))
        done += 1
        if progress and done % 5000 == 0:
            progress(done, len(records))
    # In the order of the (source, key) unique index, which then grows at its end.
    new_sources.sort(key=_source_key)

    with search.bulk_insert_into_index(first_id=first_new_id), \
            registry_changes.bulk_insert(first_id=first_new_id), \
            _deferred_indexes(len(new_recs), first_new_id - 1):
        _executemany(
            f"INSERT INTO {REC} (id, review_id, document_id, paragraph, text, search_text, "
            "language, position, action_category, external_key, possible_duplicate_of_id, "
            "archived, created_at, updated_at) VALUES "
            "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            new_recs,
        )
        _executemany(f"INSERT INTO {REC_STATE} (recommendation_id, state_id) VALUES (%s, %s)",
                     new_states)
        _executemany(f"INSERT INTO {REC_TERM} (recommendation_id, term_id) VALUES (%s, %s)",
                     new_terms)
        _executemany(
            f"INSERT INTO {SOURCE} (recommendation_id, source, key, location, import_run_id, "
            "content_hash) VALUES (%s, %s, %s, %s, %s, %s)",
            new_sources,
        )
    _executemany(
        f"UPDATE {REC} SET paragraph = %s, text = %s, search_text = %s, language = %s, "
        "position = %s, action_category = %s, document_id = %s, updated_at = %s WHERE id = %s",
        updates,
    )
    _executemany(f"UPDATE {SOURCE} SET content_hash = %s WHERE source = %s AND key = %s",
                 update_hashes)
    _add_links(REC_STATE, "state_id", added_states)
    _add_links(REC_TERM, "term_id", added_terms)
    if not _foreign_keys_enforced():
        _check_references({state for _rec, state in new_states + added_states},
                          {term for _rec, term in new_terms + added_terms}, run_id)
    if new_recs and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{REC}', 'id'), "
                f"GREATEST((SELECT MAX(id) FROM {REC}), %s))", [next_id - 1]
            )
    # Every change above is in the registry's change log (registry_changes.py): the
    # triggers log the updates and links, bulk_insert the new rows.
    if counts.created or counts.updated or counts.linked:
        if connection.vendor == "sqlite":
            # SQLite plans with the statistics ANALYZE leaves; refreshed after each import
            # that changed the registry; cheap: it analyses only what needs it, from a
            # sample of each index (the limit SQLite's documentation recommends).
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA analysis_limit = 400")
                cursor.execute("PRAGMA optimize")
    if progress:
        progress(len(records), len(records))
    return counts


# Secondary indexes of the tables a large import fills. Unique constraints stay: they are
# what keeps the data right.
SECONDARY_INDEXES = {REC, REC_STATE, REC_TERM, SOURCE}


@contextmanager
def _deferred_indexes(new_rows: int, existing_rows: int):
    """On SQLite, when an import brings more rows than the registry holds, drop the
    secondary indexes of the tables it fills and build them again afterwards: one sort is
    cheaper than tens of thousands of random inserts into each B-tree. Inside the import's
    transaction, so readers keep seeing the old snapshot and a failure restores them."""
    if connection.vendor != "sqlite" or new_rows < BULK_ROWS or new_rows < existing_rows:
        yield
        return
    with connection.cursor() as cursor:
        placeholders = ", ".join(["%s"] * len(SECONDARY_INDEXES))
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({placeholders}) AND sql NOT LIKE 'CREATE UNIQUE%%'",
            sorted(SECONDARY_INDEXES),
        )
        indexes = cursor.fetchall()
        for name, _sql in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor:
        for _name, sql in indexes:
            cursor.execute(sql)


def _add_links(table: str, column: str, pairs: list[tuple[int, int]]) -> None:
    """Insert (recommendation, other) pairs that are not there yet."""
    if not pairs:
        return
    pairs = sorted(set(pairs))
    present = set()
    rec_ids = sorted({rec_id for rec_id, _ in pairs})
    with connection.cursor() as cursor:
        for chunk in _chunks(rec_ids, 900):
            placeholders = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT recommendation_id, {column} FROM {table} "
                f"WHERE recommendation_id IN ({placeholders})", chunk)
            present.update(cursor.fetchall())
    _executemany(f"INSERT INTO {table} (recommendation_id, {column}) VALUES (%s, %s)",
                 [pair for pair in pairs if pair not in present])
