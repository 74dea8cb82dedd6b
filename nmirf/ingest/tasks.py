"""Background imports: the web UI records a run and enqueues this task; the worker
(`nmirf db_worker`, django-tasks' database worker under a loop that survives a locked
database) carries it out. Progress goes through the cache (progress.py), because the
import's own transaction hides its writes from the web process until it commits.

A task left "running" by a worker that died is never picked up again by django-tasks-db
(its workers claim READY tasks only), and this project does not retry it on its own: a
run that killed its worker (a file too large for the memory, say) would kill the next one
in turn. The run is marked interrupted (liveness.py) and a person retries it from its page.
"""

import logging
from datetime import timedelta

from django.db import OperationalError
from django.utils import timezone
from django_tasks import task

from . import liveness, uploads
from .busy import is_locked
from .models import ImportRun
from .pipeline import ImportFailed, InputFile, run_import

logger = logging.getLogger(__name__)

# A job that found the database locked before its run started is put back for this long.
REQUEUE_AFTER = timedelta(seconds=30)


@task()
def run_import_task(run_id: int, file_names: list[str]) -> str:
    liveness.reap_abandoned()  # runs of a worker that died before this one started
    run = ImportRun.objects.get(pk=run_id)
    if run.status != ImportRun.Status.PENDING:
        return f"run {run_id} is {run.status}, not waiting: not run again"
    folder = uploads.upload_dir(run_id)
    files = [InputFile(path=folder / f"{index:02d}", name=name)
             for index, name in enumerate(file_names)]
    try:
        run = run_import(run, files)
    except ImportFailed as failure:
        run = failure.run
        return str(failure)
    except OperationalError as exc:
        # The database refused the run's own bookkeeping (SQLite locked for longer than its
        # busy timeout by a long command-line import or a backup): a run not yet started
        # is put back in the queue; one that started must not stay "running" in this
        # live process, where no look would find it dead.
        if not is_locked(exc):
            _interrupt_quietly(run_id)
            raise
        return _put_back_or_interrupt(run_id, file_names)
    except Exception:
        _interrupt_quietly(run_id)
        raise
    finally:
        # The uploaded files may hold what the state has not yet published: removed once
        # the run has ended for good; kept while it may be retried (uploads.py).
        if run.ended_for_good:
            uploads.remove(run_id)
    return run.message


def _put_back_or_interrupt(run_id: int, file_names: list[str]) -> str:
    run = ImportRun.objects.get(pk=run_id)
    if run.status == ImportRun.Status.PENDING and run_import_task.get_backend().supports_defer:
        run_import_task.using(run_after=timezone.now() + REQUEUE_AFTER).enqueue(
            run_id, file_names)
        logger.warning("import run %s: database locked; put back in the queue", run_id)
        return "database locked: put back in the queue"
    liveness.mark_interrupted(run)
    logger.warning("import run %s: database locked; marked interrupted", run_id)
    return "database locked: marked interrupted"


def _interrupt_quietly(run_id: int) -> None:
    """What escaped the pipeline's own handling ended the run in this live process: say
    so, if the database lets us (else the worker's next housekeeping cannot tell, but the
    log has the error)."""
    logger.exception("import run %s: the job stopped on an error", run_id)
    try:
        run = ImportRun.objects.get(pk=run_id)
        liveness.mark_interrupted(run)
    except OperationalError:
        pass
