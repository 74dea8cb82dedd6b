"""The background worker's heartbeat: when a worker was last seen alive.

django-tasks-db records which worker claimed a task (`DBTaskResult.worker_ids`) but
nothing about idle workers, so a silent queue and a dead worker look alike. `nmirf
db_worker` (nmirf/operations/management/commands/db_worker.py) therefore beats from a
thread of its own every BEAT_SECONDS, also while it runs a long import, and /health/ reads
the last beat.

The beat goes to the cache, not the database: the worker and the web already share the
cache for the progress of imports, and a write to it never waits for SQLite's write lock
(which an import holds for as long as it writes).
"""

import logging
import os
import socket
import threading
import time

from django.core.cache import cache

logger = logging.getLogger(__name__)

KEY = "nmirf:operations:worker-heartbeat"
BEAT_SECONDS = 15
# A worker not heard from for this long is reported as not seen recently.
STALE_SECONDS = 60
# The last beat is kept a week, so /health/ can say how long ago a stopped worker was seen.
KEEP_SECONDS = 7 * 24 * 3600
# What /health/ says of a worker never heard from (or whose beat cannot be read).
NOT_SEEN = {"seen_recently": False, "last_seen_seconds_ago": None}


def beat(worker_id: str) -> None:
    cache.set(KEY, {"at": time.time(), "worker_id": worker_id, "pid": os.getpid(),
                    "host": socket.gethostname()}, KEEP_SECONDS)


def last_beat() -> dict | None:
    value = cache.get(KEY)
    return value if isinstance(value, dict) and "at" in value else None


def worker_status(now: float | None = None) -> dict:
    """What /health/ says about the worker: seen recently or not, and how long ago."""
    last = last_beat()
    if last is None:
        return dict(NOT_SEEN)
    age = max(0.0, (time.time() if now is None else now) - float(last["at"]))
    return {"seen_recently": age <= STALE_SECONDS, "last_seen_seconds_ago": round(age)}


class Heartbeat(threading.Thread):
    """Beats until stopped; a failed beat (cache unavailable) is logged and retried."""

    def __init__(self, worker_id: str, interval: float = BEAT_SECONDS):
        super().__init__(name="nmirf-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.interval = interval
        self.stopped = threading.Event()

    def start(self) -> None:
        """The first beat before anything else, so the worker is seen from its start."""
        self._beat()
        super().start()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self._beat()

    def _beat(self) -> None:
        try:
            beat(self.worker_id)
        except Exception:
            logger.exception("the worker's heartbeat could not be recorded")

    def stop(self) -> None:
        self.stopped.set()
