"""The one import pipeline every source goes through: read → normalise → validate → commit.

- read: the source's adapter (ingest/sources/) yields plain records or row problems;
- normalise and validate: ingest/normalise.py, against the reference data;
- commit: ingest/commit.py, all-or-nothing in one transaction.

The files are processed as a stream, in chunks of commit.CHUNK records: read, check and
write a chunk, then the next, all inside the import's one transaction. Memory stays that of
a chunk, whatever the size of the file; what spans the file is small (a digest of each key,
to refuse a record met twice; the first MAX_STORED_ERRORS problems; the commit's own, see
commit.py).

An import with any problem writes nothing to the registry: from the first problem on,
nothing more is written, the rest of the files is still checked (so the user can fix every
row in one go), and the transaction is rolled back; the run is recorded as failed with its
row errors. A dry run goes through the same stream and is rolled back at its end, so what
it reports is exactly what a real run would do.

Under faults (docs/admin-guide.md, "When things go wrong"):
- a process killed half-way writes nothing (the transaction is rolled back by the
  database); its run records the process holding it, and is marked interrupted by whoever
  next looks (liveness.py);
- two imports never write at once: the second waits for the first (the registry's write
  lock, taken before anything is read) and then finds what the first wrote,
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
from nmirf.recommendations.models import SourceRecord

from . import liveness
from . import progress as live_progress
from .commit import CHUNK, Commit, Counts, lock_registry, write_session
from .files.common import BLOCK
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


class _Rollback(Exception):
    """Leaves the import's transaction without writing: a dry run, or a refused import."""


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
        + ("would be updated" if run.dry_run else "updated")
        + f": {counts.updated + counts.linked:,} "
        f"(matched to a recommendation from another source: {counts.linked:,}), "
        f"unchanged: {counts.unchanged:,}, rejected: 0"
        + (f"; flagged as possible duplicates: {counts.possible_duplicates:,}"
           if counts.possible_duplicates else "")
        + (f"; copies of one recommendation joined into it: {counts.gathered:,}"
           if counts.gathered else "")
        + "."
    )
    run.save()
    return run


@contextmanager
def _bulk_objects():
    """Python's cyclic garbage collector, left on, scans the objects an import makes
    again and again (a few per row, tens of thousands of rows): a third of the time spent
    reading and checking. None of them forms a cycle (each chunk's are freed as soon as it
    is written), so it is paused for the import and the process's collector runs as
    before after it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _check_and_commit(run: ImportRun, adapter, files: list[InputFile], options: dict,
                      report):
    """Read, check and write the files as one stream of chunks, in one transaction: a
    problem anywhere, or a dry run, rolls all of it back."""
    expected = estimate_rows(files)
    wait = float(getattr(settings, "NMIRF_IMPORT_WAIT_SECONDS", DEFAULT_WAIT_SECONDS))
    deadline = time.monotonic() + wait
    while True:
        locked = False
        tally = _Tally(run.source, run.pk)
        try:
            with write_session(expected), transaction.atomic():
                # First the registry's write lock (SQLite: BEGIN IMMEDIATE, on entering the
                # block; PostgreSQL: lock_registry), then everything the import reads: an
                # import that waited for another sees what the other wrote.
                lock_registry()
                locked = True
                counts = _stream(run, adapter, files, options, report, expected, tally)
                if run.dry_run or tally.refused:
                    raise _Rollback
        except _Rollback:
            pass
        except OperationalError as exc:
            if locked or not _is_lock_wait(exc):
                raise
            if time.monotonic() >= deadline:
                raise _RegistryBusy from exc
            logger.info("import run %s waits for another import to finish", run.pk)
            report("waiting", 0, expected)
            time.sleep(1)
            continue
        break
    if tally.problems:
        run.rows_read = tally.rows
        _fail(run, _summary(tally.problems, tally.problem_count, tally.rejected),
              tally.problems, rejected=tally.rejected, total=tally.problem_count)
    if not tally.records:
        _fail(run, Message(gettext_noop("%(files)s: no recommendations found."),
                           files=", ".join(run.files)), [])
    return counts, tally.records


class _Tally:
    """What the stream keeps across the whole import, bounded whatever the file's size:
    counts, the first problems (those a run stores), and a hash of each key met."""

    def __init__(self, source: str, run_id: int):
        self.source, self.run_id = source, run_id
        self.records = 0  # records checked and found good
        self.rows = 0  # rows of the files that brought a record or a problem
        self.rejected = 0  # rows with a problem
        self.problem_count = 0
        self.problems: list[RowProblem] = []  # the first MAX_STORED_ERRORS
        self._last_row = self._last_rejected = None
        # hash() of each key met, not the keys: a million of them in tens of megabytes. A
        # hash met again is only a sign: the key itself is then looked for among the
        # chunk's own keys and the source records this import wrote.
        self._hashes: set[int] = set()
        self.chunk_keys: set[str] = set()

    @property
    def refused(self) -> bool:
        return self.problem_count > 0

    def row(self, file: str, number) -> None:
        # The records of one row (and its problems) come one after another.
        if (file, number) != self._last_row:
            self._last_row = (file, number)
            self.rows += 1

    def problem(self, problem: RowProblem) -> None:
        self.row(problem.file, problem.row)
        self.problem_count += 1
        if len(self.problems) < MAX_STORED_ERRORS:
            self.problems.append(problem)
        if (problem.file, problem.row) != self._last_rejected:
            self._last_rejected = (problem.file, problem.row)
            self.rejected += 1

    def met_before(self, key: str) -> bool:
        """Whether this import met the key already (among the records it has written or
        is about to write; once a problem stops the writing, only those)."""
        digest = hash(key)
        first = digest not in self._hashes
        if key in self.chunk_keys:
            return True
        if not self.refused:  # the chunk being gathered (none once the writing stopped)
            self.chunk_keys.add(key)
        if first:
            self._hashes.add(digest)
            return False
        return SourceRecord.objects.filter(source=self.source, key=key,
                                           import_run_id=self.run_id).exists()


def _stream(run: ImportRun, adapter, files: list[InputFile], options: dict, report,
            expected: int, tally: _Tally) -> Counts:
    normaliser = Normaliser(state_override=options.get("state"),
                            session_override=options.get("session"))
    report("reading", 0, len(files))
    with Commit(run.source, normaliser.reviews, run.pk, expected_rows=expected) as writer:
        chunk: list = []
        for record in _records(adapter, files, options):
            if isinstance(record, RowProblem):
                tally.problem(record)
                continue
            result = normaliser.prepare(record)
            if isinstance(result, list):
                for problem in result:
                    tally.problem(problem)
                continue
            tally.row(record.file, record.row)
            if tally.met_before(record.key):
                tally.problem(RowProblem(record.file, record.row, Message(gettext_noop(
                    "repeats a record met earlier in this import (the same key %(key)s)"),
                    key=repr(record.key[:60]))))
                continue
            tally.records += 1
            if tally.refused:  # nothing more is written; the rest is only checked
                continue
            chunk.append(result)
            if len(chunk) >= CHUNK:
                writer.add(chunk)
                chunk = []
                tally.chunk_keys.clear()
                report("writing", tally.records, max(expected, tally.records))
        if tally.refused or not tally.records:
            raise _Rollback
        writer.add(chunk)
        report("writing", tally.records, tally.records)
    return writer.counts


def _records(adapter, files: list[InputFile], options: dict):
    yield from adapter.read_files([(item.path, item.name) for item in files], options)


def estimate_rows(files: list[InputFile]) -> int:
    """About how many records the files hold, before reading them: their line breaks (a
    quoted cell may hold more, a record may span several). For the progress bar, and to
    decide whether an import is a bulk load (commit.BULK_ROWS). Zipped formats (XLSX,
    DOCX, ZIP: they start with "PK") count as none: a smaller guess only forgoes the bulk
    load's shortcuts. So do PDF files, whose compressed streams hold line-break bytes at
    random (a few megabytes would pass for a bulk load)."""
    total = 0
    for item in files:
        try:
            with open(item.path, "rb") as handle:
                block = handle.read(BLOCK)
                if block.startswith((b"PK", b"%PDF")):
                    continue
                while block:
                    total += block.count(b"\n") + block.count(b"\r") - block.count(b"\r\n")
                    # A CR LF split across two blocks counts twice: close enough.
                    block = handle.read(BLOCK)
        except OSError:
            continue  # the reader says what is wrong with the file
    return total


def _is_lock_wait(exc: OperationalError) -> bool:
    """Gave up waiting for the write lock: SQLite's busy timeout ("database is locked"),
    PostgreSQL's lock_timeout (SQLSTATE 55P03)."""
    if connection.vendor == "postgresql":
        return getattr(exc.__cause__, "sqlstate", None) == "55P03"
    return "locked" in str(exc).lower()


def _summary(problems: list[RowProblem], count: int, rejected: int) -> Message:
    first = problems[0]
    where = (Message(gettext_noop("%(file)s, row %(row)s"), file=first.file, row=first.row)
             if first.row else first.file)
    more = (Message(gettext_noop(" (problems in all: %(count)s)"), count=Number(count))
            if count > 1 else "")
    return Message(gettext_noop("Rows rejected: %(rejected)s; nothing was imported. "
                                "%(where)s: %(first)s%(more)s."),
                   rejected=Number(rejected), where=where, first=first.message, more=more)


def _fail(run: ImportRun, message: str, problems: list[RowProblem], rejected: int = 0,
          failure: str = ImportRun.Failure.FILE, total: int | None = None):
    """Record the run as failed with its problems (the first MAX_STORED_ERRORS of `total`)
    and raise ImportFailed."""
    total = len(problems) if total is None else total
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
    if total > MAX_STORED_ERRORS:
        more = Message(gettext_noop("… and %(count)s more problems."),
                       count=Number(total - MAX_STORED_ERRORS))
        ImportRowError.objects.create(run=run, message=more, message_data=message_data(more))
    raise ImportFailed(message, run)
