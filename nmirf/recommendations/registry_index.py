"""An in-memory index of the registry, so that a list page — its facet counts and the
order of its results — costs a few milliseconds however many recommendations the filters
select.

Counting facets in SQL visits every selected recommendation and its links once per facet:
with a broad search over 250,000 recommendations that is hundreds of milliseconds. Here
each process keeps compact arrays — for every recommendation id its review, mechanism,
position, action category and possible-duplicate flag; every (recommendation, term) and
(recommendation, recommending state) link — and counting is a `bincount` over the selected
ids.

filters.py stays the one read path: each filter is declared there once (FILTERS), and
both its SQL and `filter_mask`, its answer from these arrays, are derived from that
declaration (tests/recommendations/test_filter_parity.py holds the two together; a filter
whose column the index does not keep goes to the database). The search is answered by the
full-text index. This index answers "which ids", "how many of them under each value" and
"which 25 come first".
Every order of the list is an order of reviews, then of each review's recommendations in
document order — by paragraph key (paragraphs.py), then id (filters.REVIEW_ORDERINGS,
DOCUMENT_ORDER): the index keeps each review's rank in each order and each
recommendation's paragraph key (an integer), so the page's 25 are found by counting the
selection per review up to the page (OrderedSelection: no sort of every selected id), and
only those 25 are read from the database.

Kept up to date without rebuilding: each request reads the registry's clock (one query on
a one-row table, registry_changes.py); when it moved, the change log says which
recommendations changed, and only their rows and links are read again and patched into a
copy of the arrays (`patched`), while the small reference tables (reviews and their ranks,
terms, states, mechanisms) are reloaded whole when one of them changed. The index is built
from scratch only for a process's first request, after a change too large to patch (a
large import), or when the log cannot tell (pruned past the process's tick, or a history
rolled back).
"""

import threading
from dataclasses import dataclass, field, replace

import numpy as np
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.utils import translation

from nmirf.core.id_lists import and_among

from . import registry_changes, registry_search
from .filters import (
    DEFINITIONS,
    REVIEW_ORDERINGS,
    SDG_TAXONOMY,
    Column,
    Derived,
    Due,
    FilterDefinition,
    Link,
    Sort,
)
from .models import (
    Position,
    Recommendation,
    RecommendationTerm,
    RecommendingState,
    Review,
    State,
    Term,
)
from .registry_changes import TRACKING_STATUS as STATUS_TABLE
from .registry_changes import Changes, Clock
from .state_names import sort_key

POSITIONS = list(Position.values)
REC = Recommendation._meta.db_table
REC_TERM = RecommendationTerm._meta.db_table
REC_STATE = RecommendingState._meta.db_table
# Positions as their index in POSITIONS, in SQL (-1 for a value it does not know).
_POSITION_CODE = "CASE position " + " ".join(
    f"WHEN '{value}' THEN {index}" for index, value in enumerate(POSITIONS)
) + " ELSE -1 END"
# The recommendation row as the index keeps it: (id, review, position, action, archived,
# paragraph key).
_ROW = ["id", "review_id", _POSITION_CODE, "COALESCE(action_category, 0)",
        "CASE WHEN archived THEN 1 ELSE 0 END", "paragraph_key"]
# Implementation statuses as their index in IMPLEMENTATION_STATUSES (tracking): a
# recommendation without a status row has not started (index 0).
IMPLEMENTATION_STATUSES = list(DEFINITIONS["status"].reads.codes)
_STATUS_CODE = "CASE status " + " ".join(
    f"WHEN '{value}' THEN {index}" for index, value in enumerate(IMPLEMENTATION_STATUSES)
) + " ELSE -1 END"
_NOT_STARTED = IMPLEMENTATION_STATUSES.index("not_started")
# Tracking's (recommendation, value) pairs, each part (registry_changes: ASSIGNED,
# CLUSTERS, PROGRESS, DUE) read whole at build, and read again for the recommendations a
# change bears on (the change log says which, and which parts). `{only…}`: where such a
# read adds its `AND … IN (ids)`. Current assignments only (ended = false); clusters only
# while active.
_CLUSTER_LEADS = """
    SELECT link.recommendation_id AS rec, assignment.entity_id AS value
    FROM tracking_clusterrecommendation link
    JOIN tracking_cluster cluster ON cluster.id = link.cluster_id AND NOT cluster.archived
    JOIN tracking_assignment assignment ON assignment.cluster_id = cluster.id
        AND NOT assignment.ended {role}{only_link}"""
_OWN = """
    SELECT recommendation_id AS rec, entity_id AS value FROM tracking_assignment
    WHERE recommendation_id IS NOT NULL AND NOT ended {role}{only_own}"""
# The lead rule of tracking.models.leads_among: the recommendation's own lead, else the
# leads of its active clusters.
_LEADS = (_OWN.replace("{role}", "AND role = 'lead'") + " UNION "  # noqa: S608 - identifiers from code, values bound
          + _CLUSTER_LEADS.replace("{role}", "AND assignment.role = 'lead'") + """
    AND NOT EXISTS (SELECT 1 FROM tracking_assignment own
        WHERE own.recommendation_id = link.recommendation_id AND NOT own.ended
        AND own.role = 'lead')""")
# Every part, lead or supporting, given directly or through an active cluster.
_PARTS = _OWN.replace("{role}", "") + " UNION " + _CLUSTER_LEADS.replace("{role}", "")
# Recommendations with a validated (or published) progress update on an active action
# that implements them: linked to it, or to an active cluster it sits in (tracking's
# queries.with_validated_progress); the value is always 1.
_VALIDATED_UPDATES = """
    FROM tracking_progressupdate progress
    JOIN tracking_action act ON act.id = progress.action_id AND NOT act.archived
    {join} WHERE progress.state IN ('validated', 'published')"""
_PROGRESS = ("SELECT action_rec.recommendation_id AS rec, 1 AS value" + _VALIDATED_UPDATES.replace(
    "{join}", "JOIN tracking_action_recommendations action_rec ON action_rec.action_id = act.id")
    + "{only_own} UNION SELECT link.recommendation_id AS rec, 1 AS value"
    + _VALIDATED_UPDATES.replace("{join}", """
    JOIN tracking_action_clusters action_cluster ON action_cluster.action_id = act.id
    JOIN tracking_cluster cluster ON cluster.id = action_cluster.cluster_id AND NOT cluster.archived
    JOIN tracking_clusterrecommendation link ON link.cluster_id = cluster.id""") + "{only_link}")
# filters.FLAGGED: a possible duplicate 1, else positions that differ 2.
_FLAGGED = ("CASE WHEN possible_duplicate_of_id IS NOT NULL THEN 1 "
            "WHEN positions_differ THEN 2 ELSE 0 END")
# More changed recommendations than this (or than a tenth of the registry) since a
# process last looked, and it rebuilds rather than patches: a large import.
PATCH_LIMIT = 20_000

_lock = threading.Lock()
_cached: "RegistryIndex | None" = None


def _fetch(table: str, expressions: list[str], where: str = "", params=()) -> np.ndarray:
    """int64[rows, len(expressions)]: integer expressions over every row of a table (or
    those `where` selects). The database joins each column into one text that numpy
    parses: a Python tuple per row, for the hundreds of thousands of rows and links of a
    large registry, took a second. The aggregates of one query see the rows in the same
    order, so the columns line up."""
    if connection.vendor == "postgresql":
        columns = [f"string_agg((({expression})::bigint)::text, ',')"
                   for expression in expressions]
    else:
        columns = [f"group_concat({expression}, ',')" for expression in expressions]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} {where}", params)  # noqa: S608 - identifiers from code, values bound
        texts = cursor.fetchone()
    if not texts[0]:
        return np.zeros((0, len(expressions)), dtype=np.int64)
    return np.stack([np.fromstring(text, dtype=np.int64, sep=",") for text in texts], axis=1)


def _fetch_for(table: str, column: str, ids: np.ndarray, expressions: list[str]) -> np.ndarray:
    """_fetch for the rows whose `column` is one of `ids`."""
    return _fetch(table, expressions, "WHERE TRUE" + and_among(column, ids))


def _gather(table: np.ndarray, keys: np.ndarray, missing=0) -> np.ndarray:
    """table[keys], with `missing` for keys beyond the table (a row read after the
    reference data it points to)."""
    inside = keys < table.size
    if inside.all():
        return table[keys]
    result = np.full(keys.shape, missing, dtype=table.dtype)
    result[inside] = table[keys[inside]]
    return result


def _grown(array: np.ndarray, size: int, fill) -> np.ndarray:
    """A copy of `array` with room for `size` ids, new places set to `fill`."""
    grown = np.full(size, fill, dtype=array.dtype)
    grown[:array.size] = array
    return grown


def _goal_pairs(term_rec: np.ndarray, term_id: np.ndarray, goal_of_term: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """(recommendation, SDG goal) pairs, each once: a recommendation tagged with two
    targets of a goal counts once for that goal."""
    goals = _gather(goal_of_term, term_id.astype(np.int64))
    with_goal = goals > 0
    width = np.int64(goal_of_term.size + 1)
    pairs = np.unique(term_rec[with_goal].astype(np.int64) * width + goals[with_goal])
    return (pairs // width).astype(np.int32), (pairs % width).astype(np.int32)


def _sorted_links(links: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(recommendation, value) link arrays from fetched rows, ordered by recommendation:
    the order `_replace_links` relies on (the database usually gives it already, from the
    link table's unique index)."""
    rec, value = links[:, 0].astype(np.int32), links[:, 1].astype(np.int32)
    if rec.size > 1 and not (rec[1:] >= rec[:-1]).all():
        order = np.argsort(rec, kind="stable")
        rec, value = rec[order], value[order]
    return rec, value


def _replace_links(rec: np.ndarray, value: np.ndarray, ids: np.ndarray,
                   fresh_rec: np.ndarray, fresh_value: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """New link arrays: those of `rec`/`value` (ordered by recommendation) with the links
    of the recommendations `ids` (sorted) replaced by the fresh ones (ordered too). Each
    recommendation's links are one slice, found by binary search, so a patch copies the
    arrays once rather than testing every link."""
    start = np.searchsorted(rec, ids, "left")
    end = np.searchsorted(rec, ids, "right")
    fresh_start = np.searchsorted(fresh_rec, ids, "left")
    fresh_end = np.searchsorted(fresh_rec, ids, "right")
    rec_parts, value_parts = [], []
    kept_from = 0
    for number in range(ids.size):
        rec_parts += [rec[kept_from:start[number]],
                      fresh_rec[fresh_start[number]:fresh_end[number]]]
        value_parts += [value[kept_from:start[number]],
                        fresh_value[fresh_start[number]:fresh_end[number]]]
        kept_from = end[number]
    rec_parts.append(rec[kept_from:])
    value_parts.append(value[kept_from:])
    return np.concatenate(rec_parts), np.concatenate(value_parts)


def _reference() -> dict:
    """Everything the index takes besides the recommendations' rows and links, as fields
    of RegistryIndex: the registry's reference data and every part of tracking's pairs,
    read whole (at build)."""
    reference = _registry_reference()
    for part in _PAIRS:
        reference.update(_pairs_of(part))
    return reference


def _registry_reference() -> dict:
    """Everything the index takes from the small reference tables — reviews (their
    mechanism, state, session, cycle and rank in each order), terms, states, mechanisms —
    as fields of RegistryIndex: loaded whole, at build and when one of them changed."""
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
    review_rank = {}
    for sort, ordering in REVIEW_ORDERINGS.items():
        ranks = np.zeros(review_slots, dtype=np.int32)
        ordered = list(Review.objects.order_by(*ordering).values_list("id", flat=True))
        ranks[ordered] = np.arange(len(ordered), dtype=np.int32)
        review_rank[sort] = ranks
    # Every term once: its taxonomy for the term facets, and for the SDGs the goal of
    # each target.
    all_terms = list(Term.objects.values_list("id", "taxonomy__code", "parent_id"))
    taxonomy_of_term = {term_id: taxonomy for term_id, taxonomy, _parent in all_terms}
    goal_of_term = np.zeros(max(taxonomy_of_term, default=0) + 1, dtype=np.int32)
    for term_id, taxonomy, parent_id in all_terms:
        if taxonomy == SDG_TAXONOMY:
            goal_of_term[term_id] = parent_id or term_id
    state_names = {pk: (iso3, name) for pk, iso3, name in
                   State.objects.values_list("pk", "iso3", "name")}
    return dict(
        mechanism_of_review=mechanism_of_review, review_rank=review_rank,
        review_state=review_state, review_session=review_session, review_cycle=review_cycle,
        state_names=state_names, taxonomy_of_term=taxonomy_of_term,
        goal_of_term=goal_of_term, localized_ranks={}, resolved={},
    )


def _assigned_pairs(ids: np.ndarray | None) -> list:
    only = {"only_own": and_among("recommendation_id", ids),
            "only_link": and_among("link.recommendation_id", ids)}
    return [_fetch(f"({_LEADS.format(**only)}) AS leads", ["rec", "value"]),
            _fetch(f"({_PARTS.format(**only)}) AS parts", ["rec", "value"])]


def _cluster_pairs(ids: np.ndarray | None) -> list:
    return [_fetch("tracking_clusterrecommendation", ["recommendation_id", "cluster_id"],
                   "WHERE TRUE" + and_among("recommendation_id", ids))]


def _progress_pairs(ids: np.ndarray | None) -> list:
    sql = _PROGRESS.format(only_own=and_among("action_rec.recommendation_id", ids),
                           only_link=and_among("link.recommendation_id", ids))
    return [_fetch(f"({sql}) AS progress", ["rec", "value"])]


def _today():
    from nmirf.followup.deadlines import today

    return today()


def _due_pairs(ids: np.ndarray | None) -> list:
    return [_due_rows(ids)]


def _due_rows(ids: np.ndarray | None) -> np.ndarray:
    """(recommendation, date ordinal) of the open deadlines that make a recommendation
    overdue once passed (followup/deadlines.py, the one definition), of every
    recommendation or of `ids`: its follow-up reply's, and the earliest of each action
    that implements it — the actions' dates (one small query) looked up for the
    (recommendation, action) links in numpy, not joined and grouped by the database."""
    from nmirf.followup.deadlines import action_dates_sql, follow_up_pairs, implementing_sql

    own = np.array(follow_up_pairs(None if ids is None else ids.tolist()),
                   dtype=np.int64).reshape(-1, 2)
    links = _fetch(f"({implementing_sql(ids)}) AS link", ["rec", "act"])
    acts = None if ids is None else np.unique(links[:, 1])
    if acts is not None and not acts.size:
        return own
    actions = _fetch(f"({action_dates_sql(connection.vendor, acts)}) AS due", ["act", "value"])
    if not actions.size:
        return own
    date_of = np.full(int(actions[:, 0].max()) + 1, -1, dtype=np.int64)
    date_of[actions[:, 0]] = actions[:, 1]
    links = links[links[:, 1] < date_of.size]
    dates = date_of[links[:, 1]]
    links = np.stack([links[:, 0], dates], axis=1)[dates >= 0]
    # The earliest date of each recommendation: by recommendation, then date.
    links = links[np.lexsort((links[:, 1], links[:, 0]))]
    first = np.unique(links[:, 0], return_index=True)[1]
    return np.concatenate([links[first], own])


# Each part of tracking's pairs: how it is read (whole, or for some recommendations), and
# the RegistryIndex fields (recommendation array, value array) of each of its pair sets.
_PAIRS = {
    registry_changes.ASSIGNED: (_assigned_pairs, [("lead_rec", "lead_entity"),
                                                  ("assigned_rec", "assigned_entity")]),
    registry_changes.CLUSTERS: (_cluster_pairs, [("cluster_rec", "cluster_id")]),
    registry_changes.PROGRESS: (_progress_pairs, [("progress_rec", "progress_value")]),
    registry_changes.DUE: (_due_pairs, [("due_rec", "due_date")]),
}


def _pairs_of(part: int, ids: np.ndarray | None = None) -> dict:
    """{field: array} of one part's pairs, read whole (ids None) or for these (sorted)
    recommendations only, each pair set ordered by recommendation."""
    read, fields = _PAIRS[part]
    result = {}
    for rows, (rec_field, value_field) in zip(read(ids), fields, strict=True):
        result[rec_field], result[value_field] = _sorted_links(rows)
    return result


@dataclass
class RegistryIndex:
    size: int  # largest recommendation id + 1
    active: np.ndarray  # bool[size]: exists and is not archived
    review: np.ndarray  # int32[size]: review id (0 where none)
    mechanism: np.ndarray  # int32[size]: mechanism id
    position: np.ndarray  # int8[size]: index in POSITIONS (-1 where none)
    action: np.ndarray  # int8[size]: action category 1-5 (0 where none)
    flagged: np.ndarray  # int8[size]: what waits for a decision (filters.FLAGGED), else 0
    term_rec: np.ndarray  # int32[links], in the order of the recommendations (patched)
    term_id: np.ndarray  # int32[links]
    goal_rec: np.ndarray  # int32[pairs]: (recommendation, SDG goal), each pair once
    goal_id: np.ndarray  # int32[pairs]
    state_rec: np.ndarray  # int32[links]
    state_id: np.ndarray  # int32[links]
    # Tracking: the implementation status (index in IMPLEMENTATION_STATUSES, per
    # recommendation, patched), and (recommendation, value) pairs reloaded with the
    # reference data: who leads (the lead rule), who has any part, which clusters.
    implementation_status: np.ndarray  # int8[size]
    lead_rec: np.ndarray
    lead_entity: np.ndarray
    assigned_rec: np.ndarray
    assigned_entity: np.ndarray
    cluster_rec: np.ndarray
    cluster_id: np.ndarray
    progress_rec: np.ndarray  # recommendations with validated progress (value: 1)
    progress_value: np.ndarray
    # (recommendation, the ordinal of an open deadline's date): "overdue" compares them
    # with today's ordinal at each request (filters.Due).
    due_rec: np.ndarray
    due_date: np.ndarray
    review_rank: dict  # sort key -> int32[max review id + 1]: the review's place in that order
    # int64[size]: the paragraph's key (paragraphs.py), the order within a review
    # (filters.DOCUMENT_ORDER: then the id).
    paragraph: np.ndarray
    # Per review id: its mechanism, state, UPR session and cycle (-1 where none).
    mechanism_of_review: np.ndarray
    review_state: np.ndarray
    review_session: np.ndarray
    review_cycle: np.ndarray
    taxonomy_of_term: dict  # term id -> taxonomy code
    goal_of_term: np.ndarray  # int32[max term id + 1]: the SDG goal of a goal or target
    state_names: dict  # state id -> (ISO3, English name)
    clock: Clock = field(default_factory=Clock)  # the registry's clock this index shows
    # (sort, language) -> review ranks, where the order depends on the reader's language
    # (by state name); made when first asked for.
    localized_ranks: dict = field(default_factory=dict)
    # (filter, values) -> the stored ids they stand for (filter_mask), and the names a
    # search resolves (registry_search.names); emptied with the reference data it was
    # read from.
    resolved: dict = field(default_factory=dict)

    @property
    def version(self) -> str:
        """Names this state of the registry (its clock): the match cache keys on it."""
        return _version(self.clock)

    @classmethod
    def build(cls, clock: Clock | None = None) -> "RegistryIndex":
        """The whole index, read from the database. `clock` is read before the tables:
        what changes meanwhile is patched in again by the next request."""
        clock = registry_changes.read_clock() if clock is None else clock
        reference = _reference()
        rows = _fetch(REC, _ROW)
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
        paragraph = np.zeros(size, dtype=np.int64)
        paragraph[ids] = rows[:, 5]
        flagged = np.zeros(size, dtype=np.int8)
        # A few rows: two small queries (a possible duplicate is decided first).
        flagged[list(Recommendation.objects.filter(positions_differ=True)
                     .values_list("id", flat=True))] = 2
        flagged[list(Recommendation.objects.filter(possible_duplicate_of__isnull=False)
                     .values_list("id", flat=True))] = 1
        term_rec, term_id = _sorted_links(_fetch(REC_TERM, ["recommendation_id", "term_id"]))
        state_rec, state_id = _sorted_links(_fetch(REC_STATE, ["recommendation_id",
                                                               "state_id"]))
        goal_rec, goal_id = _goal_pairs(term_rec, term_id, reference["goal_of_term"])
        implementation_status = np.full(size, _NOT_STARTED, dtype=np.int8)
        statuses = _fetch(STATUS_TABLE, ["recommendation_id", _STATUS_CODE])
        statuses = statuses[statuses[:, 0] < size]
        implementation_status[statuses[:, 0]] = statuses[:, 1]
        return cls(
            implementation_status=implementation_status,
            clock=clock, size=size, active=active, review=review,
            mechanism=_gather(reference["mechanism_of_review"], review),
            position=position, action=action, flagged=flagged,
            paragraph=paragraph,
            term_rec=term_rec, term_id=term_id, goal_rec=goal_rec, goal_id=goal_id,
            state_rec=state_rec, state_id=state_id,
            **reference,
        )

    def patched(self, changes: Changes) -> "RegistryIndex":
        """A new index: this one with the changes of the log applied — the changed
        recommendations' rows and links read again, the reference data reloaded if it
        changed, tracking's pairs read again for the recommendations a change bears on.
        This one is left as it is, for the requests still reading it."""
        reference = _registry_reference() if changes.reference else {}
        ids = _sorted_ids(changes.recommendations)
        rows = _fetch_for(REC, "id", ids, [*_ROW, _FLAGGED]) if ids.size else None
        review_slots = (reference or self.__dict__)["mechanism_of_review"].size
        if rows is not None and rows.size and int(rows[:, 1].max()) >= review_slots:
            reference = _registry_reference()  # a review newer than the reference data read
        # A recommendation moved to another review: its follow-up reply's date moves too.
        moved = ids[:0]
        if rows is not None and rows.size:
            before = _gather(self.review, rows[:, 0])
            moved = rows[(before != rows[:, 1]) & (before != 0), 0]
        pairs = self._patched_pairs(changes, moved)
        mechanism_of_review = (reference or self.__dict__)["mechanism_of_review"]
        goal_of_term = (reference or self.__dict__)["goal_of_term"]
        size = max(self.size, int(ids[-1]) + 1 if ids.size else 0)
        active = _grown(self.active, size, False)
        review = _grown(self.review, size, 0)
        position = _grown(self.position, size, -1)
        action = _grown(self.action, size, 0)
        flagged = _grown(self.flagged, size, 0)
        paragraph = _grown(self.paragraph, size, 0)
        implementation_status = _grown(self.implementation_status, size, _NOT_STARTED)
        links = {"term_rec": self.term_rec, "term_id": self.term_id,
                 "state_rec": self.state_rec, "state_id": self.state_id,
                 "goal_rec": self.goal_rec, "goal_id": self.goal_id}
        if ids.size:
            # Deleted ones have no row: they stay, inactive and unlinked.
            active[ids], review[ids], position[ids], action[ids], flagged[ids] = (
                False, 0, -1, 0, 0)
            found = rows[:, 0]
            active[found] = rows[:, 4] == 0
            review[found] = rows[:, 1]
            position[found] = rows[:, 2]
            action[found] = rows[:, 3]
            flagged[found] = rows[:, 6]
            paragraph[found] = rows[:, 5]
            implementation_status[ids] = _NOT_STARTED
            statuses = _fetch_for(STATUS_TABLE, "recommendation_id", ids,
                                  ["recommendation_id", _STATUS_CODE])
            implementation_status[statuses[:, 0]] = statuses[:, 1]
            for prefix, table, column in (("term", REC_TERM, "term_id"),
                                          ("state", REC_STATE, "state_id")):
                fresh = _sorted_links(_fetch_for(table, "recommendation_id", ids,
                                                 ["recommendation_id", column]))
                links[f"{prefix}_rec"], links[f"{prefix}_id"] = _replace_links(
                    links[f"{prefix}_rec"], links[f"{prefix}_id"], ids, *fresh)
        if reference and not np.array_equal(goal_of_term, self.goal_of_term):
            links["goal_rec"], links["goal_id"] = _goal_pairs(
                links["term_rec"], links["term_id"], goal_of_term)
        elif ids.size:
            start = np.searchsorted(links["term_rec"], ids, "left")
            end = np.searchsorted(links["term_rec"], ids, "right")
            fresh = np.concatenate([np.arange(a, b) for a, b in zip(start, end, strict=True)])
            links["goal_rec"], links["goal_id"] = _replace_links(
                links["goal_rec"], links["goal_id"], ids,
                *_goal_pairs(links["term_rec"][fresh], links["term_id"][fresh], goal_of_term))
        if reference:
            mechanism = _gather(mechanism_of_review, review)
        elif ids.size:
            mechanism = _grown(self.mechanism, size, 0)
            mechanism[ids] = _gather(mechanism_of_review, review[ids])
        else:
            mechanism = self.mechanism
        return replace(self, clock=changes.clock,
                       size=size, active=active, review=review, mechanism=mechanism,
                       position=position, action=action, flagged=flagged,
                       paragraph=paragraph, implementation_status=implementation_status, **links,
                       **reference, **pairs)

    def _patched_pairs(self, changes: Changes, moved: np.ndarray) -> dict:
        """The fields of tracking's pairs that the changes make stale: a part reloaded
        whole where the log says so (or where too many recommendations changed), else
        read again for the recommendations the log names, replacing theirs in a copy."""
        fields = {}
        for part in _PAIRS:
            ids = _sorted_ids(changes.pairs.get(part, ()))
            if part == registry_changes.DUE and moved.size:
                ids = np.union1d(ids, moved)
            if changes.reload & part or ids.size > max(PATCH_LIMIT, self.size // 10):
                fields.update(_pairs_of(part))
            elif ids.size:
                fresh = _pairs_of(part, ids)
                for rec_field, value_field in _PAIRS[part][1]:
                    fields[rec_field], fields[value_field] = _replace_links(
                        getattr(self, rec_field), getattr(self, value_field), ids,
                        fresh[rec_field], fresh[value_field])
        return fields

    # -- selections --------------------------------------------------------------------

    def mask_of_ids(self, ids) -> np.ndarray:
        """bool[size]: these recommendations, if active."""
        ids = np.asarray(ids, dtype=np.int64)
        mask = np.zeros(self.size, dtype=bool)
        mask[ids[ids < self.size]] = True
        return mask & self.active

    def filter_mask(self, name: str, values: list) -> np.ndarray | None:
        """bool[size]: the recommendations that the filter `name` keeps with these (cleaned)
        values, derived from its one definition in filters.py (FILTERS): the column or
        link it reads is an array here, and a value's look-up is asked of the database once
        (a small reference table) and kept until that table changes. None for a filter
        whose column the index does not keep (the caller asks the database). Archived ones
        are not removed here: `active` does that. tests/recommendations/test_filter_parity.py
        checks every filter against its SQL."""
        definition = DEFINITIONS.get(name)
        if definition is None or (isinstance(definition.reads, Column)
                                  and definition.reads.array is None):
            return None
        mask = np.ones(self.size, dtype=bool)
        for group in definition.groups(definition.cleaned(values)):
            mask &= self._keeps(definition.reads, self._stored_ids(definition, group))
        return mask

    def _stored_ids(self, definition: FilterDefinition, values: list) -> list[int]:
        """What these values of a filter stand for, as this index stores it."""
        if definition.lookup is not None:
            key = (definition.param, tuple(values))
            ids = self.resolved.get(key) if definition.lookup.cached else None
            if ids is None:
                ids = [row["pk"] for row in definition.lookup.ids(values)]
                if definition.lookup.cached:
                    self.resolved[key] = ids
            return ids
        stored = [definition.stored(value) for value in values]
        codes = getattr(definition.reads, "codes", None)
        if codes is not None:
            return [codes.index(value) for value in stored if value in codes]
        return stored

    def _keeps(self, reads: Column | Link, ids: list[int]) -> np.ndarray:
        """bool[size]: the recommendations whose column or links hold any of `ids`."""
        if isinstance(reads, Due):
            return self.due_before(_today().toordinal()) if ids else np.zeros(self.size, bool)
        if isinstance(reads, Link | Derived):
            return self._having(getattr(self, reads.rec_array), getattr(self, reads.value_array),
                                ids)
        column = getattr(self, reads.array)
        if reads.per_review:
            return _gather(np.isin(column, ids), self.review, False)
        return np.isin(column, ids)

    def due_before(self, ordinal: int) -> np.ndarray:
        """bool[size]: the recommendations with an open deadline before that day."""
        mask = np.zeros(self.size, dtype=bool)
        recs = self.due_rec[self.due_date < ordinal]
        mask[recs[recs < self.size]] = True
        return mask

    def _having(self, link_rec: np.ndarray, link_value: np.ndarray, values) -> np.ndarray:
        """bool[size]: the recommendations linked to any of `values`."""
        mask = np.zeros(self.size, dtype=bool)
        if values:
            wanted = (link_value == values[0]) if len(values) == 1 else np.isin(link_value,
                                                                                 values)
            recs = link_rec[wanted]
            mask[recs[recs < self.size]] = True  # (pairs read after the rows: newer ids)
        return mask

    def ordered(self, mask: np.ndarray, sort: str, relevance=None) -> "OrderedSelection":
        """The selected ids in list order, as a sequence that orders only what is read
        from it: by relevance (a pair of arrays, the matched ids and a key for each,
        smaller is better), or by review (its rank in that order) and then id."""
        return OrderedSelection(self, mask, sort, relevance)

    def order_of(self, sort: str, ids: np.ndarray) -> np.ndarray:
        """Positions (into `ids`) in list order: by the review's rank in an order of
        reviews (`sort`), then in document order — the paragraph's key, then the id: the
        order of filters._ORDERINGS."""
        return np.lexsort((ids, self.paragraph[ids], self._review_rank(sort)[self.review[ids]]))

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

    def pair_counts(self, rec: str, value: str, mask: np.ndarray) -> dict[int, int]:
        """Selected recommendations per value of a pair array (lead_rec/lead_entity, ...)."""
        recs, values = getattr(self, rec), getattr(self, value)
        inside = recs < self.size
        return self.count(values[inside], mask[recs[inside]])


# The whole registry's counts per facet, per index and version (RegistryIndex.selected_counts).
_full_counts: dict[tuple, np.ndarray] = {}


# A selection this small is ordered whole: one lexsort of a few thousand keys costs less
# than partitioning them first.
_SORT_WHOLE = 2048


class OrderedSelection:
    """The ids a mask selects, in list order, read by slices (Django's Paginator asks its
    len() and one slice). A slice [start:stop] of a large selection costs, in an order of
    reviews, a count per review and a sort of the reviews' ids that come before `stop`; by
    relevance, one partition around `stop` (np.argpartition, linear in the selection) and
    a sort of the ids that come before it — never a sort of every selected id for the 25
    shown: the no-query page over 1,000,000 recommendations sorts a few reviews' ids, not
    a million."""

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
        """The relevance key of each selected id (smaller is better; +inf for an id the
        search did not match; ties are broken by id)."""
        if self._primary is None:
            ids, index = self.ids, self.index
            matched, keys = self.relevance
            inside = matched < index.size
            score = np.full(index.size, np.inf)
            score[matched[inside]] = keys[inside]
            self._primary = score[ids]
        return self._primary

    def _first(self, stop: int) -> np.ndarray:
        """Positions (into self.ids) of the first `stop` selected ids in list order."""
        ids = self.ids
        if self.relevance is None:
            if ids.size > _SORT_WHOLE and stop < ids.size:
                return self._first_by_review(stop)
            return self.index.order_of(self.sort, ids)[:stop]
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
        those reviews are sorted, in document order. (A partition of every selected id's
        review rank cost 3.5 ms on 250,000; this costs one count per review.)"""
        rank = self.index._review_rank(self.sort)
        reviews = self.index.review[self.ids]
        per_review = np.bincount(reviews, minlength=rank.size)
        in_order = np.argsort(rank, kind="stable")
        reached = np.cumsum(per_review[in_order])
        needed = in_order[:int(np.searchsorted(reached, stop)) + 1]
        wanted = np.zeros(rank.size, dtype=bool)
        wanted[needed] = True
        candidates = np.flatnonzero(wanted[reviews])
        order = self.index.order_of(self.sort, self.ids[candidates])
        return candidates[order[:stop]]


def _sorted_ids(ids) -> np.ndarray:
    array = np.fromiter(ids, dtype=np.int64, count=len(ids))
    return np.sort(array[array > 0])


def _version(clock: Clock) -> str:
    return f"{clock.tick}:{clock.token}"


def current_index() -> RegistryIndex:
    """The index of the registry as it is now: one query on the clock when nothing
    changed; the changes patched in when something did (registry_changes.py)."""
    global _cached
    clock = registry_changes.read_clock()
    index = _cached
    if index is not None and index.clock == clock:
        return index
    with _lock:
        index = _cached
        if index is not None and index.clock == clock:
            return index
        changes = None if index is None else registry_changes.patchable_changes(
            index.clock, clock, limit=max(PATCH_LIMIT, index.size // 10))
        if changes is None:
            _cached = RegistryIndex.build(clock)
        else:
            _cached = index.patched(changes)
        return _cached


# The matches of recent searches, per registry version: paging through results or
# clicking facets repeats the same search, whose full-text work (ranking thousands of
# matches) then is not done again. Small, and dropped whenever the registry changes (any
# tick of its clock: a text edited changes what a search finds).
_MATCH_CACHE_SIZE = 64
_match_cache: dict[tuple, tuple] = {}
_match_cache_version = ""


def cached_matches(query: str, *, ranked: bool, index: RegistryIndex | None = None
                   ) -> tuple[np.ndarray, np.ndarray | None]:
    """The ids matching a search (registry_search.matching_ids: its words, and what a
    word names) and their relevance keys if `ranked`, from the cache of recent searches
    when there; a ranked answer also serves an unranked question.
    `index`: the current index, where the caller has it (saves asking its version)."""
    global _match_cache_version
    index = index or current_index()
    # A state's name is read in the reader's language (registry_search.py).
    language = (translation.get_language() or "en").split("-")[0]
    with _lock:
        if _match_cache_version != index.version:
            _match_cache.clear()
            _match_cache_version = index.version
        hit = _match_cache.get((query, language, ranked)) or (
            _match_cache.get((query, language, True)) if not ranked else None)
    if hit is not None:
        return hit
    result = registry_search.matching_ids(query, ranked=ranked, version=index.version,
                                          kept=index.resolved)
    with _lock:
        if len(_match_cache) >= _MATCH_CACHE_SIZE:
            _match_cache.pop(next(iter(_match_cache)))
        _match_cache[(query, language, ranked)] = result
    return result
