"""Live progress of an import, shared through the cache: the import's own transaction
hides its writes (the run's row included) from every other process until it commits, so
the run pages and `nmirf runs` read the figure the importing process publishes here."""

from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# A run still waiting for a worker after this long gets a word on why and what to do.
WAITING_HINT_SECONDS = 60

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


def waiting_hint(run, now=None) -> str | None:
    """Why a run still waits after WAITING_HINT_SECONDS, and what to do, for the run page
    (polled while it waits, so the words come when the minute has passed); None when it
    is not waiting, or not for long. Whether a worker is running is its heartbeat's
    (nmirf.operations.heartbeat, what /health/ reads)."""
    from nmirf.operations.heartbeat import worker_status

    if run.status != run.Status.PENDING or run.created_at is None:
        return None
    waited = (now or timezone.now()) - run.created_at
    if waited < timedelta(seconds=WAITING_HINT_SECONDS):
        return None
    minutes = max(1, int(waited.total_seconds() // 60))
    waited_words = ngettext("No background worker has taken this import for %(minutes)d "
                            "minute.", "No background worker has taken this import for "
                            "%(minutes)d minutes.", minutes) % {"minutes": minutes}
    if worker_status()["seen_recently"]:
        advice = _("The worker is running but busy, most likely with another import: this "
                   "one starts when it is done. Nothing has been written yet.")
    else:
        advice = _("The background worker that carries out imports seems to be stopped. "
                   "Ask your administrator to start it: the import will then start by "
                   "itself, with nothing to send again. Nothing has been written yet.")
    return f"{waited_words} {advice}"
