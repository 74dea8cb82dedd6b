"""The background worker for web imports — django-tasks-db's worker kept alive through a
locked or unreachable database (`nmirf db_worker` runs it, with a heartbeat).

`db_worker` alone exits on "database is locked" when a write lock is held longer than the
busy timeout (a long import from the command line, a backup), and web imports then wait
for ever. Here the worker logs one line, waits and goes on. It also does the imports'
housekeeping: at its start and after each job it marks runs whose process died as
interrupted (liveness.py), prunes uploads nothing will use (uploads.py) and the registry's
change log past the hour that processes need of it (recommendations/registry_changes.py).
"""

import logging
import time

from django.db import OperationalError, connections
from django_tasks_db.management.commands import db_worker

from nmirf.ingest import liveness, uploads
from nmirf.recommendations import registry_changes

logger = logging.getLogger("nmirf.ingest.worker")

PAUSE_SECONDS = 5  # after the database refused us, before trying again


def housekeeping() -> None:
    try:
        liveness.reap_abandoned()
        uploads.prune()
        registry_changes.prune()
    except OperationalError:
        logger.info("import housekeeping put off: database busy", exc_info=True)


class SupervisedWorker(db_worker.Worker):
    def run(self) -> None:
        while True:
            housekeeping()
            try:
                super().run()
                return  # --batch or --max-tasks ended it, or a signal
            except OperationalError as exc:
                if not self.running:
                    return
                logger.warning("the database refused the worker (%s); trying again in %s s",
                               exc, PAUSE_SECONDS)
                connections.close_all()
                time.sleep(PAUSE_SECONDS)

    def run_task(self, db_task_result) -> None:
        try:
            super().run_task(db_task_result)
        finally:
            housekeeping()
