"""The registry's change log: which recommendations changed since a process last looked,
so that its in-memory registry index (registry_index.py) patches just those rows rather
than rebuilding itself after every edit.

The log is filled by database triggers (installed by migration 0007 from the statements
below), not by Python code on the write path: an ORM save, `QuerySet.update()`,
`bulk_create`, a raw SQL statement, the admin, an import — every write to a recommendation
row or to one of its term or recommending-state links adds (tick, recommendation id) to
`recommendations_registrychange`; a write to a reference table (reviews, terms, states,
mechanisms, taxonomies) adds (tick, NULL), "reload the reference data". A rolled-back
transaction takes its log rows and its ticks with it.

Ticks and commit order. A reader remembers the tick it has applied and reads the log past
it, so a change must never become visible with a tick below one the reader has already
passed. On PostgreSQL sequence values are handed out at insert time and committed in any
order, so a sequence cannot be the tick. Instead every logging statement takes its tick
from the one-row clock (`recommendations_registryclock`) with an
`INSERT ... ON CONFLICT DO UPDATE SET tick = tick + 1 RETURNING tick`: that row's lock is
held until the writing transaction ends, so the next writer gets the next tick only after
the previous one has committed or rolled back — ticks become visible in order, and when a
reader sees the clock at N, every change with a tick up to N is committed. The triggers are
statement-level with transition tables (one tick and one log row per changed id per
statement). Writers queue on that row for the time between their first logging statement
and their commit; edits are short, and an import holds the registry's lock anyway.
SQLite serialises writers: its row-level triggers take a tick each, in the same way.

The clock also holds a random token drawn with each tick, and each log row keeps its
tick's token: a process that saw a state of the registry that was then rolled back (tests
read inside their own transactions; a flushed database starts again at tick 0) finds a
different token at its tick, and rebuilds, rather than trusting a history that never
happened.

Pruning (`prune`, run by the worker's housekeeping) deletes log rows older than
`KEEP_SECONDS` (but never those of the latest tick) and raises the clock's horizon to the
highest tick deleted; a process whose tick is at or below the horizon can no longer know
what changed, and rebuilds fully.

Imports insert tens of thousands of rows: `bulk_insert` sets the insert triggers aside for
that insertion (on SQLite they are dropped and re-created inside the import's transaction,
as core/search.py does for the full-text index; on PostgreSQL a transaction-local setting
turns them off in their WHEN clause: ALTER TABLE ... DISABLE TRIGGER is refused while the
transaction has deferred foreign-key checks pending) and logs the new ids in one
set-based statement with one tick.
"""
# This module writes the change log's triggers and statements: every name in its SQL is
# one of the table and column constants below, and values are bound or are integers.
# ruff: noqa: S608

import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import DatabaseError, connection, transaction

CLOCK = "recommendations_registryclock"
LOG = "recommendations_registrychange"
REC = "recommendations_recommendation"
# The tables whose rows say something about one recommendation, and the column that says
# which. A later table that a filter reads (assignments, implementation status) is added
# here, and a migration installs its triggers (install_sql).
RECOMMENDATION_TABLES = {
    REC: "id",
    "recommendations_recommendationterm": "recommendation_id",
    "recommendations_recommendingstate": "recommendation_id",
}
# Tracking (nmirf/tracking): a recommendation's implementation status, one row each;
# its triggers are installed by migration tracking/0005.
TRACKING_STATUS = "tracking_recommendationstatus"
RECOMMENDATION_TABLES[TRACKING_STATUS] = "recommendation_id"
# The parts of a process's registry index that a change makes stale: the bits of a log
# row's `parts` (RegistryChange.parts). A row with a recommendation id says "these parts,
# for this recommendation"; a row without one (NULL) says "these parts, for every
# recommendation: reload them whole".
ROW = 1  # the recommendation's own row, its term and state links, its status
REGISTRY = 2  # reviews, terms, states, mechanisms, taxonomies (small: reloaded whole)
ASSIGNED = 4  # who leads it (the lead rule) and who has a part in it
CLUSTERS = 8  # the clusters it sits in
PROGRESS = 16  # whether it has validated progress
DUE = 32  # its open deadlines (the `overdue` filter)
PAIR_PARTS = (ASSIGNED, CLUSTERS, PROGRESS, DUE)
EVERY_PART = REGISTRY | ASSIGNED | CLUSTERS | PROGRESS | DUE


@dataclass(frozen=True)
class Logged:
    """What a write to one table (other than the recommendation tables above) makes stale.
    `recs`: a SELECT of `rec`, the recommendations a changed row bears on, with `{row}` for
    the row (NEW or OLD on SQLite, a transition table's row on PostgreSQL); they are
    logged with `parts`. `reload`: parts that any counted change makes stale for every
    recommendation (logged once, with no id). `columns`: an update counts only where one
    of these changed (none: any update counts). `counts`: a row counts only where this
    holds (an update: before or after)."""

    parts: int = 0
    recs: str = ""
    reload: int = 0
    columns: tuple = ()
    counts: str = ""


_OWN = "SELECT {row}.recommendation_id AS rec"
_MEMBERS = ("SELECT member.recommendation_id AS rec FROM tracking_clusterrecommendation "
            "member WHERE member.cluster_id = {row}.%s")
# The recommendations an action implements: linked to it, or members of a cluster linked
# to it (archived or not: a cluster archived is logged by its own trigger).
_IMPLEMENTED_BY = (
    "SELECT link.recommendation_id AS rec FROM tracking_action_recommendations link "
    "WHERE link.action_id = {row}.%s UNION SELECT member.recommendation_id AS rec "
    "FROM tracking_action_clusters action_cluster JOIN tracking_clusterrecommendation "
    "member ON member.cluster_id = action_cluster.cluster_id "
    "WHERE action_cluster.action_id = {row}.%s")
# The recommendations flagged for follow-up under a review (or a mechanism's reviews):
# their reply's date counts from the review.
_FLAGGED = ("SELECT flag.recommendation_id AS rec FROM followup_followupflag flag "
            "JOIN recommendations_recommendation flagged ON flagged.id = flag.recommendation_id "
            "JOIN recommendations_review flag_review ON flag_review.id = flagged.review_id "
            "WHERE flag_review.%s = {row}.%s")
_VALIDATED = "{row}.state IN ('validated', 'published')"

# Every table a filter of the index reads besides the recommendation tables, and what a
# write to it makes stale (followup/0003 installs these triggers). One status, one
# assignment, one validated update or one action date changes a few recommendations'
# parts: those are patched; only the small reference tables are reloaded whole.
LOGGED = {
    "recommendations_review": Logged(reload=REGISTRY, parts=DUE,
                                     recs=_FLAGGED % ("id", "id")),
    "recommendations_term": Logged(reload=REGISTRY),
    "recommendations_state": Logged(reload=REGISTRY),
    "recommendations_mechanism": Logged(reload=REGISTRY, parts=DUE,
                                        recs=_FLAGGED % ("mechanism_id", "id")),
    "recommendations_taxonomy": Logged(reload=REGISTRY),
    "tracking_assignment": Logged(parts=ASSIGNED,
                                  recs=f"{_OWN} UNION {_MEMBERS % 'cluster_id'}"),
    "tracking_cluster": Logged(parts=ASSIGNED | PROGRESS | DUE, recs=_MEMBERS % "id",
                               columns=("archived",)),
    "tracking_clusterrecommendation": Logged(parts=ASSIGNED | CLUSTERS | PROGRESS | DUE,
                                             recs=_OWN),
    "tracking_progressupdate": Logged(parts=PROGRESS,
                                      recs=_IMPLEMENTED_BY % ("action_id", "action_id"),
                                      columns=("state", "action_id"), counts=_VALIDATED),
    "tracking_action": Logged(parts=PROGRESS | DUE, recs=_IMPLEMENTED_BY % ("id", "id"),
                              columns=("archived", "status", "target_date")),
    "tracking_action_recommendations": Logged(parts=PROGRESS | DUE, recs=_OWN),
    "tracking_action_clusters": Logged(parts=PROGRESS | DUE, recs=_MEMBERS % "cluster_id"),
    "followup_followupflag": Logged(parts=DUE, recs=_OWN,
                                    columns=("active", "replied_on", "recommendation_id")),
    "followup_followupsetting": Logged(parts=DUE,
                                       recs=_FLAGGED % ("mechanism_id", "mechanism_id"),
                                       columns=("follow_up_reply_years", "mechanism_id")),
    "tracking_indicator": Logged(parts=DUE, recs=_IMPLEMENTED_BY % ("action_id", "action_id"),
                                 columns=("archived", "next_due_date", "action_id"),
                                 counts="{row}.next_due_date IS NOT NULL"),
}
REFERENCE_TABLES = tuple(LOGGED)
# Log rows older than this are pruned: a process idle for longer rebuilds its index.
KEEP_SECONDS = 3600
# The PostgreSQL setting that an import sets, in its own transaction, while it inserts in
# bulk and logs the new rows itself.
BULK_SETTING = "nmirf.registry_log_inserts"


# -- PostgreSQL -----------------------------------------------------------------------------

_PG_TICK = f"""
CREATE OR REPLACE FUNCTION nmirf_registry_tick(OUT out_tick bigint, OUT out_token bigint)
LANGUAGE sql AS $$
    -- The clock row's lock, held until commit, orders the ticks as the commits.
    INSERT INTO {CLOCK} AS clock (id, tick, token, horizon)
    VALUES (1, 1, floor(random() * 9e18)::bigint, 0)
    ON CONFLICT (id) DO UPDATE SET tick = clock.tick + 1, token = EXCLUDED.token
    RETURNING clock.tick, clock.token
$$;
"""

_PG_EPOCH = "extract(epoch FROM clock_timestamp())::bigint"


def _pg_row_function(table: str, column: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION nmirf_log_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    now_tick bigint;
    now_token bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NOT EXISTS (SELECT 1 FROM new_rows) THEN
            RETURN NULL;
        END IF;
        SELECT out_tick, out_token INTO now_tick, now_token FROM nmirf_registry_tick();
        INSERT INTO {LOG} (tick, token, recommendation_id, at)
        SELECT DISTINCT now_tick, now_token, {column}, {_PG_EPOCH} FROM new_rows;
    ELSIF TG_OP = 'UPDATE' THEN
        IF NOT EXISTS (SELECT 1 FROM new_rows) THEN
            RETURN NULL;
        END IF;
        SELECT out_tick, out_token INTO now_tick, now_token FROM nmirf_registry_tick();
        INSERT INTO {LOG} (tick, token, recommendation_id, at)
        SELECT now_tick, now_token, changed, {_PG_EPOCH} FROM (
            SELECT {column} AS changed FROM new_rows
            UNION SELECT {column} FROM old_rows) AS ids;
    ELSE
        IF NOT EXISTS (SELECT 1 FROM old_rows) THEN
            RETURN NULL;
        END IF;
        SELECT out_tick, out_token INTO now_tick, now_token FROM nmirf_registry_tick();
        INSERT INTO {LOG} (tick, token, recommendation_id, at)
        SELECT DISTINCT now_tick, now_token, {column}, {_PG_EPOCH} FROM old_rows;
    END IF;
    RETURN NULL;
END $$;
{_pg_statement_triggers(table, insert_when=_PG_NOT_IN_BULK)}
"""


# An import inserting in bulk logs its rows itself (bulk_insert): in a WHEN clause of the
# insert trigger, so that its statements are not each a function call.
_PG_NOT_IN_BULK = f"WHEN (current_setting('{BULK_SETTING}', true) IS DISTINCT FROM 'off')"


def _pg_statement_triggers(table: str, insert_when: str = "") -> str:
    """The three statement-level triggers of a logged table, on its function
    nmirf_log_<table>(), with their transition tables."""
    return f"""
CREATE TRIGGER nmirf_log_insert AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT {insert_when}
    EXECUTE FUNCTION nmirf_log_{table}();
CREATE TRIGGER nmirf_log_update AFTER UPDATE ON {table}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION nmirf_log_{table}();
CREATE TRIGGER nmirf_log_delete AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION nmirf_log_{table}();"""


_PG_REFERENCE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION nmirf_log_reference() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {LOG} (tick, token, recommendation_id, at)
    SELECT out_tick, out_token, NULL, {_PG_EPOCH} FROM nmirf_registry_tick();
    RETURN NULL;
END $$;
"""


def _pg_reference_trigger(table: str) -> str:
    return (f"CREATE TRIGGER nmirf_log_reference AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION nmirf_log_reference();")


# -- SQLite -----------------------------------------------------------------------------------

_SQLITE_TICK = (
    f"INSERT INTO {CLOCK} (id, tick, token, horizon) VALUES (1, 1, random(), 0) "
    "ON CONFLICT(id) DO UPDATE SET tick = tick + 1, token = excluded.token;"
)
# Seconds since 1970, without strftime('%s'): Django's SQLite cursor turns "%s" into "?".
_SQLITE_EPOCH = "CAST((julianday('now') - 2440587.5) * 86400 AS INTEGER)"


def _sqlite_log(value: str, condition: str = "") -> str:
    return (f"INSERT INTO {LOG} (tick, token, recommendation_id, at) "
            f"SELECT tick, token, {value}, {_SQLITE_EPOCH} FROM {CLOCK} WHERE id = 1"
            f"{condition};")


def _sqlite_triggers(table: str, column: str) -> dict[str, str]:
    """{trigger name: CREATE statement}: one trigger per event, row by row."""
    return {
        f"nmirf_log_insert_{table}":
            f"CREATE TRIGGER nmirf_log_insert_{table} AFTER INSERT ON {table} BEGIN "
            f"{_SQLITE_TICK} {_sqlite_log(f'NEW.{column}')} END",
        f"nmirf_log_update_{table}":
            f"CREATE TRIGGER nmirf_log_update_{table} AFTER UPDATE ON {table} BEGIN "
            f"{_SQLITE_TICK} {_sqlite_log(f'NEW.{column}')} "
            f"{_sqlite_log(f'OLD.{column}', f' AND OLD.{column} <> NEW.{column}')} END",
        f"nmirf_log_delete_{table}":
            f"CREATE TRIGGER nmirf_log_delete_{table} AFTER DELETE ON {table} BEGIN "
            f"{_SQLITE_TICK} {_sqlite_log(f'OLD.{column}')} END",
    }


def _sqlite_reference_triggers(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER nmirf_log_{event.lower()}_{table} AFTER {event} ON {table} BEGIN "
        f"{_SQLITE_TICK} {_sqlite_log('NULL')} END"
        for event in ("INSERT", "UPDATE", "DELETE")
    ]


def install_sql(vendor: str, tables: dict[str, str], reference: tuple = ()) -> list[str]:
    """The statements that create the log's triggers on `tables` ({table: the column that
    names the recommendation}) and on the `reference` tables. A migration names its own
    tables (0007: those of today), so that adding one later changes no past migration:
    the later migration installs the triggers of its table alone."""
    if vendor == "postgresql":
        return [_PG_TICK, _PG_REFERENCE_FUNCTION,
                *(_pg_row_function(table, column) for table, column in tables.items()),
                *(_pg_reference_trigger(table) for table in reference)]
    return [*(sql for table, column in tables.items()
              for sql in _sqlite_triggers(table, column).values()),
            *(sql for table in reference for sql in _sqlite_reference_triggers(table))]


def uninstall_sql(vendor: str, tables: dict[str, str], reference: tuple = ()) -> list[str]:
    if vendor == "postgresql":
        return [*(f"DROP TRIGGER IF EXISTS nmirf_log_{event} ON {table};"
                  for table in tables for event in ("insert", "update", "delete")),
                *(f"DROP FUNCTION IF EXISTS nmirf_log_{table}();" for table in tables),
                *(f"DROP TRIGGER IF EXISTS nmirf_log_reference ON {table};"
                  for table in reference)]
    return [f"DROP TRIGGER IF EXISTS nmirf_log_{event}_{table};"
            for table in (*tables, *reference) for event in ("insert", "update", "delete")]


# -- the parts a write makes stale (followup/0003) -----------------------------------------

def _counted(logged: Logged, row: str) -> str:
    return f"({logged.counts.format(row=row)})" if logged.counts else "TRUE"


def _recs(logged: Logged, *rows: str) -> str:
    """A subquery of the recommendations the rows bear on (`rec`, never NULL)."""
    union = " UNION ".join(f"SELECT rec FROM ({logged.recs.format(row=row)}) AS of_{number}"
                           for number, row in enumerate(rows))
    return f"(SELECT DISTINCT rec FROM ({union}) AS recs WHERE rec IS NOT NULL)"


def _pg_parts_function(table: str, logged: Logged) -> str:
    """One statement-level function for a table's three triggers: the recommendations its
    changed rows bear on, gathered set-based (a LATERAL subquery per row of the
    transition table), logged with one tick; nothing, and no tick, when none."""
    changed = (" OR ".join(f"o.{c} IS DISTINCT FROM n.{c}" for c in logged.columns)
               or "TRUE")
    sources = {
        "INSERT": ("new_rows AS n", ("n",), _counted(logged, "n")),
        "DELETE": ("old_rows AS o", ("o",), _counted(logged, "o")),
        "UPDATE": ("old_rows AS o JOIN new_rows AS n ON n.id = o.id", ("o", "n"),
                   f"({changed}) AND ({_counted(logged, 'o')} OR {_counted(logged, 'n')})"),
    }
    branches = []
    for event, (source, rows, condition) in sources.items():
        body = []
        if logged.recs:
            lateral = " UNION ".join(logged.recs.format(row=row) for row in rows)
            body.append(
                f"SELECT array_agg(DISTINCT ids.rec) INTO changed FROM {source} "
                f"CROSS JOIN LATERAL ({lateral}) AS ids "
                f"WHERE ids.rec IS NOT NULL AND {condition};")
        if logged.reload:
            body.append(f"whole := EXISTS (SELECT 1 FROM {source} WHERE {condition});")
        branches.append(f"{'IF' if not branches else 'ELSIF'} TG_OP = '{event}' THEN "
                        + " ".join(body))
    return f"""
CREATE OR REPLACE FUNCTION nmirf_log_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    now_tick bigint;
    now_token bigint;
    changed bigint[];
    whole boolean := FALSE;
BEGIN
    {" ".join(branches)} END IF;
    IF changed IS NULL AND NOT whole THEN
        RETURN NULL;
    END IF;
    SELECT out_tick, out_token INTO now_tick, now_token FROM nmirf_registry_tick();
    INSERT INTO {LOG} (tick, token, recommendation_id, parts, at)
    SELECT now_tick, now_token, unnest(changed), {logged.parts}, {_PG_EPOCH};
    IF whole THEN
        INSERT INTO {LOG} (tick, token, recommendation_id, parts, at)
        VALUES (now_tick, now_token, NULL, {logged.reload}, {_PG_EPOCH});
    END IF;
    RETURN NULL;
END $$;
{_pg_statement_triggers(table)}
"""


def _sqlite_parts_triggers(table: str, logged: Logged) -> list[str]:
    """Row triggers: the tick only where the row bears on a recommendation (or a part
    reloads whole), then its log rows."""
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in logged.columns) or "1"
    events = {
        "INSERT": ("", ("NEW",), _counted(logged, "NEW")),
        "DELETE": ("", ("OLD",), _counted(logged, "OLD")),
        "UPDATE": (f" OF {', '.join(logged.columns)}" if logged.columns else "",
                   ("OLD", "NEW"),
                   f"({changed}) AND ({_counted(logged, 'OLD')} OR {_counted(logged, 'NEW')})"),
    }
    statements = []
    for event, (columns, rows, condition) in events.items():
        body = []
        if logged.reload:
            body += [_SQLITE_TICK,
                     f"INSERT INTO {LOG} (tick, token, recommendation_id, parts, at) "
                     f"SELECT tick, token, NULL, {logged.reload}, {_SQLITE_EPOCH} "
                     f"FROM {CLOCK} WHERE id = 1;"]
        if logged.recs:
            recs = _recs(logged, *rows)
            tick = _SQLITE_TICK.replace(
                "VALUES (1, 1, random(), 0)", f"SELECT 1, 1, random(), 0 WHERE EXISTS {recs}")
            # One tick per row: a reload above has taken this row's tick already.
            body += ([] if logged.reload else [tick]) + [
                f"INSERT INTO {LOG} (tick, token, recommendation_id, parts, at) "
                f"SELECT clock.tick, clock.token, ids.rec, {logged.parts}, {_SQLITE_EPOCH} "
                f"FROM {CLOCK} AS clock, {recs} AS ids WHERE clock.id = 1;"]
        statements.append(
            f"CREATE TRIGGER nmirf_log_{event.lower()}_{table} AFTER {event}{columns} ON "
            f"{table} WHEN {condition} BEGIN {' '.join(body)} END")
    return statements


def install_parts_sql(vendor: str, tables: dict[str, Logged]) -> list[str]:
    """The statements that create the triggers logging what a write to each of `tables`
    makes stale ({table: Logged}); uninstall_parts_sql drops them."""
    if vendor == "postgresql":
        return [_pg_parts_function(table, logged) for table, logged in tables.items()]
    return [sql for table, logged in tables.items()
            for sql in _sqlite_parts_triggers(table, logged)]


def uninstall_parts_sql(vendor: str, tables) -> list[str]:
    return uninstall_sql(vendor, dict.fromkeys(tables, ""))


# -- reading ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Clock:
    tick: int = 0
    token: int = 0


def read_clock() -> Clock:
    """Where the registry stands: one query on a one-row table."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tick, token FROM {CLOCK} WHERE id = 1")
        row = cursor.fetchone()
    return Clock(*row) if row else Clock()


@dataclass(frozen=True)
class Changes:
    clock: Clock  # the tick these changes bring a process to
    recommendations: frozenset[int]  # ids whose row or links changed (ROW)
    # Parts to reload whole (bits: REGISTRY, ASSIGNED, ...), and for each part of
    # PAIR_PARTS the recommendations whose pairs of that part are to be read again.
    reload: int = 0
    pairs: dict = field(default_factory=dict)

    @property
    def reference(self) -> bool:
        """The reviews, terms, states or mechanisms changed."""
        return bool(self.reload & REGISTRY)


def changes_since(applied: Clock, now: Clock) -> Changes | None:
    """What changed after `applied`, up to `now` (read from the clock just before: every
    tick up to it is committed, see above); None when the log cannot tell — `applied` was
    pruned away or belongs to a history that was rolled back — and the caller rebuilds.
    One statement, so that the horizon, the check of `applied` and the log rows are read
    from one snapshot (a pruning between two statements could otherwise hide rows)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT clock.horizon, (SELECT token FROM {LOG} WHERE tick = %s LIMIT 1), "
            f"log.recommendation_id, log.tick, log.parts FROM {CLOCK} clock "
            f"LEFT JOIN {LOG} log ON log.tick > %s AND log.tick <= %s WHERE clock.id = 1",
            [applied.tick, applied.tick, now.tick],
        )
        rows = cursor.fetchall()
    if not rows:
        return None  # no clock: the database was emptied
    horizon, token_then = rows[0][0], rows[0][1]
    if applied.tick and (applied.tick <= horizon or token_then != applied.token):
        return None
    ids: set[int] = set()
    pairs: dict[int, set[int]] = {part: set() for part in PAIR_PARTS}
    reload = 0
    for _horizon, _token, rec, tick, parts in rows:
        if tick is None:
            continue
        if rec is None:
            reload |= parts if parts != ROW else EVERY_PART  # (a row from before 0003)
            continue
        if parts & ROW:
            ids.add(rec)
        for part in PAIR_PARTS:
            if parts & part:
                pairs[part].add(rec)
    return Changes(clock=now, recommendations=frozenset(ids), reload=reload,
                   pairs={part: frozenset(recs) for part, recs in pairs.items() if recs})


# -- writing in bulk and pruning ------------------------------------------------------------------

@contextmanager
def bulk_insert(first_id: int):
    """Recommendations (ids >= first_id) and their links inserted in bulk are logged with
    one statement and one tick at the end rather than by a trigger call per row. Inside
    the caller's transaction: other writers never see the triggers gone, and a failure
    restores them with everything else."""
    tables = list(RECOMMENDATION_TABLES)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'off', true)", [BULK_SETTING])
        try:
            yield
        except BaseException:
            _quietly("SELECT set_config(%s, '', true)", [BULK_SETTING])
            raise
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, '', true)", [BULK_SETTING])
            # No tick without log rows (an import that created nothing): a process that
            # read the clock at such a tick would find no token there to prove its history
            # by, and rebuild at the next change (changes_since).
            cursor.execute(f"SELECT 1 FROM {REC} WHERE id >= %s LIMIT 1", [first_id])
            if cursor.fetchone():
                cursor.execute(
                    f"INSERT INTO {LOG} (tick, token, recommendation_id, at) "
                    f"SELECT clock.out_tick, clock.out_token, rec.id, {_PG_EPOCH} "
                    f"FROM nmirf_registry_tick() AS clock, {REC} AS rec WHERE rec.id >= %s",
                    [first_id],
                )
        return
    names = [f"nmirf_log_insert_{table}" for table in tables]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN "
            f"({', '.join(['%s'] * len(names))})", names)
        saved = cursor.fetchall()
        for name, _sql in saved:
            cursor.execute(f"DROP TRIGGER {name}")
    try:
        yield
    except BaseException:
        for _name, sql in saved:
            _quietly(sql)
        raise
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {REC} WHERE id >= %s LIMIT 1", [first_id])
        if cursor.fetchone():
            cursor.execute(_SQLITE_TICK)
            cursor.execute(
                f"INSERT INTO {LOG} (tick, token, recommendation_id, at) "
                f"SELECT clock.tick, clock.token, rec.id, {_SQLITE_EPOCH} "
                f"FROM {CLOCK} AS clock, {REC} AS rec WHERE clock.id = 1 AND rec.id >= %s",
                [first_id],
            )
        for _name, sql in saved:
            cursor.execute(sql)


def patchable_changes(applied: Clock | None, now: Clock, limit: int) -> Changes | None:
    """What changed after `applied` up to `now`, for a copy of the registry kept in memory
    (the registry index, search's vocabulary) to patch in; None where it is to be built
    whole instead: nothing kept yet, a clock that went back (a rolled-back history), a
    log that cannot tell, or more than `limit` recommendations changed (a large import)."""
    if applied is None or now.tick < applied.tick:
        return None
    changes = changes_since(applied, now)
    if changes is None or len(changes.recommendations) > limit:
        return None
    return changes


def _quietly(sql: str, params=()) -> None:
    """Put back what bulk_insert set aside after the insertion failed, for whatever the
    caller does next in the transaction (a savepoint rolled back); where the transaction
    itself is broken, its rollback puts everything back, and the failure that matters is
    the one being raised."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError:
        pass


def prune(keep_seconds: int = KEEP_SECONDS) -> int:
    """Delete the log rows older than `keep_seconds` and raise the horizon past them;
    returns how many were deleted. The rows of the latest tick are kept whatever their
    age: a process that has applied it can still prove its history (the token) and patch
    the next change, rather than every process rebuilding at the first edit after an
    idle hour."""
    cutoff = int(time.time()) - keep_seconds
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(tick) FROM {LOG} WHERE at < %s "
                       f"AND tick < (SELECT MAX(tick) FROM {LOG})", [cutoff])
        (horizon,) = cursor.fetchone()
        if horizon is None:
            return 0
        cursor.execute(f"DELETE FROM {LOG} WHERE tick <= %s", [horizon])
        deleted = cursor.rowcount
        cursor.execute(f"UPDATE {CLOCK} SET horizon = %s WHERE id = 1 AND horizon < %s",
                       [horizon, horizon])
    return deleted
