"""Imports under faults: a process killed half-way, two imports of the same file at once,
a database locked by a long writer, errors whose texts must not reach the reader, a post
with no file, and the Retry of an interrupted run.

The kill and concurrency tests run the real `nmirf` command in subprocesses against a
scratch database of their own (a SQLite file, or a PostgreSQL database beside the test
database when the suite runs on PostgreSQL), since the test database lives inside the test's
own transaction (and, on SQLite, in memory)."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DataError, IntegrityError, connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from nmirf.ingest import liveness, uploads
from nmirf.ingest.models import ImportRun
from nmirf.ingest.pipeline import ImportFailed, InputFile, run_import, start_run
from nmirf.recommendations.models import Recommendation
from tests.conftest import REPO, registry_snapshot

HEADER = "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session"
URL = reverse("ingest:run_list")
NMIRF = Path(sys.executable).parent / "nmirf"


def upr_info_csv(path: Path, rows: int, start: int = 0) -> Path:
    lines = [HEADER] + [
        f'Slovenia,EEG,EU,"Recommendation {i}: ratify the convention number {i} and report '
        f'on it.",France,WEOG,EU,Accepted,5,"Migrants",7'
        for i in range(start, start + rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- the page: no file, error texts, retry ----------------------------------------------

def test_a_post_with_no_files_is_refused_with_a_form_error_and_creates_no_run(
        coordinator_client):
    before = registry_snapshot()
    response = coordinator_client.post(URL, {"source": "upr_info"})
    assert response.status_code == 200
    assert "Choose at least one file to import." in response.content.decode()
    assert not ImportRun.objects.exists()
    assert registry_snapshot() == before


@pytest.mark.parametrize("error", [
    IntegrityError("UNIQUE constraint failed: recommendations_sourcerecord.source"),
    DataError("smallint out of range"),
    OverflowError("Python int too large to convert to SQLite INTEGER"),
])
def test_database_and_python_error_texts_go_to_the_log_not_to_the_reader(
        coordinator_client, tmp_path, monkeypatch, caplog, capsys, error):
    def broken_commit(*args, **kwargs):
        raise error

    monkeypatch.setattr("nmirf.ingest.pipeline.Commit.add", broken_commit)
    before = registry_snapshot()
    path = upr_info_csv(tmp_path / "export.csv", 2)
    run = start_run("upr_info", [InputFile(path, "export.csv")])
    with pytest.raises(ImportFailed) as failed:
        run_import(run, [InputFile(path, "export.csv")])
    run.refresh_from_db()
    assert run.status == "failed" and run.failure == "error"
    reference = run.message_data["params"]["reference"]
    assert str(error) not in str(failed.value) and reference in str(failed.value)
    page = coordinator_client.get(run.get_absolute_url()).content.decode()
    assert str(error) not in page and type(error).__name__ not in page
    assert "unexpected error" in page and reference in page
    # In the reader's language too: the message is stored with its template.
    french = coordinator_client.get(run.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr")
    assert str(error) not in french.content.decode()
    # The administrator finds the details in the log under the same reference.
    logged = [r for r in caplog.records if reference in r.getMessage()]
    assert logged and str(error) in logged[0].exc_text
    assert registry_snapshot() == before

    from django.core.management import call_command
    with pytest.raises(SystemExit):
        call_command("import", "upr-info", str(path))
    # Standard error carries the log too (JSON lines, with the details, for the
    # administrator); the command's own line is the one that is not a log record.
    (line,) = [text for text in capsys.readouterr().err.splitlines()
               if text and not text.startswith("{")]
    assert str(error) not in line and "unexpected error" in line


@pytest.fixture
def interrupted_upload(coordinator, tmp_path):
    """A web run whose worker died while it ran: failed, interrupted, its file kept."""
    run = ImportRun.objects.create(source="upr_info", files=["export.csv"],
                                   created_by=coordinator)
    folder = uploads.upload_dir(run.pk)
    folder.mkdir(parents=True)
    upr_info_csv(folder / "00", 3)
    ImportRun.objects.filter(pk=run.pk).update(status="running", holder=f"{liveness.HOST} "
                                               f"{_dead_pid()} 1")
    return run


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_run_whose_process_died_is_marked_interrupted_when_its_page_is_opened(
        coordinator_client, interrupted_upload):
    page = coordinator_client.get(interrupted_upload.get_absolute_url()).content.decode()
    interrupted_upload.refresh_from_db()
    assert interrupted_upload.status == "failed"
    assert interrupted_upload.failure == "interrupted"
    assert "The import was interrupted" in page and "Nothing was written" in page
    assert "every 1s" not in page  # no longer polling as if it still ran
    assert "Retry this import" in page


def test_a_running_run_whose_process_lives_stays_running(coordinator_client, db):
    run = ImportRun.objects.create(source="upr_info", files=["a.csv"], status="running",
                                   holder=liveness.process_token())
    coordinator_client.get(URL)
    run.refresh_from_db()
    assert run.status == "running"


def test_a_run_held_on_another_host_is_judged_by_its_heartbeat(db, settings):
    settings.NMIRF_IMPORT_STALE_SECONDS = 60
    fresh = ImportRun.objects.create(source="upr_info", status="running",
                                     holder="elsewhere 123 456", heartbeat_at=timezone.now())
    stale = ImportRun.objects.create(source="upr_info", status="running",
                                     holder="elsewhere 124 456",
                                     heartbeat_at=timezone.now() - timedelta(minutes=5))
    ImportRun.objects.filter(pk=stale.pk).update(
        created_at=timezone.now() - timedelta(minutes=5))
    assert liveness.reap_abandoned() == [stale.pk]
    assert ImportRun.objects.get(pk=fresh.pk).status == "running"


def test_nmirf_runs_marks_and_shows_an_interrupted_run(interrupted_upload, capsys):
    from django.core.management import call_command

    call_command("runs")
    assert "failed (interrupted)" in capsys.readouterr().out


def test_a_coordinator_retries_an_interrupted_run_from_its_page(
        coordinator_client, interrupted_upload, django_capture_on_commit_callbacks):
    coordinator_client.get(interrupted_upload.get_absolute_url())  # marked interrupted
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(reverse("ingest:retry",
                                                   args=[interrupted_upload.pk]))
    again = ImportRun.objects.get(retry_of=interrupted_upload)
    assert response.url == again.get_absolute_url()
    assert again.status == "succeeded" and again.created == 3
    assert Recommendation.objects.count() == 3
    # The files served the retry, which ended for good: removed, and no second retry.
    assert not uploads.upload_dir(again.pk).exists()
    assert not uploads.upload_dir(interrupted_upload.pk).exists()
    page = coordinator_client.get(interrupted_upload.get_absolute_url()).content.decode()
    assert "Retry this import" not in page and f"#{again.pk}" in page
    response = coordinator_client.post(reverse("ingest:retry", args=[interrupted_upload.pk]),
                                       follow=True)
    assert "cannot be retried" in response.content.decode()
    assert ImportRun.objects.count() == 2


@pytest.mark.parametrize("persona", ["focal_point_client", "observer_client"])
def test_only_people_who_may_import_retry(request, interrupted_upload, persona):
    client = request.getfixturevalue(persona)
    before = registry_snapshot()
    assert client.post(reverse("ingest:retry", args=[interrupted_upload.pk])).status_code == 403
    assert ImportRun.objects.count() == 1 and registry_snapshot() == before


def test_retry_wants_a_post_with_its_csrf_token(coordinator, interrupted_upload):
    client = Client(enforce_csrf_checks=True)
    client.force_login(coordinator)
    url = reverse("ingest:retry", args=[interrupted_upload.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 403
    assert ImportRun.objects.count() == 1


def test_a_file_refused_for_its_own_problems_is_not_kept_nor_retried(
        coordinator_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        coordinator_client.post(URL, {"source": "upr_info", "files": SimpleUploadedFile(
            "export.csv", (HEADER + "\nSlovenia,EEG,EU,,France,WEOG,EU,Accepted,5,,7\n")
            .encode())})
    run = ImportRun.objects.get()
    assert run.status == "failed" and run.failure == "file"
    assert not uploads.upload_dir(run.pk).exists()
    assert "Retry this import" not in coordinator_client.get(
        run.get_absolute_url()).content.decode()
    assert coordinator_client.post(reverse("ingest:retry", args=[run.pk])).status_code == 302
    assert ImportRun.objects.count() == 1


def test_an_upload_is_kept_after_an_unexpected_error_so_that_it_can_be_retried(
        coordinator_client, monkeypatch, django_capture_on_commit_callbacks, tmp_path):
    def broken_commit(*args, **kwargs):
        raise IntegrityError("boom")

    monkeypatch.setattr("nmirf.ingest.pipeline.Commit.add", broken_commit)
    with django_capture_on_commit_callbacks(execute=True):
        coordinator_client.post(URL, {"source": "upr_info", "files": SimpleUploadedFile(
            "export.csv", upr_info_csv(tmp_path / "x.csv", 2)
            .read_bytes())})
    run = ImportRun.objects.get()
    assert run.failure == "error" and uploads.upload_dir(run.pk).is_dir()
    assert "Retry this import" in coordinator_client.get(run.get_absolute_url()).content.decode()


def test_stale_uploads_are_pruned_after_the_retention_period(interrupted_upload, settings):
    settings.NMIRF_UPLOAD_RETENTION_DAYS = 7
    liveness.reap_abandoned()
    folder = uploads.upload_dir(interrupted_upload.pk)
    orphan = uploads.upload_dir(999_999)
    orphan.mkdir(parents=True)
    assert uploads.prune() == [] and folder.is_dir() and orphan.is_dir()  # young: kept
    later = time.time() + 8 * 86400
    assert uploads.prune(now=later) == [interrupted_upload.pk, 999_999]
    assert not folder.exists() and not orphan.exists()


def test_a_pending_upload_is_never_pruned(coordinator, settings):
    run = ImportRun.objects.create(source="upr_info", files=["a.csv"], created_by=coordinator)
    uploads.upload_dir(run.pk).mkdir(parents=True)
    assert uploads.prune(now=time.time() + 30 * 86400) == []


# -- real processes on a scratch database ------------------------------------------------

class Scratch:
    def __init__(self, env: dict, vendor: str, sqlite_path: Path | None, cache_dir: Path):
        self.env, self.vendor, self.sqlite_path, self.cache_dir = (
            env, vendor, sqlite_path, cache_dir)

    def nmirf(self, *args, check=True) -> subprocess.CompletedProcess:
        result = subprocess.run([str(NMIRF), *map(str, args)], env=self.env, cwd=REPO,
                                capture_output=True, text=True, timeout=300)
        if check and result.returncode != 0:
            raise AssertionError(f"nmirf {args} exited {result.returncode}: {result.stderr}")
        return result

    def popen(self, *args) -> subprocess.Popen:
        return subprocess.Popen([str(NMIRF), *map(str, args)], env=self.env, cwd=REPO,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def query(self, code: str):
        """Run Python in the scratch database's settings; `result` is printed as JSON."""
        script = ("import json, django; django.setup()\n"
                  "from tests.conftest import registry_snapshot\n"
                  "from nmirf.ingest.models import ImportRun\n"
                  f"{code}\nprint(json.dumps(result, default=str))")
        out = subprocess.run([sys.executable, "-c", script], env=self.env, cwd=REPO,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout.strip().splitlines()[-1])

    def snapshot(self) -> dict:
        return self.query("result = registry_snapshot()")

    def runs(self) -> list[dict]:
        return self.query("result = list(ImportRun.objects.order_by('pk').values("
                          "'pk', 'status', 'failure', 'created', 'unchanged', 'message'))")

    def progress(self, run_id: int) -> dict | None:
        from django.core.cache.backends.filebased import FileBasedCache

        return FileBasedCache(str(self.cache_dir), {}).get(f"import-progress-{run_id}")


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """The production settings serve hashed static file names from a manifest that
    `collectstatic` writes: once for every scratch process that renders a page."""
    root = tmp_path_factory.mktemp("static")
    subprocess.run([str(NMIRF), "collectstatic", "--no-input", "-v0"], check=True,
                   env=dict(os.environ, DJANGO_SETTINGS_MODULE="nmirf.settings",
                            STATIC_ROOT=str(root)), cwd=REPO, timeout=120)
    return root


@pytest.fixture
def scratch(tmp_path, collected_static):
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="nmirf.settings",
               NMIRF_DATA_DIR=str(tmp_path / "var"), PYTHONPATH=str(REPO),
               STATIC_ROOT=str(collected_static))
    env.pop("CACHE_BACKEND", None)
    env.pop("CACHE_LOCATION", None)
    vendor = connection.vendor
    sqlite_path = None
    if vendor == "postgresql":
        import psycopg

        settings_dict = connection.settings_dict
        name = f"{settings_dict['NAME']}_scratch"
        address = (f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}"
                   f":{settings_dict['PORT'] or 5432}")
        with psycopg.connect(f"{address}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = f"{address}/{name}"
    else:
        sqlite_path = tmp_path / "scratch.sqlite3"
        env["DATABASE_URL"] = f"sqlite:///{sqlite_path}"
    box = Scratch(env, vendor, sqlite_path, tmp_path / "var" / "cache")
    box.nmirf("migrate", "-v0")  # which loads the reference data
    yield box
    if vendor == "postgresql":
        with psycopg.connect(f"{address}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _wait_for_writing(box: Scratch, process: subprocess.Popen, run_id: int) -> dict:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        live = box.progress(run_id)
        if live and live["phase"] == "writing" and live["done"] >= 5000:
            return live
        if process.poll() is not None:
            raise AssertionError(f"the import ended before it was killed: "
                                 f"{process.communicate()}")
        time.sleep(0.02)
    raise AssertionError("the import never reached its writing phase")


def test_an_import_killed_half_way_writes_nothing_says_so_and_can_be_rerun(
        scratch, tmp_path):
    scratch.nmirf("import", "upr-info", upr_info_csv(tmp_path / "small.csv", 5, start=10**6))
    before = scratch.snapshot()
    big = upr_info_csv(tmp_path / "big.csv", 60_000)

    process = scratch.popen("import", "upr-info", big)
    live = _wait_for_writing(scratch, process, run_id=2)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert 0 < live["done"] < 60_000

    assert scratch.snapshot() == before  # the half-written transaction is gone
    listing = scratch.nmirf("runs").stdout  # anyone looking finds it out
    assert "failed (interrupted)" in listing
    run = scratch.runs()[1]
    assert run["status"] == "failed" and run["failure"] == "interrupted"
    assert "interrupted" in run["message"] and "Nothing was written" in run["message"]

    rerun = scratch.nmirf("import", "upr-info", big)
    assert "created: 60,000" in rerun.stdout
    assert scratch.query("from nmirf.recommendations.models import Recommendation\n"
                         "result = Recommendation.objects.count()") == 60_005


def test_two_imports_of_the_same_file_at_once_never_duplicate(scratch, tmp_path):
    path = upr_info_csv(tmp_path / "same.csv", 20_000)
    first = scratch.popen("import", "upr-info", path)
    second = scratch.popen("import", "upr-info", path)
    outcomes = [process.communicate(timeout=300) + (process.returncode,)
                for process in (first, second)]
    for _stdout, stderr, code in outcomes:
        assert code == 0, stderr
        assert "Traceback" not in stderr
    runs = scratch.runs()
    assert [run["status"] for run in runs] == ["succeeded", "succeeded"]
    # One wrote everything; the other waited for it and found everything unchanged.
    assert sorted((run["created"], run["unchanged"]) for run in runs) == [
        (0, 20_000), (20_000, 0)]
    assert scratch.query("from nmirf.recommendations.models import Recommendation, "
                         "SourceRecord\nresult = [Recommendation.objects.count(), "
                         "SourceRecord.objects.count()]") == [20_000, 20_000]


# -- SQLite under write contention -------------------------------------------------------

def _hold_write_lock(path: Path, seconds: float, held: threading.Event) -> None:
    lock = sqlite3.connect(path, timeout=60)
    lock.execute("BEGIN IMMEDIATE")
    lock.execute("UPDATE ingest_importrun SET message = message")
    held.set()
    time.sleep(seconds)
    lock.rollback()
    lock.close()


LOGIN_SCRIPT = """
import django; django.setup()
from django.test import Client
from django.urls import reverse
from nmirf.accounts.models import User
User.objects.create_user("clerk", password="a-long-passphrase-2026", role="coordinator")
print("ready", flush=True)
input()
client = Client()
response = client.post(reverse("accounts:login"),
                       {"username": "clerk", "password": "a-long-passphrase-2026"})
print(response.status_code, response.get("Location", ""), flush=True)
print(client.get(reverse("ingest:run_list")).status_code, flush=True)
"""


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite's write lock")
def test_a_login_waits_for_a_write_lock_held_a_few_seconds_and_succeeds(scratch):
    process = subprocess.Popen([sys.executable, "-c", LOGIN_SCRIPT], env=scratch.env,
                               cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready"
    held = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(scratch.sqlite_path, 3, held))
    holder.start()
    held.wait(10)
    stdout, stderr = process.communicate("\n", timeout=120)
    holder.join()
    login, listing = stdout.split("\n")[:2]
    assert login.startswith("302 "), stderr
    assert listing == "200", stderr


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite's write lock")
def test_the_worker_lives_through_a_write_lock_longer_than_the_busy_timeout(scratch):
    # (django-tasks-db's own db_worker exits here with "database is locked".)
    scratch.env["NMIRF_SQLITE_TIMEOUT"] = "1"
    worker = scratch.popen("db_worker", "--interval", "0.1", "--no-startup-delay")
    try:
        time.sleep(3)  # started and polling
        held = threading.Event()
        holder = threading.Thread(target=_hold_write_lock,
                                  args=(scratch.sqlite_path, 4, held))
        holder.start()
        held.wait(10)
        holder.join()
        time.sleep(1)
        assert worker.poll() is None, worker.communicate()
    finally:
        worker.terminate()
        stdout, stderr = worker.communicate(timeout=30)
    assert "the database refused the worker" in stdout + stderr


BUSY_MIDDLEWARE = "nmirf.ingest.busy.DatabaseBusyMiddleware"


def test_the_busy_page_is_part_of_the_middleware(settings):
    assert BUSY_MIDDLEWARE in settings.MIDDLEWARE


def test_a_request_that_gives_up_on_a_locked_database_gets_a_busy_page_not_a_500(
        coordinator_client, settings, monkeypatch):
    from django.db import OperationalError

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr("nmirf.ingest.views.Paginator", locked)
    response = coordinator_client.get(URL)
    assert response.status_code == 503 and response["Retry-After"] == "10"
    page = response.content.decode()
    assert "Busy, try again" in page and "database is locked" not in page


def test_other_database_errors_are_not_taken_for_busy(coordinator_client, settings,
                                                      monkeypatch):
    from django.db import OperationalError

    def broken(*args, **kwargs):
        raise OperationalError("no such table: x")

    monkeypatch.setattr("nmirf.ingest.views.Paginator", broken)
    coordinator_client.raise_request_exception = True
    with pytest.raises(OperationalError):
        coordinator_client.get(URL)


ENQUEUE_SCRIPT = """
import django; django.setup()
from pathlib import Path
from nmirf.ingest.models import ImportRun
from nmirf.ingest.tasks import run_import_task
from nmirf.ingest.uploads import upload_dir
from nmirf.accounts.models import User
user = User.objects.create_user("clerk", password="a-long-passphrase-2026", role="coordinator")
run = ImportRun.objects.create(source="upr_info", files=["big.csv"], created_by=user)
upload_dir(run.pk).mkdir(parents=True)
upload_dir(run.pk).joinpath("00").write_bytes(Path({path!r}).read_bytes())
run_import_task.enqueue(run.pk, ["big.csv"])
print(run.pk)
"""

RETRY_SCRIPT = """
import django; django.setup()
from django.test import Client
from django.urls import reverse
from nmirf.accounts.models import User
client = Client()
client.force_login(User.objects.get(username="clerk"))
page = client.get(reverse("ingest:run_detail", args=[{run}])).content.decode()
assert "Retry this import" in page, page
response = client.post(reverse("ingest:retry", args=[{run}]))
print(response.status_code, response["Location"])
"""


def test_a_worker_killed_mid_job_leaves_a_run_that_says_so_and_is_retried_from_its_page(
        scratch, tmp_path):
    before = scratch.snapshot()
    big = upr_info_csv(tmp_path / "big.csv", 60_000)
    run_id = int(subprocess.run(
        [sys.executable, "-c", ENQUEUE_SCRIPT.format(path=str(big))], env=scratch.env,
        cwd=REPO, capture_output=True, text=True, check=True).stdout.split()[-1])
    worker = scratch.popen("db_worker", "--interval", "0.1", "--no-startup-delay")
    _wait_for_writing(scratch, worker, run_id)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    assert scratch.snapshot() == before

    # A restarted worker does not run it again on its own (docs/admin-guide.md says why),
    # but marks it interrupted at its start, and its upload is kept for a retry.
    scratch.nmirf("db_worker", "--batch", "--no-startup-delay")
    [run] = scratch.runs()
    assert run["status"] == "failed" and run["failure"] == "interrupted"
    upload = scratch.env["NMIRF_DATA_DIR"] + f"/media/imports/{run_id}/00"
    assert Path(upload).is_file()
    assert scratch.snapshot() == before

    retried = subprocess.run([sys.executable, "-c", RETRY_SCRIPT.format(run=run_id)],
                             env=scratch.env, cwd=REPO, capture_output=True, text=True)
    assert retried.stdout.startswith("302 "), retried.stderr
    scratch.nmirf("db_worker", "--batch", "--no-startup-delay")
    first, again = scratch.runs()
    assert first["failure"] == "interrupted"
    assert again["status"] == "succeeded" and again["created"] == 60_000
    assert not Path(upload).exists()
    assert not Path(scratch.env["NMIRF_DATA_DIR"] + f"/media/imports/{again['pk']}").exists()


def _lock_wait_error():
    from django.db import OperationalError

    if connection.vendor == "postgresql":
        import psycopg

        error = OperationalError("canceling statement due to lock timeout")
        error.__cause__ = psycopg.errors.LockNotAvailable("canceling statement due to lock "
                                                          "timeout")
        return error
    return OperationalError("database is locked")


def test_an_import_waits_for_the_registry_lock_then_writes(db, reference_data, tmp_path,
                                                           monkeypatch):
    from nmirf.ingest import pipeline

    refusals = [_lock_wait_error(), _lock_wait_error()]
    real_lock = pipeline.lock_registry

    def busy_then_free():
        if refusals:
            raise refusals.pop()
        real_lock()

    monkeypatch.setattr(pipeline, "lock_registry", busy_then_free)
    monkeypatch.setattr(pipeline.time, "sleep", lambda seconds: None)
    path = upr_info_csv(tmp_path / "export.csv", 3)
    run = run_import(start_run("upr_info", [InputFile(path, "export.csv")]),
                     [InputFile(path, "export.csv")])
    assert not refusals and run.status == "succeeded" and run.created == 3


def test_an_import_that_waited_too_long_gives_up_with_one_clear_line(
        db, reference_data, tmp_path, monkeypatch, settings, capsys):
    from django.core.management import call_command

    from nmirf.ingest import pipeline

    def always_busy():
        raise _lock_wait_error()

    settings.NMIRF_IMPORT_WAIT_SECONDS = 0
    monkeypatch.setattr(pipeline, "lock_registry", always_busy)
    before = registry_snapshot()
    path = upr_info_csv(tmp_path / "export.csv", 3)
    with pytest.raises(SystemExit) as exited:
        call_command("import", "upr-info", str(path))
    assert exited.value.code == 2
    line = capsys.readouterr().err
    assert line.strip() == ("Another import is writing to the registry; nothing was written. "
                            "Try again when it has finished.")
    run = ImportRun.objects.get()
    assert run.status == "failed" and run.failure == "busy"
    assert registry_snapshot() == before


def test_a_worker_job_whose_run_the_locked_database_stopped_does_not_stay_running(
        coordinator, tmp_path, monkeypatch):
    from django.db import OperationalError

    from nmirf.ingest import tasks

    run = ImportRun.objects.create(source="upr_info", files=["a.csv"], created_by=coordinator)
    uploads.upload_dir(run.pk).mkdir(parents=True)

    def locked_midway(run, files):
        ImportRun.objects.filter(pk=run.pk).update(status="running",
                                                   holder=liveness.process_token())
        raise OperationalError("database is locked")

    monkeypatch.setattr(tasks, "run_import", locked_midway)
    tasks.run_import_task.call(run.pk, ["a.csv"])
    run.refresh_from_db()
    assert run.status == "failed" and run.failure == "interrupted"
    assert run.is_retryable  # its upload kept
