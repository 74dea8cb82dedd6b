"""`nmirf db_worker`: the background worker for web imports — django-tasks-db's worker
(same options), kept alive through a locked database and doing the imports' housekeeping
(nmirf/operations/worker.py), with a heartbeat that /health/ reports
(nmirf/operations/heartbeat.py).

It takes django-tasks-db's own command name (nmirf.operations comes before django_tasks_db
in INSTALLED_APPS), so that there is one worker, whatever a guide or unit calls.
"""

import logging
import os

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from nmirf.operations.heartbeat import Heartbeat
from nmirf.operations.worker import SupervisedWorker, logger


class Command(db_worker.Command):
    help = ("Run the background worker for web imports (django-tasks-db's db_worker that "
            "survives a locked database, marks interrupted imports and records a heartbeat "
            "for /health/).")

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
        heartbeat = Heartbeat(worker_id=worker_id)
        heartbeat.start()
        try:
            if reload and not batch:
                if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                    worker.configure_signals()
                run_with_reloader(worker.run)
            else:
                worker.configure_signals()
                worker.run()
        finally:
            heartbeat.stop()
