"""`nmirf serve` in production form: gunicorn and the background worker started together,
a page served over HTTP, static files hashed, compressed and cached for a year, the worker
seen by /health/, and both stopped cleanly by one SIGTERM. Refusals first: what would serve
badly does not start."""

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from .processes import NMIRF, free_port, nmirf, production_env, run

pytestmark = pytest.mark.skipif(not Path("/proc/self/environ").exists(),
                                reason="gunicorn serves on POSIX; /proc finds its processes")


@pytest.fixture
def database_url(tmp_path):
    """A database of this test's own: SQLite in tmp_path, or a fresh PostgreSQL database
    on the server the suite runs against (dropped afterwards)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path / 'nmirf.sqlite3'}"
        return
    import psycopg

    name = f"nmirf_serve_{uuid.uuid4().hex[:8]}"
    base = url.rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{base}/{name}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def get(url: str, **headers):
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def processes_marked(mark: str) -> list[int]:
    """Processes (ours, alive) whose environment carries the mark."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if f"NMIRF_TEST_MARK={mark}".encode() in (entry / "environ").read_bytes():
                stat = (entry / "stat").read_text()
                if stat.rsplit(")", 1)[1].split()[0] != "Z":
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


def wait_until_healthy(base: str, server: subprocess.Popen, err: Path) -> dict:
    """/health/ once gunicorn answers and the worker has beaten: at most 30 s."""
    health = None
    for _ in range(300):
        try:
            status, _, body = get(f"{base}/health/")
            health = json.loads(body)
            if status == 200 and health["worker"]["seen_recently"]:
                return health
        except OSError:
            pass
        assert server.poll() is None, err.read_text()
        time.sleep(0.1)
    raise AssertionError(f"not healthy in 30 s: {health}")


def cmdline(pid: int) -> str:
    return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()


def test_it_refuses_to_serve_with_debug_on(tmp_path):
    result = nmirf("serve", env=production_env(tmp_path, DEBUG="true"))
    assert result.returncode == 78
    assert result.stderr.strip().splitlines() == [
        "Refused: DEBUG is on: the production server never shows debug pages; unset DEBUG "
        "(use `nmirf runserver` to debug)"]


def test_it_refuses_to_serve_an_unmigrated_database(tmp_path):
    result = nmirf("serve", "--no-collectstatic", env=production_env(tmp_path))
    assert result.returncode == 78
    (line,) = result.stderr.strip().splitlines()
    assert re.fullmatch(r"Refused: \d+ database migrations are not applied: run `nmirf "
                        r"migrate` first", line)


def test_it_serves_pages_and_runs_the_worker_until_stopped(tmp_path, database_url):
    mark = uuid.uuid4().hex
    env = production_env(tmp_path, NMIRF_HTTPS=None, DATABASE_URL=database_url,
                         NMIRF_TEST_MARK=mark)
    migrated = nmirf("migrate", "-v0", env=env, timeout=300)
    assert migrated.returncode == 0, migrated.stderr
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    out, err = tmp_path / "serve.out", tmp_path / "serve.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        server = subprocess.Popen([str(NMIRF), "serve", "--port", str(port), "--workers", "1",
                                   "--threads", "2"], env=env, stdout=stdout, stderr=stderr)
    try:
        health = wait_until_healthy(base, server, err)
        assert health["status"] == "ok" and health["database"] == "ok"

        status, headers, body = get(f"{base}/accounts/login/")
        assert status == 200
        assert headers["Server"] == "gunicorn"
        assert "Content-Security-Policy" in headers
        page = body.decode()
        assert "<h1 class=\"h3 mb-3\">Log in</h1>" in page
        css = re.search(r'href="(/static/nmirf/app\.[0-9a-f]{12}\.css)"', page).group(1)
        status, headers, body = get(base + css, **{"Accept-Encoding": "gzip"})
        assert status == 200
        assert headers["Cache-Control"] == "max-age=315360000, public, immutable"
        assert headers["Content-Encoding"] == "gzip"
        assert len(processes_marked(mark)) >= 3  # serve, gunicorn (master, worker), worker

        # The container's health check asks the same, by the first allowed host name.
        probe = run([sys.executable, "-m", "nmirf.operations.probe", "--port", str(port),
                     "--require-worker"], env, timeout=30)
        assert probe.returncode == 0, probe.stderr
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            raise
    assert code == 0, err.read_text()
    assert processes_marked(mark) == []
    with pytest.raises(OSError):
        get(f"{base}/health/")
    assert out.read_text().startswith(f"nmirf serve: {base}/ (gunicorn: 1 web worker")
    lines = [json.loads(line) for line in err.read_text().splitlines()]
    loggers = {line["logger"] for line in lines}
    assert {"gunicorn.error", "gunicorn.access", "django_tasks_db"} <= loggers
    access = [line for line in lines if line["logger"] == "gunicorn.access"
              and line.get("path") == "/accounts/login/"]
    assert access and access[0]["status"] == 200 and access[0]["method"] == "GET"


def test_when_one_process_dies_the_other_is_stopped_too(tmp_path):
    """A worker killed outright (out of memory, kill -9): `nmirf serve` stops gunicorn and
    exits with a failure, so that the service manager restarts the pair."""
    mark = uuid.uuid4().hex
    env = production_env(tmp_path, NMIRF_HTTPS=None, NMIRF_TEST_MARK=mark)
    assert nmirf("migrate", "-v0", env=env, timeout=300).returncode == 0
    port = free_port()
    err = tmp_path / "serve.err"
    with err.open("w") as stderr:
        server = subprocess.Popen([str(NMIRF), "serve", "--port", str(port), "--workers", "1",
                                   "--threads", "1"], env=env, stdout=subprocess.DEVNULL,
                                  stderr=stderr)
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}", server, err)
        (worker,) = [pid for pid in processes_marked(mark) if "db_worker" in cmdline(pid)]
        os.kill(worker, signal.SIGKILL)
        code = server.wait(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
    assert code == 1
    assert processes_marked(mark) == []
    assert "nmirf serve: the background worker stopped (exit status -9); stopping the rest" \
        in err.read_text()
