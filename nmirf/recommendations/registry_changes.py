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
`KEEP_SECONDS` and raises the clock's horizon to the highest tick deleted; a process whose
tick is at or below the horizon can no longer know what changed, and rebuilds fully.

Imports insert tens of thousands of rows: `bulk_insert` sets the insert triggers aside for
that insertion (on SQLite they are dropped and re-created inside the import's transaction,
as core/search.py does for the full-text index; on PostgreSQL a transaction-local setting
turns them off in their WHEN clause: ALTER TABLE ... DISABLE TRIGGER is refused while the
transaction has deferred foreign-key checks pending) and logs the new ids in one
set-based statement with one tick.
"""

import time
from contextlib import contextmanager
from dataclasses import dataclass

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
# Tables the index reloads whole when any of their rows changes: the small reference
# tables, and tracking's assignments and clusters — one write there (a cluster's lead, a
# cluster archived, 10,000 rows added to a cluster) changes the lead of every member, so
# the index reads again who leads and who has a part rather than patching (tracking/0005).
REFERENCE_TABLES = (
    "recommendations_review",
    "recommendations_term",
    "recommendations_state",
    "recommendations_mechanism",
    "recommendations_taxonomy",
    "tracking_assignment",
    "tracking_cluster",
    "tracking_clusterrecommendation",
    # Which recommendations have validated progress (tracking/0006): an update validated,
    # an action archived or linked elsewhere changes it for many at once.
    "tracking_progressupdate",
    "tracking_action",
    "tracking_action_recommendations",
    "tracking_action_clusters",
    # Which recommendations have an open deadline, and when (the `overdue` filter;
    # followup/0002): a flag, a mechanism's follow-up setting, an indicator's next due date.
    "followup_followupflag",
    "followup_followupsetting",
    "tracking_indicator",
)
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
CREATE TRIGGER nmirf_log_insert AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    -- An import inserting in bulk logs its rows itself (bulk_insert): in a WHEN clause,
    -- so that its statements are not each a function call.
    WHEN (current_setting('{BULK_SETTING}', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION nmirf_log_{table}();
CREATE TRIGGER nmirf_log_update AFTER UPDATE ON {table}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION nmirf_log_{table}();
CREATE TRIGGER nmirf_log_delete AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION nmirf_log_{table}();
"""


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
    recommendations: frozenset[int]  # ids whose row or links changed
    reference: bool  # a reference table changed: reload reviews, terms, states, ...


def changes_since(applied: Clock, now: Clock) -> Changes | None:
    """What changed after `applied`, up to `now` (read from the clock just before: every
    tick up to it is committed, see above); None when the log cannot tell — `applied` was
    pruned away or belongs to a history that was rolled back — and the caller rebuilds.
    One statement, so that the horizon, the check of `applied` and the log rows are read
    from one snapshot (a pruning between two statements could otherwise hide rows)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT clock.horizon, (SELECT token FROM {LOG} WHERE tick = %s LIMIT 1), "
            f"log.recommendation_id, log.tick FROM {CLOCK} clock "
            f"LEFT JOIN {LOG} log ON log.tick > %s AND log.tick <= %s WHERE clock.id = 1",
            [applied.tick, applied.tick, now.tick],
        )
        rows = cursor.fetchall()
    if not rows:
        return None  # no clock: the database was emptied
    horizon, token_then = rows[0][0], rows[0][1]
    if applied.tick and (applied.tick <= horizon or token_then != applied.token):
        return None
    ids = {row[2] for row in rows if row[3] is not None}
    reference = None in ids
    ids.discard(None)
    return Changes(clock=now, recommendations=frozenset(ids), reference=reference)


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
    returns how many were deleted."""
    cutoff = int(time.time()) - keep_seconds
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(tick) FROM {LOG} WHERE at < %s", [cutoff])
        (horizon,) = cursor.fetchone()
        if horizon is None:
            return 0
        cursor.execute(f"DELETE FROM {LOG} WHERE tick <= %s", [horizon])
        deleted = cursor.rowcount
        cursor.execute(f"UPDATE {CLOCK} SET horizon = %s WHERE id = 1 AND horizon < %s",
                       [horizon, horizon])
    return deleted
