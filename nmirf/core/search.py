"""The one search module: it hides whether SQLite FTS5 or PostgreSQL full-text answers.

Both index `Recommendation.search_text`, the text folded by core.text.search_text (Latin
diacritics and Arabic forms removed), and the query is folded the same way. The user's
query follows web-search conventions on both backends: words are ANDed (`and` may be
written, as an operator), "quoted phrases" stay together, `or` between words means either,
and `-word` excludes (a query of exclusions only keeps everything else). A caller may
resolve a phrase to a condition of its own (Phrase.also: what a word names, in
recommendations/registry_search.py), which `condition` ORs with the phrase's text match.

SQLite: an external-content FTS5 table kept in step by triggers (migration 0002 of
recommendations), Porter stemming over unicode61. PostgreSQL: a narrow table of its own,
recommendation_search (id, search_vector = to_tsvector('english', search_text)), kept in
step by triggers (migration 0008), with a GIN index, and a tsquery built from the same
parse as FTS5's expression (phraseto_tsquery per phrase, joined by && || !!). Narrow
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
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q, QuerySet
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


class Phrase(list):
    """One searched phrase: its words, folded as the index folds text (a list of them),
    with what the reader wrote (`raw`, and where: `start`, `end` in the query) and, where a
    caller resolved it to something the text index does not hold (a state's name, a
    paragraph number, a document symbol, a term's translated name: recommendations/
    registry_search.py), `also`: a condition (Q) on the searched model that matches too.
    `conjunction`: the words it was merged from ("South Africa" written without quotes),
    whose text match keeps the meaning "all these words"."""

    def __init__(self, tokens=(), raw: str = "", start: int = 0, end: int = 0):
        super().__init__(tokens)
        self.raw, self.start, self.end = raw, start, end
        self.also: Q | None = None
        self.conjunction: list[Phrase] | None = None


@dataclass
class ParsedQuery:
    """A web-search query, folded as the index folds text: the parts that must all match,
    each a list of alternatives (`or`), each alternative a Phrase (its words in order);
    and the phrases to leave out (`-word`, `-"a phrase"`)."""

    required: list[list[Phrase]] = field(default_factory=list)
    excluded: list[Phrase] = field(default_factory=list)
    # Words and phrases left out because they are stop words only.
    ignored: list[str] = field(default_factory=list)
    # Every token of the query in order, as (start, end, kind, phrase): kind "word" for an
    # unquoted word that is a part of its own, "stop" for an ignored stop word, "other"
    # for anything else (operators, phrases, exclusions, alternatives). Callers that
    # recognise names of several words read runs of it (registry_search.py).
    tokens: list[tuple] = field(default_factory=list)
    query: str = ""

    @property
    def words(self) -> set[str]:
        """Every word a match must or may contain (not those to leave out)."""
        return {word for part in self.required for phrase in part for word in phrase}

    @property
    def resolved(self) -> bool:
        """Whether any phrase also matches through a condition of its own (`also`)."""
        return any(phrase.also is not None for part in self.required for phrase in part) or any(
            phrase.also is not None for phrase in self.excluded)

    def plain(self) -> tuple[list[list[Phrase]], list[Phrase]]:
        """The parts and exclusions that the text index alone answers."""
        return ([part for part in self.required if all(p.also is None for p in part)],
                [phrase for phrase in self.excluded if phrase.also is None])


# Operators, unquoted and in any case: `and` only says what is meant anyway.
_AND, _OR = "and", "or"


def parse_query(user_query: str) -> ParsedQuery:
    """The query as parts, alternatives and exclusions. "AND" between words is the
    default and is read as an operator, not searched for; "OR" between two words makes
    them alternatives (at the start or the end of a query it has nothing to join and is
    dropped); `-word` leaves a word out, and a query of exclusions only means everything
    but them."""
    user_query = user_query or ""
    parsed = ParsedQuery(query=user_query)
    pending_or = False
    for match in _TOKEN.finditer(user_query):
        negate, phrase, word = match.group(1), match.group(2), match.group(3)
        start, end = match.span()
        if word is not None and word.lower() in (_AND, _OR):
            if word.lower() == _OR and parsed.required:
                pending_or = True
            parsed.tokens.append((start, end, "other", None))
            continue
        if word is not None and word.startswith("-") and len(word) > 1:
            negate, word = "-", word[1:]
        raw = phrase if phrase is not None else word
        tokens = _without_stop_words(WORD.findall(search_text(raw or "")))
        if tokens is None:
            parsed.ignored.append(raw)
            parsed.tokens.append((start, end, "stop" if not negate and phrase is None
                                  else "other", None))
            pending_or = False
            continue
        if not tokens:
            parsed.tokens.append((start, end, "other", None))
            continue
        item = Phrase(tokens, raw=raw, start=start, end=end)
        kind = "other"
        if negate:
            parsed.excluded.append(item)
        elif pending_or:
            parsed.required[-1].append(item)
            pending_or = False
            # The word before `or` is an alternative now, not a part of its own.
            parsed.tokens = [(s, e, "other" if p is parsed.required[-1][0] else k, p)
                             for s, e, k, p in parsed.tokens]
        else:
            parsed.required.append([item])
            kind = "word" if phrase is None else "other"
        parsed.tokens.append((start, end, kind, item))
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
    listed the whole registry); one of stop words alone finds nothing on either backend,
    and one of punctuation or operators alone ("*", "AND", '"') has nothing to look for."""
    user_query = _clean(user_query)
    if len(user_query) > MAX_QUERY_CHARS:
        return str(_("The search is %(length)s characters long; it may have at most "
                     "%(limit)s. Shorten it and search again.")
                   % {"length": f"{len(user_query):,}", "limit": f"{MAX_QUERY_CHARS:,}"})
    if user_query:
        parsed = parse_query(user_query)
        if not parsed.required and not parsed.excluded:
            if parsed.ignored:
                return str(_("Words as common as %(words)s are not searched for: add a "
                             "word that says what you are looking for.")
                           % {"words": ", ".join(f"“{word}”" for word in parsed.ignored[:5])})
            return str(_("The search has no word to look for (only punctuation or the "
                         "operators and, or and -). Add a word and search again."))
    return None


def _fts_phrase(phrase: Phrase) -> str:
    if phrase.conjunction:
        return "(" + " AND ".join(map(_fts_phrase, phrase.conjunction)) + ")"
    return '"' + " ".join(phrase) + '"'


def _fts5_expression(required: list[list[Phrase]], excluded: list[Phrase]) -> str:
    """An FTS5 expression in which every user word is a quoted string, so no input can
    inject FTS5 syntax. `required` must not be empty."""
    expression = " AND ".join(
        _fts_phrase(part[0]) if len(part) == 1
        else "(" + " OR ".join(map(_fts_phrase, part)) + ")"
        for part in required)
    for phrase in excluded:
        expression = f"{expression} NOT {_fts_phrase(phrase)}"
    return expression


def fts5_query(user_query: str) -> str:
    """The FTS5 expression of a web-search query's words ("" where it has none to match)."""
    parsed = parse_query(user_query)
    if not parsed.required:
        return ""
    return _fts5_expression(parsed.required, parsed.excluded)


def _pg_phrase(phrase: Phrase, params: list) -> str:
    if phrase.conjunction:
        return "(" + " && ".join(_pg_phrase(p, params) for p in phrase.conjunction) + ")"
    params += [PG_CONFIG, " ".join(phrase)]
    return "phraseto_tsquery(%s::regconfig, %s)"


def _pg_tsquery(required: list[list[Phrase]], excluded: list[Phrase]) -> tuple[str, list]:
    """The tsquery of parts (ANDed, each part's alternatives ORed) and exclusions, built
    from the parsed query with tsquery operators — as FTS5's expression is, so that both
    backends read "a or b c" as (a or b) and c (websearch_to_tsquery would bind `or`
    looser than the words beside it). Every word is a parameter."""
    params: list = []
    parts = []
    for part in required:
        alternatives = [_pg_phrase(phrase, params) for phrase in part]
        parts.append(alternatives[0] if len(alternatives) == 1
                     else "(" + " || ".join(alternatives) + ")")
    for phrase in excluded:
        parts.append("!!" + _pg_phrase(phrase, params))
    return "(" + " && ".join(parts) + ")", params


def _match(required: list[list[Phrase]], excluded: list[Phrase]) -> tuple[str, list]:
    """(condition on the index table, params): the rows matching every part of
    `required` (not empty) and none of `excluded`."""
    if is_postgres():
        tsquery, params = _pg_tsquery(required, excluded)
        return f"{PG_TABLE}.search_vector @@ {tsquery}", params
    return f"{FTS_TABLE} MATCH %s", [_fts5_expression(required, excluded)]


def _ids_matching(required: list[list[Phrase]], excluded: list[Phrase] = ()) -> RawSQL:
    """A subquery of the ids the text index matches."""
    where, params = _match(required, list(excluded))
    column = "id" if is_postgres() else "rowid"
    table = PG_TABLE if is_postgres() else FTS_TABLE
    return RawSQL(f"SELECT {column} FROM {table} WHERE {where}", params)  # noqa: S608 - identifiers from code, values bound


def _clean(user_query: str) -> str:
    # PostgreSQL refuses NUL in text; no search means one anyway.
    return (user_query or "").replace("\x00", " ").strip()


def prepared(query: "str | ParsedQuery") -> ParsedQuery | None:
    """The parsed query (a ParsedQuery is taken as it is), or None for one refused (too
    long) or empty: what search() and ranked_matches() take."""
    if isinstance(query, ParsedQuery):
        return query
    query = _clean(query)
    if not query or len(query) > MAX_QUERY_CHARS:
        return None
    return parse_query(query)


def condition(parsed: ParsedQuery) -> Q | None:
    """The meaning of a parsed query as one condition on the searched model (on its `id`),
    or None where it has nothing to look for (the caller selects nothing). The parts the
    text index alone answers are one match of the index; a part with a resolved phrase
    (`Phrase.also`) is its text match or that condition; an exclusion leaves out both.
    A query of exclusions only keeps everything else."""
    if not parsed.required and not parsed.excluded:
        return None
    plain_parts, plain_excluded = parsed.plain()
    result = Q()
    if plain_parts:
        result &= Q(id__in=_ids_matching(plain_parts, plain_excluded))
    elif plain_excluded:
        result &= ~Q(id__in=_ids_matching([plain_excluded]))
    for part in parsed.required:
        if all(phrase.also is None for phrase in part):
            continue
        either = Q(id__in=_ids_matching([part]))
        for phrase in part:
            if phrase.also is not None:
                either |= phrase.also
        result &= either
    for phrase in parsed.excluded:
        if phrase.also is not None:
            result &= ~(Q(id__in=_ids_matching([[phrase]])) | phrase.also)
    return result


def search(queryset: QuerySet, user_query: "str | ParsedQuery") -> QuerySet:
    """Narrow a queryset (of recommendations, or of a model with their ids) to those
    matching the query: all, if it is empty; none, if it is refused or has no word."""
    if not isinstance(user_query, ParsedQuery):
        if not _clean(user_query):
            return queryset
    parsed = prepared(user_query)
    where = condition(parsed) if parsed is not None else None
    if where is None:
        return queryset.none()
    return queryset.filter(where)


def order_by_relevance(queryset: QuerySet, user_query: "str | ParsedQuery") -> QuerySet:
    """Best matches first; call after search(), as the last step (on SQLite the ranking
    joins the index table by name, so the result must not become a subquery). The rank is
    that of the words the text index alone answers (every match holds them); a query with
    none of those (a state's name only, exclusions only) has no rank, and its matches
    come in the order of their ids, as on the list page (cached ranks of 0)."""
    parsed = prepared(user_query)
    if parsed is None:
        return queryset
    plain_parts, plain_excluded = parsed.plain()
    if not plain_parts:
        return queryset.order_by("id")
    where, params = _match(plain_parts, plain_excluded)
    if is_postgres():
        tsquery, rank_params = _pg_tsquery(plain_parts, plain_excluded)
        # As on SQLite: one join with the index table ranks every match in one pass.
        return queryset.extra(
            tables=[PG_TABLE],
            where=[f"{PG_TABLE}.id = {queryset.model._meta.db_table}.id", where],
            params=params,
            select={"relevance": f"ts_rank({PG_TABLE}.search_vector, {tsquery})"},
            select_params=rank_params,
        ).order_by("-relevance", "id")
    # One join with the index ranks every match in a single pass; bm25() is lower for
    # better matches. (A correlated subquery per row took seconds on 17,000 matches.)
    return queryset.extra(
        tables=[FTS_TABLE],
        where=[f"{FTS_TABLE}.rowid = {queryset.model._meta.db_table}.id", where],
        params=params,
        select={"relevance": f"bm25({FTS_TABLE})"},
    ).order_by("relevance", "id")


def _numbers(text: str | None, dtype) -> np.ndarray:
    if not text:
        return np.zeros(0, dtype=dtype)
    return np.fromstring(text, dtype=dtype, sep=",")


def _text_matches(required: list[list[Phrase]], excluded: list[Phrase], ranked: bool
                  ) -> tuple[np.ndarray, np.ndarray | None]:
    """The ids the text index matches, and their sort keys if `ranked`: one query."""
    where, params = _match(required, excluded)
    with connection.cursor() as cursor:
        if is_postgres():
            columns = "string_agg(id::text, ',')"
            if ranked:
                tsquery, rank_params = _pg_tsquery(required, excluded)
                columns += (f", string_agg((-ts_rank(search_vector, {tsquery}))::text, ',')")
                params = [*rank_params, *params]
            cursor.execute(f"SELECT {columns} FROM {PG_TABLE} WHERE {where}", params)  # noqa: S608 - identifiers from code, values bound
        elif ranked:
            # bm25() may not be called inside an aggregate: it is read in a subquery,
            # which LIMIT -1 keeps SQLite from folding into the outer query.
            cursor.execute(
                "SELECT group_concat(id, ','), group_concat(score, ',') FROM ("  # noqa: S608 - identifiers from code, values bound
                f"SELECT rowid AS id, bm25({FTS_TABLE}) AS score FROM {FTS_TABLE} "
                f"WHERE {where} LIMIT -1)", params)
        else:
            cursor.execute(f"SELECT group_concat(rowid, ',') FROM {FTS_TABLE} "  # noqa: S608 - identifiers from code, values bound
                           f"WHERE {where}", params)
        row = cursor.fetchone()
    if not row or not row[0]:
        return np.zeros(0, dtype=np.int64), (np.zeros(0) if ranked else None)
    # The aggregates of one query see the matches in the same order: ids and keys line up.
    return _numbers(row[0], np.int64), (_numbers(row[1], np.float64) if ranked else None)


def _ids_of(queryset: QuerySet) -> np.ndarray:
    """The ids a queryset selects, as one text that numpy parses."""
    try:
        sql, params = queryset.order_by().values_list("id").query.sql_with_params()
    except EmptyResultSet:
        return np.zeros(0, dtype=np.int64)
    aggregate = ("string_agg(matched.id::text, ',')" if is_postgres()
                 else "group_concat(matched.id, ',')")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {aggregate} FROM ({sql}) matched", params)  # noqa: S608 - identifiers from code, values bound
        row = cursor.fetchone()
    return _numbers(row[0] if row else None, np.int64)


def _ids_by_parts(parsed: ParsedQuery, queryset: QuerySet) -> np.ndarray:
    """The ids `condition(parsed)` selects from `queryset`, found part by part — each
    part's text match and each resolved phrase's condition one query, combined as sorted
    id arrays — rather than as one statement: SQLite answers `id IN (the 80,000 matches
    of a common word) AND (…)` by probing each row (440 ms at 250,000 rows), where the
    parts' own queries use their indexes (70 ms). The same boolean algebra as
    `condition`; tests/recommendations/test_filter_parity.py holds the two together."""
    if not parsed.required:  # exclusions only: one NOT IN, cheaper than a difference
        return np.unique(_ids_of(queryset.filter(condition(parsed))))
    plain_parts, plain_excluded = parsed.plain()
    selected = None  # None: every row of the queryset

    def narrowed(ids):
        return ids if selected is None else np.intersect1d(selected, ids, assume_unique=True)

    def either(phrases) -> np.ndarray:
        found = [_text_matches([phrases], [], False)[0]]
        found += [_ids_of(queryset.filter(phrase.also)) for phrase in phrases
                  if phrase.also is not None]
        return np.unique(np.concatenate(found))

    if plain_parts:
        selected = np.unique(_text_matches(plain_parts, plain_excluded, False)[0])
    for part in parsed.required:
        if any(phrase.also is not None for phrase in part):
            selected = narrowed(either(part))
    left_out = [either([phrase]) for phrase in parsed.excluded if phrase.also is not None]
    if not plain_parts and plain_excluded:
        left_out.append(np.unique(_text_matches([plain_excluded], [], False)[0]))
    for ids in left_out:
        selected = np.setdiff1d(selected, ids, assume_unique=True)
    return selected


def ranked_matches(user_query: "str | ParsedQuery", *, ranked: bool = False,
                   queryset: QuerySet | None = None
                   ) -> tuple[np.ndarray, np.ndarray | None]:
    """Every recommendation (archived ones too) matching the query, as an int64 array of
    ids, and, only if `ranked`, a float array of sort keys (smaller is a better match),
    for the list page, which filters, counts and orders in memory
    (recommendations/registry_index.py).

    A query the text index alone answers is one query on that index. One with a resolved
    phrase or of exclusions only is `condition()` over `queryset` (all the rows of the
    searched model), evaluated part by part (`_ids_by_parts`): the same meaning as
    search()'s SQL, so the list page and the SQL read path select the same. Its rank is
    that of its plain parts (order_by_relevance), 0 where it has none.

    Ranking is asked for only when the reader sorts by relevance: it scores every match
    (bm25 / ts_rank), which costs five times the match itself for a common word (40,000
    matches: 46 ms against 3 ms on SQLite). The ids come back as one text that numpy
    parses (an aggregate), not as a Python tuple per match."""
    nothing = np.zeros(0, dtype=np.int64), (np.zeros(0) if ranked else None)
    parsed = prepared(user_query)
    if parsed is None:
        return nothing
    if parsed.required and not parsed.resolved:
        return _text_matches(parsed.required, parsed.excluded, ranked)
    if (not parsed.required and not parsed.excluded) or queryset is None:
        return nothing
    ids = _ids_by_parts(parsed, queryset)
    if not ranked:
        return ids, None
    keys = np.zeros(ids.size)
    plain_parts, plain_excluded = parsed.plain()
    if plain_parts and ids.size:
        ranked_ids, ranked_keys = _text_matches(plain_parts, plain_excluded, True)
        order = np.argsort(ranked_ids)
        place = np.searchsorted(ranked_ids, ids, sorter=order).clip(0, max(order.size - 1, 0))
        if order.size:
            found = ranked_ids[order[place]] == ids
            keys[found] = ranked_keys[order[place[found]]]
    return ids, keys


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
            f"INSERT INTO {FTS_TABLE}(rowid, search_text) "  # noqa: S608 - identifiers from code, values bound
            "SELECT id, search_text FROM recommendations_recommendation WHERE id >= %s",
            [first_id],
        )
        cursor.execute(trigger_sql)
