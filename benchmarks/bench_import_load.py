"""The list page while a 40,814-row import runs, served as in production.

The app is served as in production (`nmirf serve --no-worker`: gunicorn with
nmirf/operations/gunicorn_config.py) on a fresh migrated and seeded copy of the database
(SQLite file; PostgreSQL database BENCH_PG_DATABASE + "_load" where PostgreSQL answers).
A coordinator logs in over HTTP. Then, from CLIENTS threads, fresh list pages (every
request a query not asked before: two search words and a page) are requested without pause:

- idle: for IDLE_SECONDS before the import, for comparison;
- during: while `nmirf import upr-info` of the six shared UPR Info exports runs (reading,
  checking, and writing in one transaction that holds SQLite's write lock, or
  PostgreSQL's EXCLUSIVE lock on the recommendations table);
- after: AFTER_SECONDS once it ended, when each server process rebuilds what it keeps of the
  registry for the new version.

Each request's wall time is measured by the client (network and server together, on the
loopback); an error is any answer but 200, or no answer within 30 s. Target (issue #12):
p95 under 500 ms during the import.

    python benchmarks/bench_import_load.py [--quick]
"""

import argparse
import itertools
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

CLIENTS = 3
IDLE_SECONDS = 10
AFTER_SECONDS = 5
USER, PASSWORD = "bench-coordinator", "bench-load-passphrase-2026"
WORDS = ["torture", "women", "children", "education", "migrants", "police", "prison",
         "disability", "health", "water", "poverty", "journalists", "minorities", "refugees",
         "trafficking", "violence", "discrimination", "indigenous", "religion", "elections",
         "corruption", "detention", "asylum", "housing", "labour", "rights", "justice",
         "convention", "ratify", "freedom"]
TARGET_P95 = 0.5


def _queries():
    """Fresh list pages: every (word pair, page) once."""
    for page in itertools.count(1):
        for first, second in itertools.combinations(WORDS, 2):
            yield f"q={first}+{second}&page={page}"


def _load(base: str, queries, stop: threading.Event, phase: list, samples: list,
          lock: threading.Lock) -> None:
    browser = common.Browser(base)
    for attempt in range(3):
        try:
            browser.login(USER, PASSWORD)
            break
        except OSError:
            if attempt == 2:
                raise
    while not stop.is_set():
        with lock:
            query = next(queries)
        when = phase[0]  # the phase a request belongs to is the one it started in
        start = time.perf_counter()
        try:
            status, _body = browser.get(f"/recommendations/?{query}")
        except Exception:  # no answer (timeout, connection reset)
            status = 0
        samples.append((when, time.perf_counter() - start, status))


def measure(database_url: str, env_extra: dict, quick: bool) -> dict:
    work = common.OUT / "load"
    env = common.nmirf_env(database_url, NMIRF_DATA_DIR=str(work / "var"),
                           STATIC_ROOT=str(work / "static"), **env_extra)
    common.timed_run([common.NMIRF, "migrate", "--no-input", "-v0"], env=env)  # seeds too
    # The production settings serve hashed static names from collectstatic's manifest.
    common.timed_run([common.NMIRF, "collectstatic", "--no-input", "-v0"], env=env)
    common.timed_run([common.NMIRF, "shell", "-c",
                      "from nmirf.accounts.models import User; "
                      f"User.objects.create_user({USER!r}, password={PASSWORD!r}, "
                      "role='coordinator')"], env=env)
    port = common.free_port()
    server = common.serve(env, port, work / "server.log")
    base = f"http://127.0.0.1:{port}"
    samples: list = []
    phase = ["warm-up"]
    stop, lock, queries = threading.Event(), threading.Lock(), _queries()
    clients = [threading.Thread(target=_load, args=(base, queries, stop, phase, samples, lock))
               for _ in range(CLIENTS)]
    try:
        for client in clients:
            client.start()
        time.sleep(3)  # every server process has answered a few pages
        phase[0] = "idle"
        time.sleep(IDLE_SECONDS / (2 if quick else 1))
        phase[0] = "during"
        files = common.upr_info_files()
        start = time.perf_counter()
        importer = subprocess.run([str(common.NMIRF), "import", "upr-info", *map(str, files)],
                                  env=env, cwd=common.REPO, capture_output=True, text=True)
        import_seconds = time.perf_counter() - start
        phase[0] = "after"
        time.sleep(AFTER_SECONDS)
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=60)
        common.stop_server(server)
    if importer.returncode != 0:
        raise RuntimeError(f"the import failed: {importer.stderr[-2000:]}")
    result = {"import_seconds": import_seconds, "import_output": importer.stdout.strip(),
              "clients": CLIENTS, "phases": {}}
    for name in ("idle", "during", "after"):
        times = [seconds for when, seconds, _ in samples if when == name]
        errors = sum(1 for when, _, status in samples if when == name and status != 200)
        result["phases"][name] = {**common.summary(times), "errors": errors} if times else {
            "n": 0, "errors": errors}
    return result


def _pg_url() -> str | None:
    if common.postgres_version() is None:
        return None
    import psycopg

    name = f"{common.PG_DATABASE}_load"
    if name in common.PG_FORBIDDEN:
        raise RuntimeError(f"refusing to use the database {name}")
    with psycopg.connect(common.PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return common.PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def run(quick: bool = False) -> dict:
    if not common.upr_info_files():
        line = common.skip_line("List under import load")
        return {"skipped": line, "markdown": line}
    results = {"_load": os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0}
    work = common.OUT / "load"
    work.mkdir(parents=True, exist_ok=True)
    sqlite_file = work / "load.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{sqlite_file}{suffix}").unlink(missing_ok=True)
    common.log("list under import load: SQLite")
    results["SQLite"] = measure(common.sqlite_url(sqlite_file), {}, quick)
    pg = _pg_url()
    if pg:
        common.log("list under import load: PostgreSQL")
        results["PostgreSQL"] = measure(pg, {}, quick)
    return {"databases": results, "markdown": markdown(results)}


def markdown(results: dict) -> str:
    lines = [
        "The production server (`nmirf serve --no-worker`: gunicorn with the product's "
        "configuration) serving a fresh migrated+seeded copy; "
        f"{CLIENTS} client threads logged in as a coordinator request fresh list pages "
        "(`/recommendations/?q=WORD+WORD&page=N`, never the same query twice) without pause, "
        "before, during and just after `nmirf import upr-info` of the six shared UPR Info "
        "exports (40,814 rows) on the same machine. Times are the client's wall clock per "
        "request (loopback network included); an error is any answer but 200 or none "
        "within 30 s. Target: p95 during the import under 500 ms. The server, the clients "
        "and the import share the machine's cores with each other and with whatever else "
        "runs on it (the load average at the start is in the table below): the import's "
        "time here is not its time alone (see the Import section for that).",
        "",
        "| database | phase | requests | p50 (ms) | p95 (ms) | max (ms) | errors |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    verdicts = []
    load = results.get("_load", 0.0)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    for database, result in results.items():
        if database.startswith("_"):
            continue
        for name, label in (("idle", "idle (before)"), ("during", "during the import"),
                            ("after", f"first {AFTER_SECONDS} s after")):
            p = result["phases"][name]
            if not p["n"]:
                lines.append(f"| {database} | {label} | 0 | | | | {p['errors']} |")
                continue
            lines.append(f"| {database} | {label} | {p['n']} | {common.ms(p['median'])} | "
                         f"{common.ms(p['p95'])} | {common.ms(p['max'])} | {p['errors']} |")
        during = result["phases"]["during"]
        met = during["n"] and during["p95"] < TARGET_P95 and not during["errors"]
        verdicts.append(f"{database}: the import took {result['import_seconds']:.1f} s; "
                        f"p95 during it {common.ms(during.get('p95', float('nan')))} ms, "
                        f"{during['errors']} errors — "
                        + ("**meets** the target." if met else "**misses** the target."))
    lines += ["", *verdicts]
    if load > cores:
        lines += ["", f"The machine was loaded by other work while this ran (load average "
                      f"{load:.1f} on {cores} cores at the start): the figures are those of a "
                      "busy machine, and the import took several times its time alone."]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    result = run(quick=args.quick)
    (common.OUT / "results-load.json").write_text(json.dumps(result, indent=1, default=str))
    print(result["markdown"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
