"""The one import pipeline every source goes through: read → normalise → validate → commit.

- read: the source's adapter (ingest/sources/) yields plain records or row problems;
- normalise and validate: ingest/normalise.py, against the reference data;
- commit: ingest/commit.py, all-or-nothing in one transaction.

An import with any problem writes nothing to the registry: the run is recorded as failed
with every row error, so the user can fix the file and try again. A dry run goes through
the same commit inside a transaction that is then rolled back, so what it reports is
exactly what a real run would do.

Under faults (docs/admin-guide.md, "When things go wrong"):
- a process killed half-way writes nothing (the transaction is rolled back by the
  database); its run records the process holding it, and is marked interrupted by whoever
  next looks (liveness.py);
- two imports never write at once: the second waits for the first (the registry's write
  lock, taken before anything is read for the commit) and then finds what the first wrote,
  so the same file imported twice at once ends with one copy and a second run that reports
  everything unchanged; after NMIRF_IMPORT_WAIT_SECONDS (600) of waiting it gives up with one
  clear line instead;
- an unexpected error shows a general message with a reference; its details go to the log.
"""

import gc
import logging
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from nmirf.core.problems import Message, Number, message_data, message_of

from . import liveness
from . import progress as live_progress
from .commit import commit, lock_registry, write_session
from .models import ImportRowError, ImportRun
from .normalise import Normaliser
from .records import RowProblem, SourceError
from .sources import get_adapter

logger = logging.getLogger(__name__)

# Kept in the run for the user to read; past this the message says how many more.
MAX_STORED_ERRORS = 500

# phase (a key of PHASES), done, total
ProgressCallback = Callable[[str, int, int], None]
PHASES = {"reading": _("Reading files"), "checking": _("Checking rows"),
          "waiting": _("Waiting for another import to finish"), "writing": _("Writing")}
DEFAULT_WAIT_SECONDS = 600

BUSY = Message(gettext_noop("Another import is writing to the registry; nothing was written. "
                            "Try again when it has finished."))


@dataclass
class InputFile:
    path: Path
    name: str  # as the user knows it (upload name, or the path given on the command line)


class ImportFailed(Exception):
    """The import was refused; nothing was written. `run` holds the errors."""

    def __init__(self, message: str, run: ImportRun):
        super().__init__(message)
        self.run = run


class _RegistryBusy(Exception):
    """Another import held the registry's write lock for longer than we wait."""


class _DryRunRollback(Exception):
    pass


def start_run(source: str, files: list[InputFile], *, options: dict | None = None,
              dry_run: bool = False, user=None) -> ImportRun:
    get_adapter(source)  # refuse an unknown source before recording anything
    liveness.reap_abandoned()  # an earlier run killed half-way says so before this one
    return ImportRun.objects.create(
        source=source, files=[f.name for f in files], options=options or {}, dry_run=dry_run,
        created_by=user if user is not None and user.is_authenticated else None,
    )


def run_import(run: ImportRun, files: list[InputFile],
               progress: ProgressCallback | None = None) -> ImportRun:
    """Carry out a recorded run. Raises ImportFailed (run saved as failed) on bad input."""
    adapter = get_adapter(run.source)
    options = run.options or {}
    run.status = ImportRun.Status.RUNNING
    run.started_at = run.heartbeat_at = timezone.now()
    run.holder = liveness.process_token()
    run.save(update_fields=["status", "started_at", "heartbeat_at", "holder"])

    def report(phase: str, done: int, total: int) -> None:
        run.progress_done, run.progress_total = done, total
        live_progress.publish(run.pk, phase, done, total)
        if progress:
            progress(phase, done, total)

    try:
        with liveness.Heartbeat(run.pk), _bulk_objects():
            counts, rows_read = _check_and_commit(run, adapter, files, options, report)
    except SourceError as exc:
        _fail(run, message_of(exc), [RowProblem(file="", row=None, message=message_of(exc))])
    except ImportFailed:
        raise
    except _RegistryBusy:
        _fail(run, BUSY, [], failure=ImportRun.Failure.BUSY)
    except Exception:  # an unexpected error must still leave a readable run
        # Database and Python error texts ("UNIQUE constraint failed …") mean nothing to the
        # reader and may show what they should not: the log has them, under a reference.
        reference = uuid.uuid4().hex[:8]
        logger.exception("import run %s crashed [reference %s]", run.pk, reference)
        _fail(run, Message(gettext_noop(
            "The import stopped on an unexpected error; nothing was written. An "
            "administrator can find the details in the server's log under the reference "
            "%(reference)s."), reference=reference), [], failure=ImportRun.Failure.ERROR)
    finally:
        live_progress.clear(run.pk)

    run.created, run.updated, run.unchanged = counts.created, counts.updated, counts.unchanged
    run.updated += counts.linked
    run.possible_duplicates = counts.possible_duplicates
    run.rows_read = rows_read
    run.status = ImportRun.Status.SUCCEEDED
    run.finished_at = timezone.now()
    # Labels, not sentences: "1 records read" is what a sentence says of a one-row file.
    run.message = (
        ("Dry run, nothing was written. " if run.dry_run else "")
        + f"Records read: {rows_read:,}; "
        + ("would be created" if run.dry_run else "created") + f": {counts.created:,}, "
        f"updated: {counts.updated + counts.linked:,} "
        f"(matched to a recommendation from another source: {counts.linked:,}), "
        f"unchanged: {counts.unchanged:,}, rejected: 0"
        + (f"; flagged as possible duplicates: {counts.possible_duplicates:,}"
           if counts.possible_duplicates else "")
        + "."
    )
    run.save()
    return run


@contextmanager
def _bulk_objects():
    """Python's cyclic garbage collector, left on, scans every object an import holds
    again and again as their number grows (tens of thousands of rows, a few objects each):
    a third of the time spent reading and checking. None of them forms a cycle to collect,
    so it is paused for the import and the process's collector runs as before after it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _check_and_commit(run: ImportRun, adapter, files: list[InputFile], options: dict,
                      report):
    rows, problems = _read(adapter, files, options, report)
    normaliser = Normaliser(state_override=options.get("state"),
                            session_override=options.get("session"))
    prepared = []
    for index, row in enumerate(rows, 1):
        result = normaliser.prepare(row)
        if isinstance(result, list):
            problems.extend(result)
        else:
            prepared.append(result)
        if index % 5000 == 0:
            report("checking", index, len(rows))
    if problems:
        rejected_rows = {(p.file, p.row) for p in problems}
        run.rows_read = len({(r.file, r.row) for r in rows} | rejected_rows)
        _fail(run, _summary(problems, len(rejected_rows)), problems,
              rejected=len(rejected_rows))
    if not prepared:
        _fail(run, Message(gettext_noop("%(files)s: no recommendations found."),
                           files=", ".join(run.files)), [])
    counts = _commit(run, prepared, normaliser, report)
    # The rows are let go here, while the collector is still paused (_bulk_objects): once
    # it runs again, it would first scan every one of them.
    return counts, len(prepared)


def _read(adapter, files: list[InputFile], options: dict, report):
    rows, problems = [], []
    for number, item in enumerate(files, 1):
        report("reading", number - 1, len(files))
        for record in adapter.read(item.path, item.name, options):
            (problems if isinstance(record, RowProblem) else rows).append(record)
    report("reading", len(files), len(files))
    return rows, problems


def _commit(run: ImportRun, prepared, normaliser, report):
    def commit_progress(done: int, total: int) -> None:
        report("writing", done, total)

    wait = float(getattr(settings, "NMIRF_IMPORT_WAIT_SECONDS", DEFAULT_WAIT_SECONDS))
    deadline = time.monotonic() + wait
    while True:
        locked = False
        try:
            with write_session(len(prepared)), transaction.atomic():
                # First the registry's write lock (SQLite: BEGIN IMMEDIATE, on entering the
                # block; PostgreSQL: lock_registry), then everything the commit reads: an
                # import that waited for another sees what the other wrote.
                lock_registry()
                locked = True
                commit_progress(0, len(prepared))
                counts = commit(run.source, prepared, normaliser.reviews, run.pk,
                                commit_progress)
                if run.dry_run:
                    raise _DryRunRollback
        except _DryRunRollback:
            pass
        except OperationalError as exc:
            if locked or not _is_lock_wait(exc):
                raise
            if time.monotonic() >= deadline:
                raise _RegistryBusy from exc
            logger.info("import run %s waits for another import to finish", run.pk)
            report("waiting", 0, len(prepared))
            time.sleep(1)
            continue
        return counts


def _is_lock_wait(exc: OperationalError) -> bool:
    """Gave up waiting for the write lock: SQLite's busy timeout ("database is locked"),
    PostgreSQL's lock_timeout (SQLSTATE 55P03)."""
    if connection.vendor == "postgresql":
        return getattr(exc.__cause__, "sqlstate", None) == "55P03"
    return "locked" in str(exc).lower()


def _summary(problems: list[RowProblem], rejected: int) -> Message:
    first = problems[0]
    where = (Message(gettext_noop("%(file)s, row %(row)s"), file=first.file, row=first.row)
             if first.row else first.file)
    more = (Message(gettext_noop(" (problems in all: %(count)s)"), count=Number(len(problems)))
            if len(problems) > 1 else "")
    return Message(gettext_noop("Rows rejected: %(rejected)s; nothing was imported. "
                                "%(where)s: %(first)s%(more)s."),
                   rejected=Number(rejected), where=where, first=first.message, more=more)


def _fail(run: ImportRun, message: str, problems: list[RowProblem], rejected: int = 0,
          failure: str = ImportRun.Failure.FILE):
    run.status = ImportRun.Status.FAILED
    run.failure = failure
    run.finished_at = timezone.now()
    run.message = message
    run.message_data = message_data(message)
    run.rejected = rejected
    run.created = run.updated = run.unchanged = 0
    run.save()
    ImportRowError.objects.bulk_create(
        ImportRowError(run=run, file=p.file[:300], row=p.row, field=p.field[:100],
                       message=p.message, message_data=message_data(p.message))
        for p in problems[:MAX_STORED_ERRORS]
    )
    if len(problems) > MAX_STORED_ERRORS:
        more = Message(gettext_noop("… and %(count)s more problems."),
                       count=Number(len(problems) - MAX_STORED_ERRORS))
        ImportRowError.objects.create(run=run, message=more, message_data=message_data(more))
    raise ImportFailed(message, run)
