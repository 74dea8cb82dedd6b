"""Live progress of an import, shared through the cache: the import's own transaction
hides its writes (the run's row included) from every other process until it commits, so
the run pages and `nmirf runs` read the figure the importing process publishes here."""

from django.core.cache import cache

PROGRESS_KEY = "import-progress-{}"


def publish(run_id: int, phase: str, done: int, total: int) -> None:
    percent = int(100 * done / total) if total else 0
    cache.set(PROGRESS_KEY.format(run_id),
              {"phase": phase, "done": done, "total": total, "percent": percent},
              timeout=3600)


def clear(run_id: int) -> None:
    cache.delete(PROGRESS_KEY.format(run_id))


def progress_of(run) -> dict:
    """What the progress bar shows: the live figure from the importing process, else the
    run's own."""
    live = cache.get(PROGRESS_KEY.format(run.pk))
    if live and run.status == run.Status.RUNNING:
        return live
    return {"phase": run.get_status_display(), "done": run.progress_done,
            "total": run.progress_total, "percent": run.progress_percent}
