"""An in-memory index of what facets count, so that the counts of a list page cost a few
milliseconds however many recommendations the filters select.

Counting facets in SQL visits every selected recommendation and its links once per facet:
with a broad search over 250,000 recommendations that is hundreds of milliseconds. Here
each process keeps compact arrays — for every recommendation id its review, mechanism,
position and action category; every (recommendation, term) and (recommendation,
recommending state) link — and counting is a `bincount` over the selected ids.

The filters stay in SQL (filters.py is the one read path): the database answers "which
ids", this index answers "how many of them under each value". The index is rebuilt when the
registry version changes (RegistryVersion, bumped by every import and every edit), which
a request checks with one small query.
"""

import threading
from dataclasses import dataclass

import numpy as np
from django.core.exceptions import EmptyResultSet
from django.db import connection

from .models import (
    Position,
    Recommendation,
    RecommendationTerm,
    RecommendingState,
    RegistryVersion,
    Review,
    Term,
)

POSITIONS = list(Position.values)

_lock = threading.Lock()
_cached: "FacetIndex | None" = None


def _fetch(sql: str, params=(), columns: int = 1) -> np.ndarray:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return np.zeros((0, columns), dtype=np.int64)
    return np.array(rows, dtype=np.int64).reshape(len(rows), columns)


@dataclass
class FacetIndex:
    version: str
    size: int  # largest recommendation id + 1
    active: np.ndarray  # bool[size]: exists and is not archived
    review: np.ndarray  # int32[size]: review id (0 where none)
    mechanism: np.ndarray  # int32[size]: mechanism id
    position: np.ndarray  # int8[size]: index in POSITIONS (-1 where none)
    action: np.ndarray  # int8[size]: action category 1-5 (0 where none)
    term_rec: np.ndarray  # int32[links]
    term_id: np.ndarray  # int32[links]
    goal_of_term: np.ndarray  # int32[max term id + 1]: SDG goal id of an SDG term, else 0
    state_rec: np.ndarray  # int32[links]
    state_id: np.ndarray  # int32[links]

    @classmethod
    def build(cls, version: str) -> "FacetIndex":
        rec = Recommendation._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, review_id, position, COALESCE(action_category, 0), archived "
                f"FROM {rec}"
            )
            rows = cursor.fetchall()
        size = (max(row[0] for row in rows) + 1) if rows else 1
        active = np.zeros(size, dtype=bool)
        review = np.zeros(size, dtype=np.int32)
        position = np.full(size, -1, dtype=np.int8)
        action = np.zeros(size, dtype=np.int8)
        if rows:
            code = {value: index for index, value in enumerate(POSITIONS)}
            ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
            active[ids] = ~np.fromiter((bool(row[4]) for row in rows), dtype=bool,
                                       count=len(rows))
            review[ids] = np.fromiter((row[1] for row in rows), dtype=np.int32,
                                      count=len(rows))
            position[ids] = np.fromiter((code.get(row[2], -1) for row in rows),
                                        dtype=np.int8, count=len(rows))
            action[ids] = np.fromiter((row[3] for row in rows), dtype=np.int8,
                                      count=len(rows))
        reviews = dict(Review.objects.values_list("id", "mechanism_id"))
        mechanism_of_review = np.zeros((max(reviews, default=0) + 1), dtype=np.int32)
        for review_id, mechanism_id in reviews.items():
            mechanism_of_review[review_id] = mechanism_id
        mechanism = mechanism_of_review[review]

        terms = _fetch(
            f"SELECT recommendation_id, term_id FROM {RecommendationTerm._meta.db_table}",
            columns=2,
        )
        states = _fetch(
            f"SELECT recommendation_id, state_id FROM {RecommendingState._meta.db_table}",
            columns=2,
        )
        sdg_terms = list(Term.objects.filter(taxonomy__code="sdg")
                         .values_list("id", "parent_id"))
        goal_of_term = np.zeros(max(Term.objects.order_by("-id").values_list("id", flat=True)
                                    [:1], default=0) + 1, dtype=np.int32)
        for term_id, parent_id in sdg_terms:
            goal_of_term[term_id] = parent_id or term_id
        return cls(
            version=version, size=size, active=active, review=review, mechanism=mechanism,
            position=position, action=action,
            term_rec=terms[:, 0].astype(np.int32), term_id=terms[:, 1].astype(np.int32),
            goal_of_term=goal_of_term,
            state_rec=states[:, 0].astype(np.int32), state_id=states[:, 1].astype(np.int32),
        )

    # -- selections --------------------------------------------------------------------

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
        """{value: how many selected rows have it}, from a per-row value array."""
        selected = values[mask]
        if selected.size == 0:
            return {}
        uniques, counts = np.unique(selected, return_counts=True)
        return dict(zip(uniques.tolist(), counts.tolist(), strict=True))

    def term_counts(self, mask: np.ndarray) -> dict[int, int]:
        return self.count(self.term_id, mask[self.term_rec])

    def sdg_goal_counts(self, mask: np.ndarray) -> dict[int, int]:
        """Recommendations per SDG goal, each once per goal however many of its targets it
        carries."""
        in_range = self.term_id < self.goal_of_term.size
        goals = np.zeros(self.term_id.size, dtype=np.int64)
        goals[in_range] = self.goal_of_term[self.term_id[in_range]]
        keep = mask[self.term_rec] & (goals > 0)
        if not keep.any():
            return {}
        pairs = np.unique(self.term_rec[keep].astype(np.int64) * (goals.max() + 1)
                          + goals[keep])
        return self.count(pairs % (goals.max() + 1), np.ones(pairs.size, dtype=bool))

    def state_counts(self, mask: np.ndarray) -> dict[int, int]:
        return self.count(self.state_id, mask[self.state_rec])


def current_index() -> FacetIndex:
    """The index of the registry as it is now (rebuilt after any change)."""
    global _cached
    version = RegistryVersion.current()
    index = _cached
    if index is not None and index.version == version:
        return index
    with _lock:
        if _cached is None or _cached.version != version:
            _cached = FacetIndex.build(version)
        return _cached
