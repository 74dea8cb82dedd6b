"""The list benchmark's "edit before read" phase: what one edit costs the readers that
come next, through the production server with several worker processes.

Each server process keeps an in-memory registry index (nmirf/recommendations/
registry_index.py) that it brings up to date, on its next request, with the registry's
change log (registry_changes.py). This measures that next request, in every process:

1. The cached database of the list benchmark (bench_list.py: 250,000 synthetic
   recommendations, or --rows N) is served as in production, `nmirf serve --no-worker
   --workers 4` (gunicorn with the product's configuration).
2. Keep-alive connections are opened until each of the 4 worker processes holds one (the
   process that owns a connection's server side is read with `ss -tnp`); a first request
   on each builds that process's index (not measured).
3. Each round: one request per process (the registry list, no filter; one at a time),
   twice — undisturbed; then one edit, committed, from this benchmark's own connection to
   the database (`QuerySet.update()` of one recommendation's position, a different
   recommendation each round); then again one request per process, one at a time. The
   difference between a process's request after the edit and its undisturbed one just
   before is what the edit cost that reader; the difference between its two undisturbed
   requests, with nothing between, is the control: how much requests differ anyway on
   the machine. Target (issue 7, point 4): ≤ 100 ms at
   1,000,000 recommendations with 4 workers.

    python benchmarks/bench_edits.py [--quick] [--rows N] [--backend sqlite|postgresql]
"""

import argparse
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_list  # noqa: E402
import common  # noqa: E402
from common import log  # noqa: E402

WORKERS = 4
TARGET_MS = 100.0
PAGE = "/recommendations/"


def _rounds(quick: bool) -> int:
    return 5 if quick else 20


def _owner_pids(port: int) -> dict[int, int]:
    """{client port: pid of the server process holding that connection}."""
    output = subprocess.run(
        ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
        capture_output=True, text=True, check=True).stdout
    owners = {}
    for line in output.splitlines():
        match = re.search(r":(\d+)\s+users:\(\(\"[^\"]*\",pid=(\d+)", line)
        peer = re.findall(r"127\.0\.0\.1:(\d+)", line)
        if match and len(peer) >= 2:
            owners[int(peer[1])] = int(match.group(2))
    return owners


class Connection:
    """One keep-alive connection to the server, and the worker process behind it."""

    def __init__(self, port: int, cookie: str):
        self.port, self.cookie = port, cookie
        self.http = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.http.connect()
        self.pid = None

    def get(self, path: str) -> float:
        """Seconds for one request (the client's wall clock), 200 expected."""
        start = time.perf_counter()
        self.http.request("GET", path, headers={"Cookie": self.cookie})
        response = self.http.getresponse()
        response.read()
        seconds = time.perf_counter() - start
        if response.status != 200:
            raise RuntimeError(f"{path}: HTTP {response.status}")
        return seconds

    def owner(self) -> int | None:
        return _owner_pids(self.port).get(self.http.sock.getsockname()[1])


class Pool:
    """A keep-alive connection to each worker process. The server closes a connection
    idle for a few seconds (gunicorn's keepalive); a new one is then opened, and
    identified with a request that does not touch the registry (/health/), until one
    reaches the process wanted — so that reconnecting never absorbs a patch."""

    def __init__(self, port: int, cookie: str):
        self.port, self.cookie = port, cookie
        self.by_pid: dict[int, Connection] = {}

    def open_one(self) -> Connection:
        conn = Connection(self.port, self.cookie)
        conn.get("/health/")
        conn.pid = conn.owner()
        if conn.pid is not None:
            old = self.by_pid.get(conn.pid)
            if old is not None:
                old.http.close()
            self.by_pid[conn.pid] = conn
        return conn

    def timed(self, pid: int, path: str) -> float:
        for _ in range(64):
            conn = self.by_pid.get(pid)
            if conn is not None:
                try:
                    return conn.get(path)
                except (OSError, http.client.HTTPException):
                    conn.http.close()
                    del self.by_pid[pid]
            self.open_one()
        raise RuntimeError(f"no connection reaches worker process {pid}")


def edit_rounds(server_log: Path, rounds: int, edits: dict, page: str = PAGE) -> dict:
    """Serve the product with WORKERS processes, reach each with a keep-alive connection,
    build each one's index, then for each kind of edit in `edits` ({name: edit(number)},
    one committed write, a different row each round) `rounds` rounds: one undisturbed
    request of `page` per process, the same again (the control), the edit, then the next
    request of each process. Shared by this benchmark (a recommendation's position) and
    bench_tracking.py (a status, an assignment). Django must be set up for the database."""
    port = common.free_port()
    server = common.serve(dict(os.environ), port, server_log,
                          extra_args=["--workers", str(WORKERS)])
    build_seconds, kinds = [], {}
    try:
        pool = Pool(port, bench_list.login(port))
        for _ in range(64):  # until every process holds a connection
            pool.open_one()
            if len(pool.by_pid) == WORKERS:
                break
        pids = sorted(pool.by_pid)
        log(f"edits: {len(pids)} worker process(es) reached; {rounds} rounds of "
            f"{', '.join(edits)}…")
        for pid in pids:  # each process's first request: it builds its index
            build_seconds.append(pool.timed(pid, page))
        for pid in pids:  # one more undisturbed request each, not counted
            pool.timed(pid, page)
        for name, edit in edits.items():
            samples, seconds = [], []
            for number in range(rounds):
                undisturbed = [pool.timed(pid, page) for pid in pids]
                # The same again with no edit between: how much two undisturbed requests
                # of one process differ on this machine (the noise the edit's cost sits in).
                control = [pool.timed(pid, page) for pid in pids]
                start = time.perf_counter()
                edit(number)
                seconds.append(time.perf_counter() - start)
                after = [pool.timed(pid, page) for pid in pids]
                for pid, quiet, again, next_ in zip(pids, undisturbed, control, after,
                                                    strict=True):
                    samples.append({"round": number, "pid": pid, "undisturbed": quiet,
                                    "control": again - quiet, "after": next_,
                                    "extra": next_ - again})
            kinds[name] = {"samples": samples, "edits": seconds, "rounds": rounds,
                           "workers": len(pids)}
        for conn in pool.by_pid.values():
            conn.http.close()
    finally:
        common.stop_server(server)
    return {"first_request": build_seconds, "kinds": kinds}


def measure(database_url: str, rounds: int) -> dict:
    work_dir = bench_list.setup_for_serving(database_url)
    from django.db import connection

    from nmirf.recommendations.models import Position, Recommendation

    total = Recommendation.objects.count()
    largest = Recommendation.objects.order_by("-pk").values_list("pk", flat=True).first()
    connection.close()
    chance = random.Random(5)
    positions = list(Position.values)
    originals: dict[int, str] = {}  # put back afterwards: the list benchmark's data

    def edit(number: int) -> None:
        pk = chance.randint(1, largest)
        originals.setdefault(pk, Recommendation.objects.filter(pk=pk)
                             .values_list("position", flat=True).first())
        Recommendation.objects.filter(pk=pk).update(position=positions[number % 5])

    try:
        measured = edit_rounds(work_dir / f"server-edits-{connection.vendor}.log", rounds,
                               {"position": edit})
    finally:
        for pk, position in originals.items():
            if position is not None:
                Recommendation.objects.filter(pk=pk).update(position=position)
        connection.close()
    return {"vendor": connection.vendor, "recommendations": total,
            "first_request": measured["first_request"], **measured["kinds"]["position"]}


def _measure_in_subprocess(url: str, rounds: int) -> dict:
    return common.measure_in_subprocess(Path(__file__), url, ["--rounds", str(rounds)],
                                        timeout=bench_list.MEASURE_TIMEOUT)


def run(quick: bool = False, rebuild: bool = False, rows: int = bench_list.ROWS,
        backends: tuple[str, ...] = ("sqlite", "postgresql")) -> dict:
    skipped = common.skipped_without_data("Edit benchmark")
    if skipped:
        return skipped
    rounds = _rounds(quick)
    result: dict = {"rows": rows, "backends": {}}
    if "sqlite" in backends:
        db, _info = bench_list.build_sqlite(rows, rebuild)
        log("edits: measuring on SQLite…")
        result["backends"]["SQLite"] = _measure_in_subprocess(common.sqlite_url(db), rounds)
    if "postgresql" in backends:
        built = bench_list.build_postgres(rows, rebuild)
        if built is None:
            result["backends"]["PostgreSQL"] = {
                "skipped": f"PostgreSQL did not answer at {common.PG_ADMIN_URL}: not measured."}
        else:
            log("edits: measuring on PostgreSQL…")
            result["backends"]["PostgreSQL"] = _measure_in_subprocess(built[0], rounds)
    result["markdown"] = markdown(result)
    return result


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


TABLE_HEAD = [
    "| database | processes × rounds | undisturbed p50 (ms) | after the edit p50 (ms) "
    "| extra p50 (ms) | extra p95 (ms) | extra max (ms) | control p50 / p95 (ms) "
    "| the edit (ms, p50) | first request of a process (build, ms, p50) |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
]


def summary(label: str, data: dict, first_request: list) -> tuple[str, str]:
    """A table row (TABLE_HEAD) of one kind of edit's rounds, and its verdict."""
    samples = data["samples"]
    extra = [s["extra"] for s in samples]
    control = [s["control"] for s in samples]
    row = (f"| {label} | {data['workers']} × {data['rounds']} "
           f"| {_ms(statistics.median(s['undisturbed'] for s in samples))} "
           f"| {_ms(statistics.median(s['after'] for s in samples))} "
           f"| {_ms(statistics.median(extra))} | {_ms(common.percentile(extra, 95))} "
           f"| {_ms(max(extra))} "
           f"| {_ms(statistics.median(control))} / {_ms(common.percentile(control, 95))} "
           f"| {_ms(statistics.median(data['edits']))} "
           f"| {_ms(statistics.median(first_request))} |")
    worst = common.percentile(extra, 95)
    verdict = (f"{label}: extra p95 {_ms(worst)} ms — "
               + ("within" if worst * 1000 <= TARGET_MS else "**over**")
               + f" {TARGET_MS:.0f} ms (control p95 {_ms(common.percentile(control, 95))} ms)")
    return row, verdict


def markdown(result: dict) -> str:
    lines = [
        f"One edit, then the next request of every server process, on {result['rows']:,} "
        f"synthetic recommendations (the list benchmark's database): `nmirf serve "
        f"--no-worker --workers {WORKERS}`, one keep-alive connection per worker process "
        "(found with `ss -tnp`). Each round: one undisturbed request of the registry list "
        "per process, one at a time; one `QuerySet.update()` of one recommendation's "
        "position, committed; then the next request of each process. *Extra* is that "
        "request's time less the same process's undisturbed request just before it; "
        "*control* is the same difference between two undisturbed requests with no edit "
        "between (the machine's noise). "
        f"Target (issue 7, point 4): ≤ {TARGET_MS:.0f} ms at 1,000,000 with 4 workers.",
        "",
        *TABLE_HEAD,
    ]
    verdicts = []
    for backend, data in result["backends"].items():
        if "skipped" in data:
            lines.append(f"| {backend} | {data['skipped']} | | | | | | | | |")
            continue
        row, verdict = summary(backend, data, data["first_request"])
        lines.append(row)
        verdicts.append(verdict)
    lines += ["", f"At {result['rows']:,}: " + "; ".join(verdicts) + ".", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    m = sub.add_parser("measure", help="(internal) measure one backend, print JSON")
    m.add_argument("--database-url", required=True)
    m.add_argument("--rounds", type=int, required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--rows", type=int, default=bench_list.ROWS)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    args = parser.parse_args()
    if args.command == "measure":
        print(json.dumps(measure(args.database_url, args.rounds), default=str))
        return 0
    result = run(quick=args.quick, rebuild=args.rebuild, rows=args.rows,
                 backends=tuple(args.backend or ("sqlite", "postgresql")))
    print(result["markdown"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
