"""An in-memory index of the registry, so that a list page — its facet counts and the
order of its results — costs a few milliseconds however many recommendations the filters
select.

Counting facets in SQL visits every selected recommendation and its links once per facet:
with a broad search over 250,000 recommendations that is hundreds of milliseconds. Here
each process keeps compact arrays — for every recommendation id its review, mechanism,
position, action category and possible-duplicate flag; every (recommendation, term) and
(recommendation, recommending state) link — and counting is a `bincount` over the selected
ids.

filters.py stays the one read path: what each filter means is written there, in SQL, and
`filter_mask` answers the same filters from these arrays (a test holds the two together;
a filter the index does not know goes to the database). The search is answered by the
full-text index. This index answers "which ids", "how many of them under each value" and
"which 25 come first".
Every order of the list is an order of reviews, then of ids (filters.REVIEW_ORDERINGS): the
index keeps each review's rank in each order, so the page's 25 are found by a partition of
the selection around the page (OrderedSelection: no sort of every selected id), and only
those 25 are read from the database. The index is rebuilt
when the registry version changes (RegistryVersion, bumped by every import and every
edit), which a request checks with one small query.
"""

import threading
from dataclasses import dataclass, field

import numpy as np
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.utils import translation

from nmirf.core.search import ranked_matches

from .filters import AFFECTED_TAXONOMY, REVIEW_ORDERINGS, SDG_TAXONOMY, THEME_TAXONOMIES, Sort
from .models import (
    Mechanism,
    Position,
    Recommendation,
    RecommendationTerm,
    RecommendingState,
    RegistryVersion,
    Review,
    State,
    Term,
)
from .state_names import sort_key

POSITIONS = list(Position.values)

_lock = threading.Lock()
_cached: "RegistryIndex | None" = None


def _fetch(table: str, expressions: list[str]) -> np.ndarray:
    """int64[rows, len(expressions)]: integer expressions over every row of a table. The
    database joins each column into one text that numpy parses: a Python tuple per row,
    for the hundreds of thousands of rows and links of a large registry, took a second.
    The aggregates of one query see the rows in the same order, so the columns line up."""
    if connection.vendor == "postgresql":
        columns = [f"string_agg((({expression})::bigint)::text, ',')"
                   for expression in expressions]
    else:
        columns = [f"group_concat({expression}, ',')" for expression in expressions]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table}")
        texts = cursor.fetchone()
    if not texts[0]:
        return np.zeros((0, len(expressions)), dtype=np.int64)
    return np.stack([np.fromstring(text, dtype=np.int64, sep=",") for text in texts], axis=1)


@dataclass
class RegistryIndex:
    version: str
    size: int  # largest recommendation id + 1
    active: np.ndarray  # bool[size]: exists and is not archived
    review: np.ndarray  # int32[size]: review id (0 where none)
    mechanism: np.ndarray  # int32[size]: mechanism id
    position: np.ndarray  # int8[size]: index in POSITIONS (-1 where none)
    action: np.ndarray  # int8[size]: action category 1-5 (0 where none)
    flagged: np.ndarray  # int8[size]: 1 for a possible duplicate waiting for a decision
    term_rec: np.ndarray  # int32[links]
    term_id: np.ndarray  # int32[links]
    goal_rec: np.ndarray  # int32[pairs]: (recommendation, SDG goal), each pair once
    goal_id: np.ndarray  # int32[pairs]
    state_rec: np.ndarray  # int32[links]
    state_id: np.ndarray  # int32[links]
    review_rank: dict  # sort key -> int32[max review id + 1]: the review's place in that order
    # Per review id: its state, UPR session and cycle (-1 where none).
    review_state: np.ndarray
    review_session: np.ndarray
    review_cycle: np.ndarray
    state_of_iso3: dict  # ISO3 -> state id
    mechanism_of_code: dict  # mechanism code -> id
    taxonomy_of_term: dict  # term id -> taxonomy code
    sdg_terms_of_code: dict  # SDG goal or target code -> its term and its targets' terms
    state_names: dict  # state id -> (ISO3, English name)
    # (sort, language) -> review ranks, where the order depends on the reader's language
    # (by state name); made when first asked for.
    localized_ranks: dict = field(default_factory=dict)

    @classmethod
    def build(cls, version: str) -> "RegistryIndex":
        # Positions as their index in POSITIONS, in SQL (-1 for a value it does not know).
        position_code = "CASE position " + " ".join(
            f"WHEN '{value}' THEN {index}" for index, value in enumerate(POSITIONS)
        ) + " ELSE -1 END"
        rows = _fetch(Recommendation._meta.db_table, [
            "id", "review_id", position_code, "COALESCE(action_category, 0)",
            "CASE WHEN archived THEN 1 ELSE 0 END",
        ])
        size = int(rows[:, 0].max()) + 1 if rows.size else 1
        active = np.zeros(size, dtype=bool)
        review = np.zeros(size, dtype=np.int32)
        position = np.full(size, -1, dtype=np.int8)
        action = np.zeros(size, dtype=np.int8)
        ids = rows[:, 0]
        active[ids] = rows[:, 4] == 0
        review[ids] = rows[:, 1]
        position[ids] = rows[:, 2]
        action[ids] = rows[:, 3]
        flagged = np.zeros(size, dtype=np.int8)
        flagged[list(Recommendation.objects.filter(possible_duplicate_of__isnull=False)
                     .values_list("id", flat=True))] = 1  # a few rows: one small query
        reviews = list(Review.objects.values_list("id", "mechanism_id", "state_id", "session",
                                                  "cycle"))
        review_slots = max((row[0] for row in reviews), default=0) + 1
        mechanism_of_review = np.zeros(review_slots, dtype=np.int32)
        review_state, review_session, review_cycle = (
            np.full(review_slots, -1, dtype=np.int64) for _ in range(3))
        for review_id, mechanism_id, state_id, session, cycle in reviews:
            mechanism_of_review[review_id] = mechanism_id
            review_state[review_id] = state_id
            review_session[review_id] = -1 if session is None else session
            review_cycle[review_id] = -1 if cycle is None else cycle
        mechanism = mechanism_of_review[review]

        terms = _fetch(RecommendationTerm._meta.db_table, ["recommendation_id", "term_id"])
        states = _fetch(RecommendingState._meta.db_table, ["recommendation_id", "state_id"])
        # Every term once: its taxonomy for the term filters, and for the SDGs the goal of
        # each target and the terms each goal or target code stands for.
        all_terms = list(Term.objects.values_list("id", "taxonomy__code", "code", "parent_id",
                                                  "parent__code"))
        taxonomy_of_term = {term_id: taxonomy for term_id, taxonomy, *_ in all_terms}
        goal_of_term = np.zeros(max(taxonomy_of_term, default=0) + 1, dtype=np.int32)
        sdg_terms_of_code: dict[str, list[int]] = {}
        for term_id, taxonomy, code, parent_id, parent_code in all_terms:
            if taxonomy != SDG_TAXONOMY:
                continue
            goal_of_term[term_id] = parent_id or term_id
            sdg_terms_of_code.setdefault(code, []).append(term_id)
            if parent_code:
                sdg_terms_of_code.setdefault(parent_code, []).append(term_id)
        # (recommendation, goal) pairs, once each: a recommendation tagged with two targets
        # of a goal counts once for that goal.
        term_goal = np.zeros(terms.shape[0], dtype=np.int64)
        known = terms[:, 1] < goal_of_term.size
        term_goal[known] = goal_of_term[terms[known, 1]]
        with_goal = term_goal > 0
        pairs = np.unique(np.stack([terms[with_goal, 0], term_goal[with_goal]], axis=1), axis=0)
        state_names = {pk: (iso3, name) for pk, iso3, name in
                       State.objects.values_list("pk", "iso3", "name")}
        review_rank = {}
        for sort, ordering in REVIEW_ORDERINGS.items():
            ranks = np.zeros(mechanism_of_review.size, dtype=np.int32)
            ordered = list(Review.objects.order_by(*ordering).values_list("id", flat=True))
            ranks[ordered] = np.arange(len(ordered), dtype=np.int32)
            review_rank[sort] = ranks
        return cls(
            version=version, size=size, active=active, review=review, mechanism=mechanism,
            position=position, action=action, flagged=flagged,
            term_rec=terms[:, 0].astype(np.int32), term_id=terms[:, 1].astype(np.int32),
            goal_rec=pairs[:, 0].astype(np.int32), goal_id=pairs[:, 1].astype(np.int32),
            state_rec=states[:, 0].astype(np.int32), state_id=states[:, 1].astype(np.int32),
            review_rank=review_rank,
            review_state=review_state, review_session=review_session,
            review_cycle=review_cycle,
            state_of_iso3={iso3: pk for pk, (iso3, _name) in state_names.items()},
            state_names=state_names,
            mechanism_of_code=dict(Mechanism.objects.values_list("code", "id")),
            taxonomy_of_term=taxonomy_of_term, sdg_terms_of_code=sdg_terms_of_code,
        )

    # -- selections --------------------------------------------------------------------

    def mask_of_ids(self, ids) -> np.ndarray:
        """bool[size]: these recommendations, if active."""
        ids = np.asarray(ids, dtype=np.int64)
        mask = np.zeros(self.size, dtype=bool)
        mask[ids[ids < self.size]] = True
        return mask & self.active

    def filter_mask(self, name: str, values: list) -> np.ndarray | None:
        """bool[size]: the recommendations that the filter `name` of filters.py keeps with
        these (cleaned) values — the same meaning, answered from memory; None for a filter
        this index cannot answer (the caller asks the database). Archived ones are not
        removed here: `active` does that. tests/recommendations/test_registry_index.py
        checks every filter against the SQL one."""
        if name == "mechanism":
            ids = [self.mechanism_of_code[code] for code in values
                   if code in self.mechanism_of_code]
            return np.isin(self.mechanism, ids)
        if name == "review":
            return np.isin(self.review, values)
        if name == "position":
            codes = [POSITIONS.index(value) for value in values if value in POSITIONS]
            return np.isin(self.position, codes)
        if name == "action_category":
            return np.isin(self.action, [int(value) for value in values])
        if name == "flagged":
            return self.flagged == 1 if "duplicate" in values else np.ones(self.size, dtype=bool)
        if name in ("state", "session", "cycle"):
            per_review = {"state": self.review_state, "session": self.review_session,
                          "cycle": self.review_cycle}[name]
            if name == "state":
                values = [self.state_of_iso3[iso3] for iso3 in values
                          if iso3 in self.state_of_iso3]
            return np.isin(per_review, values)[self.review]
        if name == "recommending":
            ids = [self.state_of_iso3[iso3] for iso3 in values if iso3 in self.state_of_iso3]
            return self._having(self.state_rec, self.state_id, ids)
        if name in ("theme", "affected", "term", "sdg"):
            mask = np.ones(self.size, dtype=bool)
            for value in values:  # all of them: each one narrows
                mask &= self._having(self.term_rec, self.term_id, self._terms_meant(name, value))
            return mask
        return None

    def _terms_meant(self, name: str, value) -> list[int]:
        """The term ids one value of a term filter stands for (filters._theme and others)."""
        if name == "sdg":
            return self.sdg_terms_of_code.get(value, [])
        taxonomy = self.taxonomy_of_term.get(value)
        if name == "theme":
            return [value] if taxonomy in THEME_TAXONOMIES else []
        if name == "affected":
            return [value] if taxonomy == AFFECTED_TAXONOMY else []
        return [value] if taxonomy is not None else []

    def _having(self, link_rec: np.ndarray, link_value: np.ndarray, values) -> np.ndarray:
        """bool[size]: the recommendations linked to any of `values`."""
        mask = np.zeros(self.size, dtype=bool)
        if values:
            wanted = (link_value == values[0]) if len(values) == 1 else np.isin(link_value,
                                                                                 values)
            mask[link_rec[wanted]] = True
        return mask

    def ordered(self, mask: np.ndarray, sort: str, relevance=None) -> "OrderedSelection":
        """The selected ids in list order, as a sequence that orders only what is read
        from it: by relevance (a pair of arrays, the matched ids and a key for each,
        smaller is better), or by review (its rank in that order) and then id."""
        return OrderedSelection(self, mask, sort, relevance)

    def _review_rank(self, sort: str) -> np.ndarray:
        """Each review's place in an order. By state, the order follows the state names the
        reader sees: the database's order (English names) is sorted again, stably, by the
        names in the active language, folded as name_key folds them ("Égypte" with "E")."""
        language = (translation.get_language() or "en").split("-")[0]
        if sort != Sort.STATE or language == "en":
            return self.review_rank[sort]
        key = (sort, language)
        ranks = self.localized_ranks.get(key)
        if ranks is None:
            english = self.review_rank[sort]
            reviews = np.flatnonzero(self.review_state >= 0)
            reviews = reviews[np.argsort(english[reviews], kind="stable")]
            with translation.override(language):
                names = {pk: sort_key(*names) for pk, names in self.state_names.items()}
            ordered = sorted(reviews.tolist(),
                             key=lambda review: names.get(int(self.review_state[review]), ""))
            ranks = np.zeros_like(english)
            ranks[ordered] = np.arange(len(ordered), dtype=english.dtype)
            self.localized_ranks[key] = ranks
        return ranks

    def mask_of(self, queryset) -> np.ndarray:
        """bool[size]: the recommendations a queryset selects (one query for their ids)."""
        mask = np.zeros(self.size, dtype=bool)
        try:
            sql, params = queryset.order_by().values_list("id").query.sql_with_params()
        except EmptyResultSet:  # e.g. a search with no searchable word
            return mask
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            ids = np.fromiter((row[0] for row in cursor.fetchall()), dtype=np.int64)
        ids = ids[ids < self.size]  # rows newer than the index (cannot happen in a request)
        mask[ids] = True
        return mask & self.active

    # -- counts ------------------------------------------------------------------------

    @staticmethod
    def count(values: np.ndarray, mask: np.ndarray) -> dict[int, int]:
        """{value: how many selected rows have it}, from a per-row array of small
        non-negative values (ids, codes): one bincount, no sort."""
        return RegistryIndex.as_dict(RegistryIndex.counts(values, mask))

    @staticmethod
    def counts(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """int64[largest value + 1]: how many selected rows have each value (the array
        form of `count`, for a caller that keeps only the largest). `mask` may also be an
        array of row numbers."""
        selected = values[mask]
        if selected.size == 0:
            return np.zeros(0, dtype=np.int64)
        return np.bincount(selected.astype(np.int64, copy=False))

    def selected_counts(self, name: str, values: np.ndarray, mask: np.ndarray,
                        rows: np.ndarray | None = None, ids: np.ndarray | None = None
                        ) -> np.ndarray:
        """`counts` of `values` over the selected recommendations (`mask`, within
        `active`): values per recommendation, or, with `rows` (the recommendation of each
        link), values per link. A selection of more than half the registry — the no-query
        page, a broad filter — is counted as the whole registry's counts (made once per
        version, under `name`) less those of the few it leaves out: counting a quarter of a
        million selected rows cost a millisecond per facet, the rest a tenth of that.
        `ids` (np.flatnonzero(mask)), where the caller counts several per-recommendation
        values of one selection: gathering by ids is cheaper than a boolean mask each time."""
        if np.count_nonzero(mask) * 2 <= np.count_nonzero(self.active):
            if rows is None and ids is not None:
                return self.counts(values, ids)
            return self.counts(values, mask if rows is None else mask[rows])
        key = (id(self), self.version, name)
        full = _full_counts.get(key)
        if full is None:
            full = self.counts(values, self.active if rows is None else self.active[rows])
            if len(_full_counts) > 64:  # other versions' (or indexes') counts
                _full_counts.clear()
            _full_counts[key] = full
        left_out = self.active & ~mask
        minus = self.counts(values, left_out if rows is None else left_out[rows])
        counts = full.copy()
        counts[:minus.size] -= minus
        return counts

    @staticmethod
    def as_dict(counts: np.ndarray) -> dict[int, int]:
        present = np.flatnonzero(counts)
        return dict(zip(present.tolist(), counts[present].tolist(), strict=True))

    def term_counts(self, mask: np.ndarray) -> dict[int, int]:
        return self.as_dict(self.selected_counts("terms", self.term_id, mask, self.term_rec))

    def sdg_goal_counts(self, mask: np.ndarray) -> dict[int, int]:
        """Recommendations per SDG goal, each once per goal however many of its targets it
        carries."""
        return self.as_dict(self.selected_counts("goals", self.goal_id, mask, self.goal_rec))

    def state_counts(self, mask: np.ndarray) -> dict[int, int]:
        return self.as_dict(self.selected_counts("states", self.state_id, mask,
                                                 self.state_rec))


# The whole registry's counts per facet, per index and version (RegistryIndex.selected_counts).
_full_counts: dict[tuple, np.ndarray] = {}


# A selection this small is ordered whole: one lexsort of a few thousand keys costs less
# than partitioning them first.
_SORT_WHOLE = 2048


class OrderedSelection:
    """The ids a mask selects, in list order, read by slices (Django's Paginator asks its
    len() and one slice). A slice [start:stop] of a large selection costs one partition
    around `stop` (np.argpartition, linear in the selection) and a sort of the ids that
    come before it — never a sort of every selected id for the 25 shown: the no-query
    page over 1,000,000 recommendations sorts 25 keys, not a million."""

    def __init__(self, index: RegistryIndex, mask: np.ndarray, sort: str, relevance=None):
        self.index, self.sort, self.relevance = index, sort, relevance
        self.ids = np.flatnonzero(mask)
        self._primary = None

    def __len__(self) -> int:
        return int(self.ids.size)

    def __getitem__(self, item):
        if not isinstance(item, slice):
            return self[item:item + 1][0] if item >= 0 else self[len(self) + item]
        start, stop, step = item.indices(len(self))
        if stop <= start:
            return self.ids[:0]
        return self.ids[self._first(stop)[start:stop:step]]

    def primary(self) -> np.ndarray:
        """The sort key of each selected id (ties are broken by id): its relevance key
        (smaller is better; +inf for an id the search did not match), or its review's
        place in the order."""
        if self._primary is None:
            ids, index = self.ids, self.index
            if self.relevance is not None:
                matched, keys = self.relevance
                inside = matched < index.size
                score = np.full(index.size, np.inf)
                score[matched[inside]] = keys[inside]
                self._primary = score[ids]
            else:
                self._primary = index._review_rank(self.sort)[index.review[ids]]
        return self._primary

    def _first(self, stop: int) -> np.ndarray:
        """Positions (into self.ids) of the first `stop` selected ids in list order."""
        ids = self.ids
        if ids.size > _SORT_WHOLE and stop < ids.size and self.relevance is None:
            return self._first_by_review(stop)
        primary = self.primary()
        if ids.size <= _SORT_WHOLE or stop >= ids.size:
            return np.lexsort((ids, primary))[:stop]
        threshold = primary[np.argpartition(primary, stop - 1)[stop - 1]]
        # Everything before the threshold, and every tie with it (broken by id below).
        candidates = np.flatnonzero(primary <= threshold)
        order = np.lexsort((ids[candidates], primary[candidates]))
        return candidates[order[:stop]]

    def _first_by_review(self, stop: int) -> np.ndarray:
        """_first for an order of reviews: walk the reviews in that order, counting the
        selected ids of each, up to the review where the `stop`-th falls; only the ids of
        those reviews are sorted. (A partition of every selected id's review rank cost
        3.5 ms on 250,000; this costs one count per review.)"""
        rank = self.index._review_rank(self.sort)
        reviews = self.index.review[self.ids]
        per_review = np.bincount(reviews, minlength=rank.size)
        in_order = np.argsort(rank, kind="stable")
        reached = np.cumsum(per_review[in_order])
        needed = in_order[:int(np.searchsorted(reached, stop)) + 1]
        wanted = np.zeros(rank.size, dtype=bool)
        wanted[needed] = True
        candidates = np.flatnonzero(wanted[reviews])
        order = np.lexsort((self.ids[candidates], rank[reviews[candidates]]))
        return candidates[order[:stop]]


def current_index() -> RegistryIndex:
    """The index of the registry as it is now (rebuilt after any change)."""
    global _cached
    version = RegistryVersion.current()
    index = _cached
    if index is not None and index.version == version:
        return index
    with _lock:
        if _cached is None or _cached.version != version:
            _cached = RegistryIndex.build(version)
        return _cached


# The matches of recent searches, per registry version: paging through results or
# clicking facets repeats the same search, whose full-text work (ranking thousands of
# matches) then is not done again. Small, and dropped whenever the registry changes.
_MATCH_CACHE_SIZE = 64
_match_cache: dict[tuple, tuple] = {}
_match_cache_version = ""


def cached_matches(query: str, *, ranked: bool, index: RegistryIndex | None = None
                   ) -> tuple[np.ndarray, np.ndarray | None]:
    """The ids matching a search (and their relevance keys if `ranked`), from the cache
    of recent searches when there; a ranked answer also serves an unranked question.
    `index`: the current index, where the caller has it (saves asking its version)."""
    global _match_cache_version
    index = index or current_index()
    with _lock:
        if _match_cache_version != index.version:
            _match_cache.clear()
            _match_cache_version = index.version
        hit = _match_cache.get((query, ranked)) or (
            _match_cache.get((query, True)) if not ranked else None)
    if hit is not None:
        return hit
    result = ranked_matches(query, ranked=ranked)
    with _lock:
        if len(_match_cache) >= _MATCH_CACHE_SIZE:
            _match_cache.pop(next(iter(_match_cache)))
        _match_cache[(query, ranked)] = result
    return result
