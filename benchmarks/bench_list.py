"""List benchmark: fresh list pages through the production server, at 1, 8 and 32
concurrent clients, on 250,000 recommendations (or --rows N), on SQLite and PostgreSQL,
with the bare SQL of each query as the floor.

Build (cached): synth.py recombines the real UPR Info texts into UPR recommendations (UPR
Info's format) and treaty-body recommendations (the import template: themes, affected
persons, SDGs), and the real importers load them (`nmirf import upr-info|template FILE`,
one command per 50,000-row file) into a migrated and seeded database:
- SQLite: benchmarks/out/list/db-<key>/nmirf.sqlite3, left as the importer leaves it;
- PostgreSQL (where it answers): a scratch database (`nmirf_bench`, created on the
  `postgres` database, never `test`), then VACUUM ANALYZE — the state autovacuum reaches
  on its own minutes after a large import. Its key is kept as the database's comment.
<key> hashes synth.py, the size, the seed, the migrations and settings.py, so a re-run
reuses the databases until one of those changes or --rebuild is given.

Measure (one subprocess per backend, DATABASE_URL set before django.setup()):
1. list_queries.py reads the vocabulary and the facet values of that database and draws
   distinct queries of thirteen kinds; no query string is ever requested twice in a run.
2. The product is served as in production: `nmirf serve --no-worker` (gunicorn with
   nmirf/operations/gunicorn_config.py: its workers and threads), on 127.0.0.1 and a free
   port. A coordinator logs in over HTTP once; every client sends that session's cookie.
3. Warm-up: a few requests of queries drawn only for it (never measured, never reused),
   so that each server process has loaded its code and built what it keeps in memory —
   what a deployed server has done before its first visitor. Reported apart.
4. For 1, 8 and 32 clients (threads, each with its own keep-alive HTTP connection): a
   batch of fresh queries, every kind in equal number and shuffled, requested without
   pause; each request's wall time is the client's (loopback included). p50/p95/p99 per
   kind (1 client) and overall, and requests per second (requests / wall time of the
   batch).
5. The floor: after the server stopped, the same process runs, for every query measured,
   the bare SQL the page needs at the least — the ids of the page's 25 rows (filters,
   order, LIMIT/OFFSET of the page, compiled from RecommendationFilter) and the count of
   matches — straight on a database cursor (execute + fetch). The ratio page / floor is
   given per kind.

    python benchmarks/bench_list.py [--quick] [--rebuild] [--rows N] [--backend sqlite|postgresql]
"""

import argparse
import hashlib
import http.client
import json
import os
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import synth  # noqa: E402
from common import OUT, REPO, log, ms  # noqa: E402

ROWS = 250_000
SESSIONS_CSV = (REPO / ".." / "shared" / "data" / "reference" / "upr_sessions.csv").resolve()
USER, PASSWORD = "bench-list-coordinator", "bench-list-passphrase-2026"
CLIENTS = (1, 8, 32)
PAGE_SIZE = 25
# Targets of issue 7, point 2.
TARGET_P95_MS = {250_000: 100.0, 1_000_000: 250.0}
TARGET_FLOOR_RATIO = 2.0
TARGET_RPS_8 = 60.0
MEASURE_TIMEOUT = 3600  # seconds: the measuring subprocess is killed past this
LEVEL_BUDGET = 240.0  # seconds per client level at the most; the n column says if cut

# -- build -------------------------------------------------------------------------------

def data_key(rows: int) -> str:
    """What the generated CSV files depend on: the generator, its seed and the size."""
    digest = hashlib.sha256()
    digest.update((common.BENCH_DIR / "synth.py").read_bytes())
    digest.update(f"rows={rows} seed={synth.SEED}".encode())
    return digest.hexdigest()[:16]


def cache_key(rows: int) -> str:
    """What a built database depends on: the data, the schema (the migrations) and the
    settings that shape a new database file (the SQLite PRAGMAs: its page size, for one).
    Only those lines of settings.py count: a change to middleware or sessions does not
    change what the importer writes, and must not force a rebuild of minutes."""
    digest = hashlib.sha256(data_key(rows).encode())
    settings_text = (REPO / "nmirf" / "settings.py").read_text()
    digest.update("".join(line for line in settings_text.splitlines(keepends=True)
                          if "PRAGMA" in line).encode())
    for path in sorted((REPO / "nmirf").glob("*/migrations/0*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _csv_files(rows: int) -> list[tuple[str, Path]]:
    """[(importer, CSV file)] of the synthetic data, generated once per data key."""
    folder = OUT / "list" / f"csv-{data_key(rows)}"
    done = folder / "done.json"
    if done.exists():
        return [(importer, folder / name) for importer, name in json.loads(done.read_text())]
    log(f"list: generating {rows:,} recombined recommendations…")
    shutil.rmtree(folder, ignore_errors=True)
    files = synth.generate(common.upr_info_files(), SESSIONS_CSV, folder, rows)
    done.write_text(json.dumps([(importer, path.name) for importer, path in files]))
    return files


def _prune(keep: set[str]) -> None:
    """Remove the cached data and databases of other keys (each is hundreds of MB)."""
    folder = OUT / "list"
    if not folder.is_dir():
        return
    for child in folder.iterdir():
        if child.is_dir() and child.name not in keep:
            log(f"list: removing the stale cache {child.relative_to(REPO)}")
            shutil.rmtree(child, ignore_errors=True)


def _import_all(url: str, files: list[Path]) -> list[dict]:
    common.nmirf(["migrate", "--no-input"], url)  # loads the reference data (0006)
    steps = []
    for importer, path in files:
        timed = common.nmirf(["import", importer, path], url)
        steps.append({"file": path.name, "seconds": round(timed.wall, 2),
                      "message": timed.stdout.strip().splitlines()[-1]})
        log(f"list: imported {path.name} in {timed.wall:.1f} s: {steps[-1]['message']}")
    return steps


def build_sqlite(rows: int, rebuild: bool) -> tuple[Path, dict]:
    key = cache_key(rows)
    key_dir = OUT / "list" / f"db-{key}"
    db = key_dir / "nmirf.sqlite3"
    info_path = key_dir / "build-sqlite.json"
    if db.exists() and info_path.exists() and not rebuild:
        log(f"list: reusing the SQLite database {db.relative_to(REPO)}")
        return db, json.loads(info_path.read_text())
    # The 250,000 and the 1,000,000 caches are both kept (run.py measures both).
    _prune(keep={"serve"} | {name for size in {rows, ROWS, 1_000_000}
                             for name in (f"db-{cache_key(size)}", f"csv-{data_key(size)}")})
    key_dir.mkdir(parents=True, exist_ok=True)
    files = _csv_files(rows)
    building = key_dir / "building.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{building}{suffix}").unlink(missing_ok=True)
    log(f"list: building the SQLite database ({rows:,} rows; minutes)…")
    start = time.perf_counter()
    steps = _import_all(common.sqlite_url(building), files)
    common.checkpoint(building)
    info = {"key": key, "rows": rows, "seconds": round(time.perf_counter() - start, 1),
            "imports": steps}
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    building.rename(db)
    info_path.write_text(json.dumps(info, indent=1))
    return db, info


def _pg_database(rows: int) -> str:
    """nmirf_bench for the 250,000 rows, nmirf_bench_1000000 for another size: each size
    keeps its own cached database."""
    return common.PG_DATABASE if rows == ROWS else f"{common.PG_DATABASE}_{rows}"


def build_postgres(rows: int, rebuild: bool) -> tuple[str, dict] | None:
    """The scratch PostgreSQL database, built if needed; None where PostgreSQL is absent."""
    if common.postgres_version() is None:
        return None
    import psycopg

    database = _pg_database(rows)
    if database in common.PG_FORBIDDEN:
        raise SystemExit(f"refusing to use the PostgreSQL database {database!r}")
    key = cache_key(rows)
    url = common.pg_url(database)
    key_dir = OUT / "list" / f"db-{key}"
    key_dir.mkdir(parents=True, exist_ok=True)
    info_path = key_dir / "build-postgresql.json"
    with psycopg.connect(common.PG_ADMIN_URL, autocommit=True) as admin:
        comment = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [database],
        ).fetchone()
        if comment and comment[0] == key and info_path.exists() and not rebuild:
            log(f"list: reusing the PostgreSQL database {database}")
            return url, json.loads(info_path.read_text())
        log(f"list: building the PostgreSQL database {database} ({rows:,} rows; minutes)…")
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{database}"')
    files = _csv_files(rows)
    start = time.perf_counter()
    steps = _import_all(url, files)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    info = {"key": key, "rows": rows, "seconds": round(time.perf_counter() - start, 1),
            "imports": steps}
    with psycopg.connect(common.PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"COMMENT ON DATABASE \"{database}\" IS '{key}'")
    info_path.write_text(json.dumps(info, indent=1))
    return url, info


def drop_postgres(rows: int = ROWS) -> None:
    import psycopg

    database = _pg_database(rows)
    if database in common.PG_FORBIDDEN:
        return
    with psycopg.connect(common.PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    log(f"list: dropped the PostgreSQL database {database}")



# -- measure (runs in its own process, one per backend) ----------------------------------

class Client(threading.Thread):
    """One visitor: requests its share of the work over one keep-alive connection. A work
    item is (kind, query) — requested as `path` with the query put in, with the cookie
    of the run — or (kind, query, cookie), a request of another signed-in person (the
    tracking benchmark: a different focal point per request)."""

    def __init__(self, port: int, cookie: str, work: list, lock: threading.Lock,
                 samples: list, deadline: float, path: str = "/recommendations/?{}"):
        super().__init__(daemon=True)
        self.port, self.cookie, self.work, self.lock = port, cookie, work, lock
        self.samples, self.deadline, self.path = samples, deadline, path
        self.conn = None

    def _get(self, path: str, cookie: str) -> tuple[int, int]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            self.conn.request("GET", path, headers={"Cookie": cookie})
            response = self.conn.getresponse()
            body = response.read()
            return response.status, len(body)
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            return 0, 0

    def run(self) -> None:
        while time.monotonic() < self.deadline:
            with self.lock:
                if not self.work:
                    break
                kind, query, *cookie = self.work.pop()
            start = time.perf_counter()
            status, size = self._get(self.path.format(query), cookie[0] if cookie
                                     else self.cookie)
            self.samples.append({"kind": kind, "query": query, "status": status,
                                 "seconds": time.perf_counter() - start, "bytes": size})
        if self.conn is not None:
            self.conn.close()


def run_level(port: int, cookie: str, items: list, clients: int, budget: float,
              path: str = "/recommendations/?{}") -> dict:
    """`clients` visitors (threads) request `items` without pause, until done or `budget`
    seconds have passed; every request's wall time (shared with bench_tracking.py)."""
    work = list(reversed(items))
    samples: list = []
    lock = threading.Lock()
    deadline = time.monotonic() + budget
    threads = [Client(port, cookie, work, lock, samples, deadline, path)
               for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=budget + 120)
    wall = time.perf_counter() - start
    return {"clients": clients, "wall": wall, "samples": samples, "planned": len(items)}


def login(port: int, username: str = USER, password: str = PASSWORD) -> str:
    """Log in over HTTP (the form, its CSRF token); the session cookie. The benchmark's
    coordinator by default."""
    browser = common.Browser(f"http://127.0.0.1:{port}")
    browser.login(username, password)
    return browser.cookie_header()


def serve_levels(server_log: Path, sign_in, warmup: list, batches: dict, budget: float,
                 path: str = "/recommendations/?{}", label: str = "list", prepare=None):
    """Serve the product as in production, sign in (`sign_in(port)`: the run's cookie),
    request the warm-up at 8 clients, then each level's batch ({clients: items}); stop the
    server. `prepare(items)` may turn the items into what the clients send (the cookie of
    each request's person). Returns (warm-up level, {clients: level}, the server's line)."""
    prepare = prepare or (lambda items: items)
    port = common.free_port()
    server = common.serve(dict(os.environ), port, server_log)
    levels = {}
    try:
        cookie = sign_in(port)
        warm = run_level(port, cookie, prepare(warmup), 8, budget, path)
        for clients, items in batches.items():
            log(f"{label}: {len(items)} fresh requests at {clients} client(s)…")
            levels[clients] = run_level(port, cookie, prepare(items), clients, budget, path)
    finally:
        common.stop_server(server)
    server_line = next((line for line in server_log.with_suffix(".out").read_text()
                        .splitlines() if "gunicorn" in line), "")
    return warm, levels, server_line


def _floor_sql(query: str):
    """(page ids SQL, params, count SQL, params, offset) of a list query: the least the
    database must answer for the page — its 25 ids in order, and how many match."""
    from django.http import QueryDict

    from nmirf.recommendations.filters import RecommendationFilter

    data = QueryDict(query)
    filterset = RecommendationFilter(data)
    try:
        page = max(1, int(data.get("page") or 1))
    except ValueError:
        page = 1
    offset = (page - 1) * PAGE_SIZE
    ordered = filterset.qs.values_list("pk", flat=True)[offset:offset + PAGE_SIZE]
    page_sql, page_params = ordered.query.sql_with_params()
    inner_sql, inner_params = filterset.filtered().values("pk").query.sql_with_params()
    count_sql = f"SELECT COUNT(*) FROM ({inner_sql}) AS matches"
    return page_sql, page_params, count_sql, inner_params, offset


def _time_floor(query: str) -> dict:
    from django.db import connection

    page_sql, page_params, count_sql, count_params, _offset = _floor_sql(query)
    with connection.cursor() as cursor:
        start = time.perf_counter()
        cursor.execute(count_sql, count_params)
        matches = cursor.fetchone()[0]
        cursor.execute(page_sql, page_params)
        cursor.fetchall()
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "matches": matches}


STEPS = {
    "index": "build the in-memory registry index (first request of a process)",
    "search": "full-text search: SQL, and ranking when sorted by relevance (cached_matches)",
    "selection": "filters: selection mask (selection_base, search excluded)",
    "facets": "facet counts (compute_facets)",
    "ordering": "order the selection up to the page shown (OrderedSelection)",
    "rows": "read the page's 25 rows (RecommendationsInOrder)",
    "rest": "the rest: middleware, session, view, template rendering",
}


def breakdown(items: list) -> dict:
    """Where a page's time goes: the list view run in this process (Django's test Client,
    no server) with timers around its steps, over queries drawn for it alone. Median
    seconds per step and kind; "index" is the one-off build, before the first query."""
    from django.test import Client as TestClient

    from nmirf.accounts.models import User
    from nmirf.recommendations import facets, listing, registry_index

    spent: dict[str, float] = {}
    stack: list[str] = []

    def timed(name, function):
        """Time a step exclusive of the timed steps it calls (search within selection)."""
        def wrapper(*args, **kwargs):
            stack.append(name)
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                stack.pop()
                spent[name] = spent.get(name, 0.0) + elapsed
                if stack:
                    spent[stack[-1]] = spent.get(stack[-1], 0.0) - elapsed
        return wrapper

    search = timed("search", registry_index.cached_matches)
    listing.cached_matches = facets.cached_matches = search
    listing.selection_base = timed("selection", facets.selection_base)
    listing.compute_facets = timed("facets", facets.compute_facets)
    # The order is found when the page's slice is read (OrderedSelection), inside "rows":
    # timed apart, and taken out of "rows".
    registry_index.OrderedSelection.__getitem__ = timed(
        "ordering", registry_index.OrderedSelection.__getitem__)
    listing.RecommendationsInOrder.__getitem__ = timed(
        "rows", listing.RecommendationsInOrder.__getitem__)
    start = time.perf_counter()
    registry_index.current_index()
    index_seconds = time.perf_counter() - start
    client = TestClient(HTTP_HOST="127.0.0.1")  # ALLOWED_HOSTS as served
    client.force_login(User.objects.get(username=USER))
    per_kind: dict[str, list[dict]] = {}
    client.get(f"/recommendations/?{items[0][1]}")  # templates loaded: not counted
    for kind, query in items[1:]:
        spent.clear()
        start, cpu_start = time.perf_counter(), time.process_time()
        response = client.get(f"/recommendations/?{query}")
        total = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        if response.status_code != 200:
            continue
        steps = dict(spent)
        steps["rest"] = total - sum(steps.values())
        steps["total"] = total
        steps["cpu"] = cpu
        per_kind.setdefault(kind, []).append(steps)
    medians = {kind: {name: statistics.median(r.get(name, 0.0) for r in rows)
                      for name in [*STEPS, "total", "cpu"] if name != "index"}
               for kind, rows in per_kind.items()}
    return {"index_seconds": index_seconds, "per_kind": medians,
            "n": {kind: len(rows) for kind, rows in per_kind.items()}}


def setup_for_serving(database_url: str) -> Path:
    """In a measuring subprocess: point this process at the database, set Django up, and
    make sure the benchmark's coordinator (USER, PASSWORD) exists. Return the folder for
    the server's logs. Shared by this benchmark and bench_edits.py."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nmirf.settings")
    work_dir = OUT / "list" / "serve"
    work_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("NMIRF_DATA_DIR", str(OUT / "var"))
    os.environ.setdefault("STATIC_ROOT", str(OUT / "static"))
    # Every request is answered over the whole registry: with the home scope on, the
    # plain list would answer a redirect (nothing to time) and then a page of one state's
    # recommendations, both lighter than the page over every state measured here.
    os.environ["NMIRF_LIST_HOME_SCOPE"] = "0"
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from nmirf.accounts.models import Role, User

    user = User.objects.filter(username=USER).first()
    if user is None:
        User.objects.create_user(USER, password=PASSWORD, role=Role.COORDINATOR)
    else:
        user.role = Role.COORDINATOR
        user.set_password(PASSWORD)
        user.save()
    return work_dir


def measure(database_url: str, per_kind: dict, budget: float) -> dict:
    work_dir = setup_for_serving(database_url)
    import list_queries
    from django.conf import settings
    from django.db import connection

    from nmirf.recommendations.models import Recommendation

    total = Recommendation.objects.count()
    log(f"list: drawing queries from {total:,} recommendations…")
    queries = list_queries.Queries()
    batches = {clients: queries.batch(per_kind[clients]) for clients in CLIENTS}
    warmup = queries.batch(1)
    in_process = queries.batch(3 if per_kind[1] < 10 else 6)  # the first is a warm-up
    connection.close()  # the server's processes open their own

    warm, levels, server_line = serve_levels(work_dir / f"server-{connection.vendor}.log",
                                             login, warmup, batches, budget)

    log("list: timing the steps of the page in-process…")
    steps = breakdown(in_process)
    log("list: timing the bare SQL of every query measured…")
    for level in levels.values():
        for sample in level["samples"]:
            sample.update({f"floor_{k}": v for k, v in _time_floor(sample["query"]).items()})
    return {"vendor": connection.vendor, "recommendations": total,
            "vocabulary": queries.describe(), "server": server_line,
            "conn_max_age": settings.DATABASES["default"].get("CONN_MAX_AGE"),
            "warmup": [s["seconds"] for s in warm["samples"]],
            "levels": {str(k): v for k, v in levels.items()}, "budget": budget,
            "breakdown": steps}


def _measure_in_subprocess(url: str, per_kind: dict, budget: float) -> dict:
    return common.measure_in_subprocess(
        Path(__file__), url, ["--per-kind", json.dumps({str(k): v for k, v in per_kind.items()}),
                              "--budget", str(budget)], timeout=MEASURE_TIMEOUT)

# -- the benchmark -----------------------------------------------------------------------

def per_kind_counts(quick: bool) -> dict:
    """Fresh queries per kind at each client level (thirteen kinds)."""
    return {1: 4, 8: 3, 32: 3} if quick else {1: 20, 8: 20, 32: 20}


def run(quick: bool = False, rebuild: bool = False, rows: int = ROWS,
        backends: tuple[str, ...] = ("sqlite", "postgresql"), drop_pg: bool = False) -> dict:
    skipped = common.skipped_without_data("List benchmark")
    if skipped:
        return skipped
    per_kind = per_kind_counts(quick)
    budget = 60.0 if quick else LEVEL_BUDGET
    result: dict = {"rows": rows, "backends": {}, "per_kind": per_kind}
    if "sqlite" in backends:
        db, info = build_sqlite(rows, rebuild)
        log("list: measuring on SQLite…")
        data = _measure_in_subprocess(common.sqlite_url(db), per_kind, budget)
        data["build"] = info
        result["backends"]["SQLite"] = data
    if "postgresql" in backends:
        built = build_postgres(rows, rebuild)
        if built is None:
            result["backends"]["PostgreSQL"] = {
                "skipped": f"PostgreSQL did not answer at {common.PG_ADMIN_URL}: not measured."
            }
            log("list: PostgreSQL does not answer; skipped.")
        else:
            url, info = built
            log("list: measuring on PostgreSQL…")
            data = _measure_in_subprocess(url, per_kind, budget)
            data["build"] = info
            result["backends"]["PostgreSQL"] = data
            if drop_pg:
                drop_postgres(rows)
    result["markdown"] = markdown(result)
    return result


def _pct(values: list[float], pct: float) -> float:
    return common.percentile(values, pct) if values else float("nan")


def _ok(samples: list) -> list:
    return [s for s in samples if s["status"] == 200]


def level_summary(level: dict) -> dict:
    ok = _ok(level["samples"])
    times = [s["seconds"] for s in ok]
    return {"clients": level["clients"], "planned": level["planned"], "n": len(times),
            "errors": len(level["samples"]) - len(ok),
            "rps": len(level["samples"]) / level["wall"] if level["wall"] else 0.0,
            "p50": _pct(times, 50), "p95": _pct(times, 95), "p99": _pct(times, 99)}


def kind_summary(samples: list) -> dict:
    ok = _ok(samples)
    times = [s["seconds"] for s in ok]
    floors = [s["floor_seconds"] for s in ok if "floor_seconds" in s]
    ratios = [s["seconds"] / s["floor_seconds"] for s in ok
              if s.get("floor_seconds", 0) > 0]
    matches = sorted(s.get("floor_matches", 0) for s in ok)
    return {"n": len(times), "errors": len(samples) - len(ok),
            "p50": _pct(times, 50), "p95": _pct(times, 95), "p99": _pct(times, 99),
            "floor_p50": _pct(floors, 50), "floor_p95": _pct(floors, 95),
            "ratio_median": _pct(ratios, 50),
            "ratio_p95": (_pct(times, 95) / _pct(floors, 95)) if floors else float("nan"),
            "matches_median": matches[len(matches) // 2] if matches else 0}


def _by_kind(samples: list) -> dict:
    grouped: dict[str, list] = {}
    for sample in samples:
        grouped.setdefault(sample["kind"], []).append(sample)
    return grouped


def markdown(result: dict) -> str:
    import list_queries

    rows = result["rows"]
    target = TARGET_P95_MS.get(rows, TARGET_P95_MS[250_000] if rows < 1_000_000
                               else TARGET_P95_MS[1_000_000])
    lines = [
        f"Fresh list pages on {rows:,} synthetic recommendations, through the production "
        "server over HTTP. Every request is a query string not requested before in the run "
        f"({', '.join(f'{n} per kind at {c} client(s)' for c, n in result['per_kind'].items())}"
        "; thirteen kinds, shuffled); a warm-up of other queries runs first (reported apart). "
        "Times are the client's wall clock per request (loopback included); p95/p99 are "
        "nearest-rank. The floor is the bare SQL of the same query (count of matches + the "
        "page's 25 ids, in the page's order), run on a cursor in the same run after the "
        "server stopped; page / floor is the median of per-request ratios, and p95 of the "
        "page over p95 of the floor.",
        "",
        *common.kinds_table(list_queries.KINDS),
    ]
    verdicts = []
    for backend, data in result["backends"].items():
        lines.append(f"#### {backend}")
        lines.append("")
        if "skipped" in data:
            lines += [f"_{data['skipped']}_", ""]
            continue
        build = data.get("build", {})
        vocab = data["vocabulary"]
        lines.append(
            f"{data['recommendations']:,} recommendations (built in {build.get('seconds', '?')}"
            f" s by {len(build.get('imports', []))} import commands; cache key "
            f"`{build.get('key', '?')}`). Import times of the files that built it: "
            + ", ".join(f"{s['seconds']} s" for s in build.get("imports", [])) + ". "
            f"Vocabulary of a {vocab['sampled_texts']:,}-text sample: "
            f"{vocab['distinct_words']:,} distinct words ({vocab['common']:,} common, "
            f"{vocab['middling']:,} middling, {vocab['rare']:,} rare); facet values drawn "
            "from: " + ", ".join(f"{k} {v:,}" for k, v in vocab["facets"].items())
            + f"; taxonomies present: {', '.join(vocab['taxonomies'])}. "
            f"Server: {data.get('server') or '`nmirf serve --no-worker`'}; "
            f"CONN_MAX_AGE {data.get('conn_max_age')}.")
        lines.append("")
        warm = data.get("warmup") or []
        if warm:
            lines.append(f"Warm-up ({len(warm)} other queries, 8 clients, not counted): "
                         f"slowest {ms(max(warm))} ms, median {ms(sorted(warm)[len(warm)//2])}"
                         " ms.")
            lines.append("")
        levels = data["levels"]
        lines += ["| clients | requests | errors | requests/s | p50 (ms) | p95 (ms) | "
                  "p99 (ms) |", "|---:|---:|---:|---:|---:|---:|---:|"]
        summaries = {}
        for clients, level in levels.items():
            s = summaries[clients] = level_summary(level)
            cut = f" (of {s['planned']}; time budget)" if s["n"] + s["errors"] < s["planned"] \
                else ""
            lines.append(f"| {clients} | {s['n']}{cut} | {s['errors']} | {s['rps']:.1f} | "
                         f"{ms(s['p50'])} | {ms(s['p95'])} | {ms(s['p99'])} |")
        lines.append("")
        one = _by_kind(levels["1"]["samples"])
        others = {c: _by_kind(levels[c]["samples"]) for c in levels if c != "1"}
        head = ("| kind (1 client) | n | matches (median) | p50 (ms) | p95 (ms) | p99 (ms) | "
                "floor p50 (ms) | floor p95 (ms) | page/floor (median) | p95/floor p95 | "
                + " | ".join(f"p95 at {c} (ms)" for c in others) + " |")
        lines += [head, "|---" + "|---:" * (9 + len(others)) + "|"]
        worst_p95, worst_ratio, over = 0.0, 0.0, []
        for kind in list_queries.KINDS:
            s = kind_summary(one.get(kind, []))
            extra = " | ".join(ms(kind_summary(o.get(kind, []))["p95"]) for o in others.values())
            lines.append(
                f"| {kind} | {s['n']} | {s['matches_median']:,} | {ms(s['p50'])} | "
                f"{ms(s['p95'])} | {ms(s['p99'])} | {ms(s['floor_p50'])} | "
                f"{ms(s['floor_p95'])} | {s['ratio_median']:.1f}× | {s['ratio_p95']:.1f}× | "
                f"{extra} |")
            if s["n"]:
                worst_p95 = max(worst_p95, s["p95"] * 1000)
                ratio = max(s["ratio_median"], s["ratio_p95"])
                worst_ratio = max(worst_ratio, ratio)
                if s["p95"] * 1000 > target:
                    over.append(kind)
        lines.append("")
        p95_verdict = "met" if worst_p95 <= target else "missed"
        ratio_verdict = "met" if worst_ratio <= TARGET_FLOOR_RATIO else "missed"
        rps8 = summaries.get("8", {}).get("rps", 0.0)
        verdicts.append(
            f"- {backend}, {rows:,} rows: p95 ≤ {target:.0f} ms for every kind at one client "
            f"— **{p95_verdict}** (worst {worst_p95:.0f} ms"
            + (f"; over: {', '.join(over)}" if over else "") + ").")
        verdicts.append(
            f"- {backend}, {rows:,} rows: page ≤ {TARGET_FLOOR_RATIO:.0f}× the bare statement "
            f"for every kind — **{ratio_verdict}** (worst {worst_ratio:.1f}×, the larger of "
            "the median per-request ratio and p95/p95).")
        if rows == ROWS:
            rps_verdict = "met" if rps8 >= TARGET_RPS_8 else "missed"
            verdicts.append(f"- {backend}, {rows:,} rows: ≥ {TARGET_RPS_8:.0f} requests/s at "
                            f"8 clients — **{rps_verdict}** ({rps8:.1f}/s).")
        lines += _breakdown_lines(data.get("breakdown"))
    lines += ["Targets (issue 7, point 2):", "", *verdicts, ""]
    return "\n".join(lines) + "\n"


def _breakdown_lines(found: dict | None) -> list[str]:
    if not found or not found.get("n"):
        return []
    import list_queries

    names = [name for name in STEPS if name != "index"]
    lines = [
        "Where the time goes — the list view run in the measuring process (Django's test "
        "Client, no server, one request at a time), timers around its steps, over fresh "
        f"queries drawn for it alone (median ms per kind; n = {max(found['n'].values())} "
        "per kind). Building the in-memory registry index, which each server process does "
        f"before its first page and again after any change, took "
        f"**{ms(found['index_seconds'])} ms** here.",
        "",
        "| kind | " + " | ".join(STEPS[n].split(":")[0].split(" (")[0] for n in names)
        + " | total | CPU |",
        "|---" + "|---:" * (len(names) + 2) + "|",
    ]
    for kind in list_queries.KINDS:
        row = found["per_kind"].get(kind)
        if row:
            lines.append(f"| {kind} | " + " | ".join(ms(row[n]) for n in names)
                         + f" | {ms(row['total'])} | {ms(row.get('cpu', 0.0))} |")
    lines += ["", "Steps: " + "; ".join(f"{n} — {STEPS[n]}" for n in names) + "; CPU — "
              "the CPU time of the measuring process for the whole request (what the page "
              "costs whatever else the machine runs: on 2 cores, 1000 / (CPU / 2) bounds "
              "the pages per second).", ""]
    return lines


def arguments(doc: str, per_option: str, per_help: str):
    """The command line of a served benchmark (this one, bench_tracking.py): --quick,
    --rebuild, --rows, --backend, and the internal `measure` subcommand (its parser is
    returned beside, for options of its own)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    m = sub.add_parser("measure", help="(internal) measure one backend, print JSON")
    m.add_argument("--database-url", required=True)
    m.add_argument(per_option, required=True, help=per_help)
    m.add_argument("--budget", type=float, default=LEVEL_BUDGET)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    return parser, m


def main() -> int:
    parser, m = arguments(__doc__, "--per-kind", "JSON {clients: queries per kind}")
    parser.add_argument("--drop-postgres", action="store_true",
                        help="drop the scratch PostgreSQL database afterwards")
    args = parser.parse_args()
    if args.command == "measure":
        per_kind = {int(k): v for k, v in json.loads(args.per_kind).items()}
        print(json.dumps(measure(args.database_url, per_kind, args.budget), default=str))
        return 0
    result = run(quick=args.quick, rebuild=args.rebuild, rows=args.rows,
                 backends=tuple(args.backend or ("sqlite", "postgresql")),
                 drop_pg=args.drop_postgres)
    (OUT / f"results-list-{args.rows}.json").write_text(json.dumps(result, default=str))
    print(result["markdown"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
