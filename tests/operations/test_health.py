"""/health/ for load balancers and monitors: the database answers one cheap query, and a
background worker was seen recently (its heartbeat, recorded by `nmirf db_worker`)."""

import time

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import OperationalError

from nmirf.operations import health as health_module
from nmirf.operations.heartbeat import KEY, STALE_SECONDS, beat, last_beat


@pytest.fixture(autouse=True)
def _no_heartbeat_yet():
    cache.delete(KEY)
    yield
    cache.delete(KEY)


def get_health(client, query=""):
    response = client.get("/health/" + query)
    return response.status_code, response.json()


def test_it_answers_without_login_or_language_prefix(client, db):
    status, body = get_health(client)
    assert status == 200
    assert body["database"] == "ok"
    assert client.get("/fr/health/").status_code == 404
    assert client.get("/health/")["Cache-Control"].startswith("max-age=0")


def test_a_probe_may_ask_with_head_for_the_status_alone(client, db):
    response = client.head("/health/")
    assert response.status_code == 200 and not response.content
    assert client.post("/health/").status_code == 405


def test_a_worker_never_seen_is_reported_and_keeps_200(client, db):
    status, body = get_health(client)
    assert (status, body) == (200, {"status": "degraded", "database": "ok", "worker": {
        "seen_recently": False, "last_seen_seconds_ago": None}})


def test_a_monitor_can_require_the_worker(client, db):
    assert get_health(client, "?require=worker")[0] == 503
    beat("worker-1")
    assert get_health(client, "?require=worker")[0] == 200


def test_a_worker_that_beat_just_now_is_seen(client, db):
    beat("worker-1")
    status, body = get_health(client)
    assert status == 200
    assert body["status"] == "ok"
    assert body["worker"]["seen_recently"] is True
    assert 0 <= body["worker"]["last_seen_seconds_ago"] <= 5


def test_a_worker_silent_for_long_is_not_seen_recently(client, db):
    beat("worker-1")
    record = last_beat()
    cache.set(KEY, {**record, "at": time.time() - STALE_SECONDS - 240})
    status, body = get_health(client)
    assert status == 200
    assert body["status"] == "degraded"
    assert body["worker"]["seen_recently"] is False
    assert body["worker"]["last_seen_seconds_ago"] >= STALE_SECONDS + 240


def test_a_database_that_does_not_answer_gives_503_without_details(client, db, monkeypatch):
    class Unreachable:
        def cursor(self):
            raise OperationalError("could not connect to server at db.internal:5432")

    monkeypatch.setattr(health_module, "connection", Unreachable())
    beat("worker-1")
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["database"] == "error"
    assert "db.internal" not in response.content.decode()


def test_the_worker_command_records_a_heartbeat(settings, transactional_db):
    """`nmirf db_worker` is django-tasks-db's worker with a heartbeat: one run of it (in
    batch mode, which stops when the queue is empty) leaves the worker seen."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert last_beat() is None
    call_command("db_worker", "--batch", "--no-startup-delay", "--worker-id", "w-test",
                 verbosity=0)
    assert last_beat()["worker_id"] == "w-test"
