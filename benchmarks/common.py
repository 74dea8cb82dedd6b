"""Shared helpers for the benchmarks: paths, the machine's description, timing statistics,
and running the real `nmirf` command against a given database.

The benchmarks are scripts, not tests: they run the product as a user would (the `nmirf`
console script in a subprocess, or Django's test Client in a process of their own) and
write figures to benchmarks/RESULTS.md. Nothing here imports Django, so run.py stays
independent of the settings of any one database.
"""

import datetime
import http.cookiejar
import json
import os
import platform
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import NamedTuple

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
OUT = BENCH_DIR / "out"  # gitignored: generated data and cached databases
RAW = (REPO / ".." / "shared" / "data" / "raw").resolve()
UPR_INFO_DIR = RAW / "upr_info_sessions_01-20"
VENV_BIN = REPO / ".venv" / "bin"
PYTHON = VENV_BIN / "python" if (VENV_BIN / "python").exists() else Path(sys.executable)
NMIRF = VENV_BIN / "nmirf"
# The console script, or — in a checkout without its own .venv (a git worktree beside the
# main clone, run with that clone's interpreter) — its module, run from the repository.
NMIRF_COMMAND = [NMIRF] if NMIRF.exists() else [PYTHON, "-m", "nmirf.cli"]

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DATABASE = os.environ.get("BENCH_PG_DATABASE", "nmirf_bench")
# The database CI runs the test suite in: never touched here.
PG_FORBIDDEN = {"test", "postgres", "template0", "template1"}


def upr_info_files() -> list[Path]:
    """The six shared UPR Info exports, or [] where ../shared/data/raw is absent."""
    if not UPR_INFO_DIR.is_dir():
        return []
    return sorted(UPR_INFO_DIR.glob("*.csv"))


def skip_line(what: str) -> str:
    return (f"{what}: skipped — the shared UPR Info exports were not found at {UPR_INFO_DIR} "
            "(the benchmarks read ../shared/data/raw beside the clone).")


def skipped_without_data(what: str) -> dict | None:
    """A benchmark's result where the shared UPR Info exports are absent (a line that says
    so, logged), else None."""
    if upr_info_files():
        return None
    line = skip_line(what)
    log(line)
    return {"skipped": line, "markdown": f"_{line}_\n"}


def kinds_table(kinds: dict) -> list[str]:
    """The Markdown table of what each kind of request is."""
    return ["| kind | what |", "|---|---|", *(f"| {k} | {v} |" for k, v in kinds.items()), ""]


# -- statistics --------------------------------------------------------------------------

def summary(values: list[float]) -> dict:
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "median": statistics.median(ordered),
        "min": ordered[0],
        "max": ordered[-1],
        "p95": percentile(ordered, 95),
    }


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation: with 30 samples, p95 is the 29th)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil
    return ordered[int(rank) - 1]


# -- processes ---------------------------------------------------------------------------

class Timed(NamedTuple):
    wall: float  # seconds, wall clock, from fork to exit
    cpu: float  # seconds of user + system CPU time the child used (less noisy on a busy box)
    stdout: str
    returncode: int
    max_rss_mb: float = 0.0  # the child's peak resident memory (its own, from wait4)


def timed_run(argv: list, env: dict | None = None, cwd: Path = REPO,
              expect: int = 0) -> Timed:
    """Run a command to completion and time it. Raise unless it exits with `expect`.
    Its output goes through temporary files, so that the child can be reaped with wait4,
    which gives its own resource usage (peak memory included) rather than the sum or the
    maximum over every child this process ever had."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([str(a) for a in argv], env=env, cwd=cwd, stdout=out,
                                stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    if proc.returncode != expect:
        raise RuntimeError(
            f"{' '.join(map(str, argv[:3]))} … exited {proc.returncode}: "
            f"{(stderr or stdout).strip()[-2000:]}"
        )
    # ru_maxrss is in kilobytes on Linux.
    return Timed(elapsed, usage.ru_utime + usage.ru_stime, stdout, proc.returncode,
                 usage.ru_maxrss / 1024)


def nmirf_env(database_url: str, **extra) -> dict:
    env = dict(os.environ)
    env.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="nmirf.settings",
               PYTHONDONTWRITEBYTECODE="")
    # Keep the file cache and any stray SQLite file of the product out of the repository.
    env.setdefault("NMIRF_DATA_DIR", str(OUT / "var"))
    env.update(extra)
    return env


def nmirf(args: list, database_url: str, **kwargs) -> Timed:
    return timed_run([*NMIRF_COMMAND, *args], env=nmirf_env(database_url), **kwargs)


def measure_in_subprocess(script: Path, database_url: str, args: list, timeout: float) -> dict:
    """Run `script measure --database-url URL ARGS…` (Django set up for that database in
    a process of its own) and return the JSON it prints last; its log goes to stderr."""
    proc = subprocess.run(
        [str(PYTHON), str(script), "measure", "--database-url", database_url, *map(str, args)],
        env=nmirf_env(database_url), cwd=REPO, capture_output=True, text=True,
        timeout=timeout)
    sys.stderr.write(proc.stderr[-3000:])
    if proc.returncode != 0:
        raise RuntimeError(f"measuring failed: {proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def pg_url(database: str) -> str:
    """The URL of a database on the server of PG_ADMIN_URL."""
    return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{database}"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def copy_sqlite(source: Path, target: Path) -> None:
    """Copy a SQLite database whose WAL has been checkpointed (see checkpoint())."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)


def checkpoint(path: Path) -> None:
    """Fold the WAL into the main file so that the file alone is the whole database."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


# -- the production server, over HTTP ----------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """A visitor over HTTP (cookies, the CSRF token of the login form)."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with self.opener.open(self.base + path, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def login(self, username: str, password: str) -> None:
        _status, page = self.get("/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token.decode(),
                                       "username": username, "password": password}).encode()
        with self.opener.open(self.base + "/accounts/login/", data=data, timeout=30) as reply:
            if "/accounts/login/" in reply.url:
                raise RuntimeError("the benchmark's coordinator could not log in")

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def _die_with_parent() -> None:
    """In the server's process (Linux): get SIGTERM when the benchmark dies, even by
    kill -9, so that no server outlives it."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, 15)  # PR_SET_PDEATHSIG, SIGTERM
    except (OSError, AttributeError):
        pass


def serve(env: dict, port: int, log_file: Path, extra_args=()) -> subprocess.Popen:
    """Serve the product as in production (`nmirf serve --no-worker`: gunicorn with
    nmirf/operations/gunicorn_config.py; `extra_args` such as ["--workers", "4"]) on
    127.0.0.1:port; return once it answers the login page. Its stderr goes to log_file,
    its stdout beside it (.out)."""
    argv = [str(NMIRF), "serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port),
            *extra_args]
    log(f"serving on 127.0.0.1:{port} ({' '.join(argv[1:])})…")
    server = subprocess.Popen(
        argv, env=env, cwd=REPO, stdout=log_file.with_suffix(".out").open("w"),
        stderr=log_file.open("w"), preexec_fn=_die_with_parent)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5):
                return server
        except OSError:  # refused, reset or timed out: not ready yet
            if server.poll() is not None:
                raise RuntimeError(
                    f"the server did not start: {log_file.read_text()[-2000:]}") from None
            time.sleep(0.3)
    stop_server(server)
    raise RuntimeError("the server did not answer within 120 s")


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()  # the master stops its workers
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=30)


# -- the machine -------------------------------------------------------------------------

def _cpu_model() -> str:
    """The model name from /proc/cpuinfo, with family/model numbers and clock (a virtual
    machine often shows only "Intel(R) Xeon(R) Processor")."""
    fields: dict[str, str] = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            key = key.strip()
            if key in ("model name", "cpu family", "model", "cpu MHz") and key not in fields:
                fields[key] = value.strip()
            if not line.strip() and fields:
                break  # the first processor is enough
    except OSError:
        pass
    if "model name" not in fields:
        return platform.processor() or "unknown"
    extra = []
    if "cpu family" in fields and "model" in fields:
        extra.append(f"family {fields['cpu family']}, model {fields['model']}")
    if "cpu MHz" in fields:
        extra.append(f"{float(fields['cpu MHz']):.0f} MHz")
    return fields["model name"] + (f" ({', '.join(extra)})" if extra else "")


def _ram() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def postgres_version() -> str | None:
    """The server's version where PostgreSQL answers, else None."""
    try:
        import psycopg
    except ImportError:
        return None
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3) as conn:
            return conn.execute("SHOW server_version").fetchone()[0]
    except Exception:
        return None


def _venv_versions() -> dict:
    code = ("import sys, sqlite3, django; print(sys.version.split()[0]); "
            "print(sqlite3.sqlite_version); print(django.get_version())")
    try:
        out = subprocess.run([str(PYTHON), "-c", code], capture_output=True, text=True,
                             check=True).stdout.split()
        return {"python": out[0], "sqlite": out[1], "django": out[2]}
    except Exception:
        return {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
                "django": "?"}


def code_version() -> str:
    """The commit measured, and whether the product code had uncommitted changes."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "nmirf"], cwd=REPO,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head} (with uncommitted changes under nmirf/)" if dirty else head


def machine() -> dict:
    versions = _venv_versions()
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0, 0, 0)
    return {
        "cpu": _cpu_model(),
        "cores": f"{usable} usable ({os.cpu_count()} online)",
        "ram": _ram(),
        "os": f"{platform.system()} {platform.release()}",
        "python": versions["python"],
        "sqlite": versions["sqlite"],
        "django": versions["django"],
        "postgresql": postgres_version() or "not answering",
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load": " ".join(f"{x:.2f}" for x in load),
        "code": code_version(),
    }


def machine_table(info: dict) -> str:
    rows = [
        ("CPU", info["cpu"]), ("Cores", info["cores"]), ("RAM", info["ram"]),
        ("OS", info["os"]), ("Python", info["python"]), ("SQLite", info["sqlite"]),
        ("PostgreSQL", info["postgresql"]), ("Django", info["django"]),
        ("Date", info["date"]), ("Load average at start (1/5/15 min)", info["load"]),
        ("Code measured (git)", info.get("code", "unknown")),
    ]
    return "\n".join(["| | |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows)])


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
