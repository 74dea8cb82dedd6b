"""`nmirf worker`: the background worker for web imports — django-tasks-db's `db_worker`
(same options) kept alive through a locked or unreachable database.

`db_worker` alone exits on "database is locked" when a write lock is held longer than the
busy timeout (a long import from the command line, a backup), and web imports then wait
for ever. Here the worker logs one line, waits and goes on. It also does the imports'
housekeeping: at its start and after each job it marks runs whose process died as
interrupted (liveness.py) and prunes uploads nothing will use (uploads.py).
"""

import logging
import os
import time

from django.db import OperationalError, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from nmirf.ingest import liveness, uploads

logger = logging.getLogger("nmirf.ingest.worker")

PAUSE_SECONDS = 5  # after the database refused us, before trying again


def housekeeping() -> None:
    try:
        liveness.reap_abandoned()
        uploads.prune()
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


class Command(db_worker.Command):
    help = ("Run the background worker for web imports (db_worker that survives a locked "
            "database, and marks interrupted imports).")

    def handle(self, *, verbosity, queue_name, interval, batch, backend_name, startup_delay,
               reload, max_tasks, worker_id, exclude_queues, **options) -> None:
        self.configure_logging(verbosity)
        if not logger.hasHandlers():
            logger.addHandler(logging.StreamHandler(self.stdout))
        logger.setLevel(logging.INFO if verbosity else logging.CRITICAL)
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise db_worker.CommandError("--exclude-queues can only be used with "
                                         "--queue-name=*")
        worker = SupervisedWorker(
            queue_names=queue_names, interval=interval, batch=batch,
            backend_name=backend_name, startup_delay=startup_delay, max_tasks=max_tasks,
            worker_id=worker_id, excluded_queue_names=excluded,
        )
        if reload and not batch:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
