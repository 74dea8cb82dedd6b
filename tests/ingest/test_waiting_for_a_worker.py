"""An upload waits for the background worker to take it. When none has after a minute,
the run page says so and what to do, instead of "Waiting 0 %" with no word: with the
worker stopped (no heartbeat), ask the administrator to start it; with the worker alive,
it is busy with another import."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from nmirf.ingest.models import ImportRun
from nmirf.operations import heartbeat

STOPPED = "seems to be stopped"
BUSY = "running but busy"


@pytest.fixture
def waiting_run(db):
    def make(seconds_ago: int) -> ImportRun:
        run = ImportRun.objects.create(source="upr_info", files=["export.csv"])
        ImportRun.objects.filter(pk=run.pk).update(
            created_at=timezone.now() - timedelta(seconds=seconds_ago))
        run.refresh_from_db()
        return run

    cache.delete(heartbeat.KEY)
    yield make
    cache.delete(heartbeat.KEY)


def polled(client, run) -> str:
    """The progress fragment, as the page polls it every second."""
    return client.get(run.get_absolute_url() + "?fragment=progress",
                      HTTP_HX_REQUEST="true").content.decode()


def test_a_run_waiting_a_few_seconds_says_nothing_more(coordinator_client, waiting_run):
    run = waiting_run(10)
    html = polled(coordinator_client, run)
    assert "Waiting" in html
    assert STOPPED not in html and BUSY not in html


def test_with_the_worker_stopped_the_page_says_so_after_a_minute(coordinator_client,
                                                                 waiting_run):
    run = waiting_run(150)
    html = polled(coordinator_client, run)
    assert "No background worker has taken this import for 2 minutes." in html
    assert STOPPED in html and "Ask your administrator to start it" in html
    assert "Nothing has been written yet." in html
    # The whole page too, and in web words (no command to type).
    page = coordinator_client.get(run.get_absolute_url()).content.decode()
    assert STOPPED in page and "db_worker" not in page


def test_with_the_worker_alive_the_page_says_it_is_busy(coordinator_client, waiting_run):
    heartbeat.beat("worker-1")
    html = polled(coordinator_client, waiting_run(61))
    assert "for 1 minute." in html and BUSY in html and STOPPED not in html


def test_a_run_that_started_or_ended_has_no_such_word(coordinator_client, waiting_run):
    run = waiting_run(600)
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.SUCCEEDED,
                                               finished_at=timezone.now())
    run.refresh_from_db()
    page = coordinator_client.get(run.get_absolute_url()).content.decode()
    assert STOPPED not in page and BUSY not in page
