"""Files uploaded for a web import, kept under MEDIA_ROOT/imports/<run id>/ for as long as
the run may still need them.

An upload may hold what the state has not yet published, so it is not kept longer than
its run needs it: it is removed as soon as the run has ended for good (succeeded, or
refused for the file's own problems). A run that was interrupted or hit an unexpected
error keeps its files so that it can be retried from its page; such files, and any folder
no run claims, are pruned after NMIRF_UPLOAD_RETENTION_DAYS (7 by default) by the worker
(`nmirf db_worker`) and by `nmirf runs --prune-uploads`.
"""

import logging
import shutil
import time
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

DEFAULT_RETENTION_DAYS = 7


def uploads_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def upload_dir(run_id: int) -> Path:
    return uploads_root() / str(run_id)


def remove(run_id: int) -> None:
    shutil.rmtree(upload_dir(run_id), ignore_errors=True)


def move(from_run: int, to_run: int) -> None:
    """A retry takes over the files of the run it retries."""
    target = upload_dir(to_run)
    shutil.rmtree(target, ignore_errors=True)
    upload_dir(from_run).rename(target)


def retention_seconds() -> float:
    days = getattr(settings, "NMIRF_UPLOAD_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)
    return float(days) * 86400


def prune(now: float | None = None) -> list[int]:
    """Remove the uploads nothing will use: those of runs that ended for good (a worker
    killed between the end of a run and the removal leaves them), and those older than the
    retention period whose run is not waiting or running. Returns the run ids pruned."""
    from .models import ImportRun

    root = uploads_root()
    if not root.is_dir():
        return []
    now = time.time() if now is None else now
    limit = retention_seconds()
    folders = {int(p.name): p for p in root.iterdir() if p.is_dir() and p.name.isdigit()}
    runs = {run.pk: run for run in ImportRun.objects.filter(pk__in=list(folders))}
    pruned = []
    for run_id, folder in sorted(folders.items()):
        run = runs.get(run_id)
        old = now - folder.stat().st_mtime > limit
        if run is None and old or run is not None and (
                run.ended_for_good or old and run.is_finished):
            shutil.rmtree(folder, ignore_errors=True)
            pruned.append(run_id)
    if pruned:
        logger.info("pruned the uploads of import runs %s", pruned)
    return pruned
