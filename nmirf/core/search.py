"""The one search module: it hides whether SQLite FTS5 or PostgreSQL full-text answers.

Both index `Recommendation.search_text`, the text folded by core.text.search_text (Latin
diacritics and Arabic forms removed), and the query is folded the same way. The user's
query follows web-search conventions on both backends: words are ANDed, "quoted phrases"
stay together, `or` between words means either, and `-word` excludes.

SQLite: an external-content FTS5 table kept in step by triggers (migration 0002 of
recommendations), Porter stemming over unicode61. PostgreSQL: a narrow table of its own,
recommendation_search (id, search_vector = to_tsvector('english', search_text)), kept in
step by triggers (migration 0008), with a GIN index, and websearch_to_tsquery. Narrow
because a GIN index has no index-only scans: the ids of a common word's matches are read
from the table pages that hold them, and this table's are few enough to stay in memory
(developer guide, "Fast list pages").

Both backends ignore the same words: PostgreSQL's 'english' configuration drops its stop
words ("the", "of", "to" …) from the query, and parse_query drops the same ones (at the
ends of a phrase; inside one, FTS5 needs them to keep the words together), so that "the"
finds nothing on either backend rather than every recommendation on SQLite and none on
PostgreSQL. A query made only of such words, or longer than MAX_QUERY_CHARS, is answered
with no results and a reason (query_problem) that the page shows.
"""

import html
import re
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from .text import WORD, search_text

FTS_TABLE = "recommendation_fts"
PG_TABLE = "recommendation_search"  # created by recommendations migration 0008
INSERT_TRIGGER = "recommendation_fts_ai"  # created by recommendations migration 0002
PG_CONFIG = "english"
_TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')
# The longest query the list page, the API and the exports take.
MAX_QUERY_CHARS = 500
# PostgreSQL's english.stop (the Snowball list), which its 'english' configuration leaves
# out of every query; tests/core/test_security_search.py checks them against the server.
STOP_WORDS = frozenset("""
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
she her hers herself it its itself they them their theirs themselves what which who whom
this that these those am is are was were be been being have has had having do does did
doing a an the and but if or because as until while of at by for with about against between
into through during before after above below to from up down in out on off over under again
further then once here there when where why how all any both each few more most other some
such no nor not only own same so than too very s t can will just don should now
""".split())


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@dataclass
class ParsedQuery:
    """A web-search query, folded as the index folds text: the parts that must all match,
    each a list of alternatives (`or`), each alternative a phrase (its words in order);
    and the phrases to leave out (`-word`, `-"a phrase"`)."""

    required: list[list[list[str]]] = field(default_factory=list)
    excluded: list[list[str]] = field(default_factory=list)
    # Words and phrases left out because they are stop words only.
    ignored: list[str] = field(default_factory=list)

    @property
    def words(self) -> set[str]:
        """Every word a match must or may contain (not those to leave out)."""
        return {word for part in self.required for phrase in part for word in phrase}


def parse_query(user_query: str) -> ParsedQuery:
    parsed = ParsedQuery()
    pending_or = False
    for match in _TOKEN.finditer(user_query or ""):
        negate, phrase, word = match.group(1), match.group(2), match.group(3)
        if word is not None and word.lower() == "or" and parsed.required:
            pending_or = True
            continue
        if word is not None and word.startswith("-") and len(word) > 1:
            negate, word = "-", word[1:]
        raw = phrase if phrase is not None else word
        tokens = _without_stop_words(WORD.findall(search_text(raw or "")))
        if tokens is None:
            parsed.ignored.append(raw)
            pending_or = False
            continue
        if not tokens:
            continue
        if negate:
            parsed.excluded.append(tokens)
        elif pending_or:
            parsed.required[-1].append(tokens)
            pending_or = False
        else:
            parsed.required.append([tokens])
    return parsed


def _without_stop_words(tokens: list[str]) -> list[str] | None:
    """The tokens without the stop words at their ends, as PostgreSQL reads them; None
    where nothing else is left."""
    start, end = 0, len(tokens)
    while start < end and tokens[start] in STOP_WORDS:
        start += 1
    while end > start and tokens[end - 1] in STOP_WORDS:
        end -= 1
    if tokens and start == end:
        return None
    return tokens[start:end]


def query_problem(user_query: str) -> str | None:
    """Why a query is answered with no results, for the page to say; None for a query
    that is searched. Too long a query is refused (rather than silently dropped, which
    listed the whole registry); one of stop words alone finds nothing on either backend."""
    user_query = _clean(user_query)
    if len(user_query) > MAX_QUERY_CHARS:
        return str(_("The search is %(length)s characters long; it may have at most "
                     "%(limit)s. Shorten it and search again.")
                   % {"length": f"{len(user_query):,}", "limit": f"{MAX_QUERY_CHARS:,}"})
    if user_query:
        parsed = parse_query(user_query)
        if not parsed.required and parsed.ignored:
            return str(_("Words as common as %(words)s are not searched for: add a word "
                         "that says what you are looking for.")
                       % {"words": ", ".join(f"“{word}”" for word in parsed.ignored[:5])})
    return None


def fts5_query(user_query: str) -> str:
    """Translate a web-search query into an FTS5 expression in which every user word is a
    quoted string, so no input can inject FTS5 syntax."""
    parsed = parse_query(user_query)
    if not parsed.required:
        return ""

    def quoted(tokens: list[str]) -> str:
        return '"' + " ".join(tokens) + '"'

    expression = " AND ".join(
        quoted(part[0]) if len(part) == 1 else "(" + " OR ".join(map(quoted, part)) + ")"
        for part in parsed.required)
    for tokens in parsed.excluded:
        expression = f"{expression} NOT {quoted(tokens)}"
    return expression


# A word of a text is marked as matched when its folded form begins with the first letters
# of a query word: all of a short word, all but the last three letters of a longer one (the
# index stems words, so "education" also finds "educate" and "educational").
_SHORT_WORD = 4
_ENDING = 3


def highlight(text: str, words: set[str]) -> SafeString:
    """The text, HTML-escaped, with the words that a search for `words` (folded, as
    ParsedQuery.words gives them) matched marked as <mark>. A close reading of what the
    index matched, not the index's own answer: it marks a word a little more readily."""
    # The standard library's escape, which Django's calls without its lazy-string checks:
    # a page escapes some two hundred pieces of text here.
    if not words:
        return mark_safe(html.escape(text))  # noqa: S308 - escaped
    exact = {word for word in words if len(word) <= _SHORT_WORD}
    prefixes = tuple(word[:max(_SHORT_WORD, len(word) - _ENDING)] for word in words
                     if len(word) > _SHORT_WORD)
    parts, last = [], 0
    for match in WORD.finditer(text):
        folded = search_text(match.group())
        if folded in exact or (prefixes and folded.startswith(prefixes)):
            parts += [html.escape(text[last:match.start()]), "<mark>",
                      html.escape(match.group()), "</mark>"]
            last = match.end()
    parts.append(html.escape(text[last:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece of the text is escaped


# The query as PostgreSQL reads it; its parameters are PG_CONFIG and the folded query.
_PG_QUERY = "websearch_to_tsquery(%s::regconfig, %s)"


def _pg_params(user_query: str) -> list:
    return [PG_CONFIG, search_text(user_query)]


def _clean(user_query: str) -> str:
    # PostgreSQL refuses NUL in text; no search means one anyway.
    return (user_query or "").replace("\x00", " ").strip()


def search(queryset: QuerySet, user_query: str) -> QuerySet:
    """Narrow a Recommendation queryset to those matching the query (all, if it is empty)."""
    user_query = _clean(user_query)
    if not user_query:
        return queryset
    if len(user_query) > MAX_QUERY_CHARS:  # refused (query_problem), not dropped
        return queryset.none()
    if is_postgres():
        return queryset.filter(id__in=RawSQL(
            f"SELECT id FROM {PG_TABLE} WHERE search_vector @@ {_PG_QUERY}",
            _pg_params(user_query)))
    expression = fts5_query(user_query)
    if not expression:
        return queryset.none()
    return queryset.filter(
        id__in=RawSQL(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [expression]
        )
    )


def order_by_relevance(queryset: QuerySet, user_query: str) -> QuerySet:
    """Best matches first; call after search(), as the last step (on SQLite the ranking
    joins the index table by name, so the result must not become a subquery)."""
    user_query = _clean(user_query)
    if not user_query:
        return queryset
    if is_postgres():
        # As on SQLite: one join with the index table ranks every match in one pass.
        return queryset.extra(
            tables=[PG_TABLE],
            where=[f"{PG_TABLE}.id = recommendations_recommendation.id",
                   f"{PG_TABLE}.search_vector @@ {_PG_QUERY}"],
            params=_pg_params(user_query),
            select={"relevance": f"ts_rank({PG_TABLE}.search_vector, {_PG_QUERY})"},
            select_params=_pg_params(user_query),
        ).order_by("-relevance", "id")
    expression = fts5_query(user_query)
    if not expression:
        return queryset
    # One join with the index ranks every match in a single pass; bm25() is lower for
    # better matches. (A correlated subquery per row took seconds on 17,000 matches.)
    return queryset.extra(
        tables=[FTS_TABLE],
        where=[f"{FTS_TABLE}.rowid = recommendations_recommendation.id",
               f"{FTS_TABLE} MATCH %s"],
        params=[expression],
        select={"relevance": f"bm25({FTS_TABLE})"},
    ).order_by("relevance", "id")


def ranked_matches(user_query: str, *, ranked: bool = False
                   ) -> tuple[np.ndarray, np.ndarray | None]:
    """Every recommendation (archived ones too) matching the query, as an int64 array of
    ids, and, only if `ranked`, a float array of sort keys (smaller is a better match):
    one query on the full-text index alone, for the list page, which filters, counts and
    orders in memory (recommendations/registry_index.py).

    Ranking is asked for only when the reader sorts by relevance: it scores every match
    (bm25 / ts_rank), which costs five times the match itself for a common word (40,000
    matches: 46 ms against 3 ms on SQLite). The ids come back as one text that numpy
    parses (an aggregate), not as a Python tuple per match."""
    user_query = _clean(user_query)
    nothing = np.zeros(0, dtype=np.int64), (np.zeros(0) if ranked else None)
    if not user_query or len(user_query) > MAX_QUERY_CHARS:
        return nothing
    with connection.cursor() as cursor:
        if is_postgres():
            columns = "string_agg(id::text, ',')"
            params = _pg_params(user_query)
            if ranked:
                columns += f", string_agg((-ts_rank(search_vector, {_PG_QUERY}))::text, ',')"
                params = [*params, *params]
            cursor.execute(
                f"SELECT {columns} FROM {PG_TABLE} WHERE search_vector @@ {_PG_QUERY}",
                params)
        else:
            expression = fts5_query(user_query)
            if not expression:
                return nothing
            if ranked:
                # bm25() may not be called inside an aggregate: it is read in a subquery,
                # which LIMIT -1 keeps SQLite from folding into the outer query.
                cursor.execute(
                    "SELECT group_concat(id, ','), group_concat(score, ',') FROM ("
                    f"SELECT rowid AS id, bm25({FTS_TABLE}) AS score FROM {FTS_TABLE} "
                    f"WHERE {FTS_TABLE} MATCH %s LIMIT -1)", [expression])
            else:
                cursor.execute(f"SELECT group_concat(rowid, ',') FROM {FTS_TABLE} "
                               f"WHERE {FTS_TABLE} MATCH %s", [expression])
        row = cursor.fetchone()
    if not row or not row[0]:
        return nothing
    # The aggregates of one query see the matches in the same order: ids and keys line up.
    ids = np.fromstring(row[0], dtype=np.int64, sep=",")
    keys = np.fromstring(row[1], dtype=np.float64, sep=",") if ranked else None
    return ids, keys


@contextmanager
def bulk_insert_into_index(first_id: int):
    """Index rows inserted in bulk (ids >= first_id) in one statement instead of one
    trigger call per row: 40,000 rows index in a fraction of a second rather than seconds.
    The insert trigger (migration 0002) is set aside and put back as it was defined, inside
    the caller's transaction, so other writers never see it gone."""
    if is_postgres():  # one statement-level trigger per INSERT already (migration 0008)
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s",
                       [INSERT_TRIGGER])
        (trigger_sql,) = cursor.fetchone()
        cursor.execute(f"DROP TRIGGER {INSERT_TRIGGER}")
    yield
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FTS_TABLE}(rowid, search_text) "
            "SELECT id, search_text FROM recommendations_recommendation WHERE id >= %s",
            [first_id],
        )
        cursor.execute(trigger_sql)
