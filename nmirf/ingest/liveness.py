"""Whether the process carrying out an import run is still alive, and what happens to
runs whose process is gone.

An import killed half-way (`kill -9`, the out-of-memory killer, a restarted container)
writes nothing: its transaction is rolled back by the database. But its run would stay
"running" forever. So a run records the process holding it (`holder`: host name, process
id and the process's start time, so that a reused process id is not mistaken for it) and
a heartbeat, and whoever next looks at the runs (the run pages, `nmirf runs`, the worker,
the next import) marks the runs whose process is gone as failed, "interrupted".

- On the same host (and process-id namespace: containers differ), the process table is
  the authority: the process is there (and is the same process) or it is not.
- From another host (a web server and a worker on different machines, or containers), the
  heartbeat decides: a thread of the importing process refreshes it every
  HEARTBEAT_SECONDS, in the cache and, on PostgreSQL (where a second writer does not wait
  for the import's transaction), in the run's row. On SQLite the import holds the only
  write lock, so the beat goes to the cache alone (a file cache under NMIRF_DATA_DIR, shared
  by processes that share the database file). A run not heard of for
  NMIRF_IMPORT_STALE_SECONDS (300 by default) is taken for dead.
"""

import logging
import os
import socket
import threading
import time
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError, connection, connections
from django.utils import timezone
from django.utils.translation import gettext_noop

from nmirf.core.problems import Message, message_data

logger = logging.getLogger(__name__)



def _host() -> str:
    """This machine as its processes see it: the host name, and the process-id namespace
    (two containers may share a host name, never a namespace), so that a process id is
    only ever looked up where it means the same process."""
    try:
        namespace = os.readlink("/proc/self/ns/pid").partition("[")[2].rstrip("]")
    except OSError:
        namespace = ""
    name = socket.gethostname().replace(" ", "_") or "localhost"
    return f"{name}/{namespace}" if namespace else name


HOST = _host()
HEARTBEAT_SECONDS = 10
DEFAULT_STALE_SECONDS = 300
HEARTBEAT_KEY = "import-heartbeat-{}"

INTERRUPTED = Message(gettext_noop(
    "The import was interrupted: the process running it stopped before it finished "
    "(stopped by force, out of memory, or the server restarted). Nothing was written to "
    "the registry. The same files can be imported again."))


def stale_after() -> timedelta:
    seconds = getattr(settings, "NMIRF_IMPORT_STALE_SECONDS", DEFAULT_STALE_SECONDS)
    return timedelta(seconds=float(seconds))


def _start_time(pid: int) -> str | None:
    """The process's start time (clock ticks since boot, /proc/PID/stat field 22), or None
    where there is no such process or it is a zombie; "" where /proc is not there."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            stat = handle.read()
    except FileNotFoundError:
        return None if os.path.isdir("/proc/self") else ""
    except OSError:
        return ""
    fields = stat.rpartition(")")[2].split()  # after the command name, which may hold spaces
    if len(fields) < 20 or fields[0] in ("Z", "X"):
        return None
    return fields[19]


def process_token(pid: int | None = None) -> str:
    pid = os.getpid() if pid is None else pid
    return f"{HOST} {pid} {_start_time(pid) or ''}".strip()


def _process_alive(pid: int, started: str) -> bool:
    now_started = _start_time(pid)
    if now_started is None:
        return False
    if now_started == "":  # no /proc (not Linux): ask the kernel whether the pid exists
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return not started or now_started == started


def last_heartbeat(run) -> datetime | None:
    beats = [run.heartbeat_at, run.started_at, run.created_at]
    cached = cache.get(HEARTBEAT_KEY.format(run.pk))
    if cached:
        beats.append(datetime.fromtimestamp(cached, tz=UTC))
    beats = [beat for beat in beats if beat is not None]
    return max(beats) if beats else None


def is_alive(run, now: datetime | None = None) -> bool:
    """Whether the process recorded as holding a running run still runs it."""
    parts = run.holder.split()
    if len(parts) >= 2 and parts[0] == HOST and parts[1].isdigit():
        return _process_alive(int(parts[1]), parts[2] if len(parts) > 2 else "")
    beat = last_heartbeat(run)
    now = now or timezone.now()
    return beat is not None and now - beat < stale_after()


def mark_interrupted(run, holder: str | None = None) -> bool:
    """Mark a running run failed, interrupted, unless it has ended meanwhile (or is now held
    by another process than `holder`). Returns whether it was marked."""
    from .models import ImportRun

    holder = run.holder if holder is None else holder
    return bool(ImportRun.objects.filter(
        pk=run.pk, status=ImportRun.Status.RUNNING, holder=holder).update(
        status=ImportRun.Status.FAILED, failure=ImportRun.Failure.INTERRUPTED,
        finished_at=timezone.now(), message=str(INTERRUPTED),
        message_data=message_data(INTERRUPTED),
        created=0, updated=0, unchanged=0, possible_duplicates=0))


def reap_abandoned() -> list[int]:
    """Mark as failed, interrupted, every running run whose process is gone. Cheap where
    nothing runs (one indexed query). Returns the ids of the runs marked."""
    from .models import ImportRun

    reaped = []
    try:
        running = list(ImportRun.objects.filter(status=ImportRun.Status.RUNNING))
        for run in running:
            if is_alive(run):
                continue
            # Only if it is still running as we saw it: its process may have just ended it.
            if mark_interrupted(run):
                logger.warning("import run %s was interrupted (its process %r is gone); "
                               "marked failed", run.pk, run.holder)
                reaped.append(run.pk)
    except OperationalError:
        # A locked SQLite database (an import writing): the next look will do it.
        logger.info("could not check for interrupted import runs now", exc_info=True)
    return reaped


class Heartbeat:
    """Around an import: a daemon thread that says, every HEARTBEAT_SECONDS, that the run's
    process is alive (see the module's docstring)."""

    def __init__(self, run_id: int, interval: float = HEARTBEAT_SECONDS):
        self.run_id = run_id
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{run_id}",
                                        daemon=True)
        self._vendor = connection.vendor

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)
        cache.delete(HEARTBEAT_KEY.format(self.run_id))

    def _beat(self) -> None:
        from .models import ImportRun

        try:
            while not self._stop.wait(self.interval):
                now = timezone.now()
                try:
                    cache.set(HEARTBEAT_KEY.format(self.run_id), time.time(), timeout=3600)
                except Exception:
                    logger.info("heartbeat: cache unavailable", exc_info=True)
                if self._vendor == "postgresql":  # this thread's own connection
                    try:
                        ImportRun.objects.filter(pk=self.run_id).update(heartbeat_at=now)
                    except OperationalError:
                        logger.info("heartbeat: database unavailable", exc_info=True)
        finally:
            connections.close_all()
