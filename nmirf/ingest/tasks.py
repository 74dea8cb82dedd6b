"""Background imports: the web UI records a run and enqueues this task; `nmirf db_worker`
(django-tasks' database backend) carries it out. Progress goes through the cache, because
the import's own transaction hides its writes from the web process until it commits."""

import shutil
from pathlib import Path

from django.core.cache import cache
from django_tasks import task

from .models import ImportRun
from .pipeline import ImportFailed, InputFile, run_import

PROGRESS_KEY = "import-progress-{}"


def progress_of(run: ImportRun) -> dict:
    """What the progress bar shows: the live figure from the worker, else the run's own."""
    live = cache.get(PROGRESS_KEY.format(run.pk))
    if live and not run.is_finished:
        return live
    return {"phase": run.get_status_display(), "done": run.progress_done,
            "total": run.progress_total, "percent": run.progress_percent}


def upload_dir(run_id: int) -> Path:
    from django.conf import settings

    return Path(settings.MEDIA_ROOT) / "imports" / str(run_id)


@task()
def run_import_task(run_id: int, file_names: list[str]) -> str:
    run = ImportRun.objects.get(pk=run_id)
    folder = upload_dir(run_id)
    files = [InputFile(path=folder / f"{index:02d}", name=name)
             for index, name in enumerate(file_names)]
    key = PROGRESS_KEY.format(run_id)

    def report(phase: str, done: int, total: int) -> None:
        percent = int(100 * done / total) if total else 0
        cache.set(key, {"phase": phase, "done": done, "total": total, "percent": percent},
                  timeout=3600)

    try:
        run = run_import(run, files, progress=report)
    except ImportFailed as failure:
        return str(failure)
    finally:
        cache.delete(key)
        # The uploaded files served this one run (a new import is a new upload), and they
        # may hold what the state has not yet published: they are not kept.
        shutil.rmtree(folder, ignore_errors=True)
    return run.message
