"""Tracking benchmark (issue 8, "Performance"): the pages a focal point and the coordinator
use every day, through the production server, on 250,000 recommendations with 2,000
entities, 20,000 actions and 100,000 progress updates (or --rows N, the rest scaled), on
SQLite and PostgreSQL; and `nmirf send-reminders` over all deadlines.

Build (cached): the list benchmark's registry (bench_list.py, its cached database), copied,
and tracking_data.py's entities, focal points, clusters, assignments, statuses, actions,
indicators and progress updates written on top in bulk:
- SQLite: benchmarks/out/tracking/db-<key>/nmirf.sqlite3;
- PostgreSQL: `nmirf_bench_tracking` (BENCH_PG_DATABASE + "_tracking"), created from the
  list benchmark's database as a template, then VACUUM ANALYZE; its key as its comment.
<key> hashes the registry's key and tracking_data.py.

Measure (one subprocess per backend): the product served by `nmirf serve --no-worker`
(gunicorn, the product's configuration); the coordinator and a sample of the generated
focal points log in over HTTP; every request is a page not requested before in the run,
by a person drawn afresh (bench_list.py's client threads, one keep-alive connection each):
- my:        "My recommendations" (/my/) of a focal point, a page and role filter;
- list:      the registry list filtered by implementation status and lead entity, with
             its facets (/recommendations/?status=…&lead=…), as the coordinator;
- list-mine: the same list, "assigned to me" and a status, as a focal point;
- progress:  the progress queue (/progress/?state=…) as the coordinator, or a focal
             point's own (mine=1), a page of it;
- action:    an action's page (links, indicators, progress, history);
- overdue:   the follow-up calendar's overdue view (followup:overdue), a page of it, as
             a focal point ("mine") or the coordinator;
- calendar:  the follow-up calendar (followup:calendar: the next twelve months and the
             count of overdue deadlines), a page of it, likewise.
A warm-up of other pages first (not counted), then each kind at 1 and at 8 clients. After
the server stopped: each kind's queries per page, counted in-process (Django's test
client) — they must not grow with the rows shown. Then, on a copy of the database,
`nmirf send-reminders` twice (the second run sends nothing new), timed as whole
commands. Then, on another copy, "after an edit" (bench_edits.edit_rounds: the same
rounds as the edit benchmark's, 4 worker processes, a no-edit control in each round):
one status set (tracking.statuses.set_status, as the form does) and one lead assigned
(tracking.assigning, as the form does), each followed by the next request of the registry
list in every server process.

    python benchmarks/bench_tracking.py [--quick] [--rebuild] [--rows N]
                                         [--backend sqlite|postgresql]
    python benchmarks/run.py --only tracking [--quick]     # figures into RESULTS.md
"""

import hashlib
import json
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_edits  # noqa: E402
import bench_list  # noqa: E402
import common  # noqa: E402
import tracking_data  # noqa: E402
from common import OUT, REPO, log, ms  # noqa: E402

ROWS = bench_list.ROWS
TARGET_MS = 150.0  # p95 at one client: "my", "list", "overdue" (issue 8)
TARGET_KINDS = ("my", "list", "overdue", "calendar")
TARGET_REMINDERS_S = 30.0
KINDS = {
    "my": "“My recommendations” of a focal point (a page, a role filter)",
    "list": "registry list by implementation status and lead entity, with facets "
            "(coordinator)",
    "list-mine": "registry list, assigned to me and a status (focal point)",
    "progress": "progress queue by state (coordinator) or a focal point's own (mine=1)",
    "action": "an action's page: recommendations, clusters, indicators, progress, history",
    "overdue": "the follow-up calendar's overdue view, a page (a focal point, the coordinator)",
    "calendar": "the follow-up calendar, the next twelve months, a page (a focal point, the "
                "coordinator)",
}
CLIENTS = (1, 8)


def per_kind(quick: bool) -> dict:
    return {1: 5, 8: 3} if quick else {1: 30, 8: 20}


# -- build -------------------------------------------------------------------------------

def cache_key(rows: int) -> str:
    digest = hashlib.sha256(bench_list.cache_key(rows).encode())
    digest.update((common.BENCH_DIR / "tracking_data.py").read_bytes())
    return digest.hexdigest()[:16]


def _generate(url: str, rows: int) -> dict:
    done = common.timed_run([common.PYTHON, common.BENCH_DIR / "tracking_data.py",
                             "--database-url", url, "--rows", rows],
                            env=common.nmirf_env(url))
    info = json.loads(done.stdout.strip().splitlines()[-1])
    log(f"tracking: generated in {done.wall:.1f} s: {info['rows']}")
    return info


def build_sqlite(rows: int, rebuild: bool) -> tuple[Path, dict]:
    key = cache_key(rows)
    folder = OUT / "tracking" / f"db-{key}"
    db, info_path = folder / "nmirf.sqlite3", folder / "build-sqlite.json"
    if db.exists() and info_path.exists() and not rebuild:
        log(f"tracking: reusing the SQLite database {db.relative_to(REPO)}")
        return db, json.loads(info_path.read_text())
    registry, _registry_info = bench_list.build_sqlite(rows, False)
    if (OUT / "tracking").is_dir():  # other keys' copies: hundreds of MB each
        for child in (OUT / "tracking").iterdir():
            if child.is_dir() and child.name.startswith("db-") and child.name != folder.name:
                shutil.rmtree(child, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    building = folder / "building.sqlite3"
    common.copy_sqlite(registry, building)
    info = _generate(common.sqlite_url(building), rows)
    common.checkpoint(building)
    common.copy_sqlite(building, db)
    building.unlink()
    info["key"] = key
    info_path.write_text(json.dumps(info, indent=1))
    return db, info


def _pg_database(rows: int) -> str:
    name = f"{common.PG_DATABASE}_tracking"
    return name if rows == ROWS else f"{name}_{rows}"


def _pg_copy(admin, source: str, target: str) -> None:
    """CREATE DATABASE target from source (no one may be connected to source)."""
    if target in common.PG_FORBIDDEN:
        raise SystemExit(f"refusing to use the PostgreSQL database {target!r}")
    admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                  "WHERE datname = %s AND pid <> pg_backend_pid()", [source])
    admin.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')


def build_postgres(rows: int, rebuild: bool) -> tuple[str, dict] | None:
    if common.postgres_version() is None:
        return None
    import psycopg

    key, database = cache_key(rows), _pg_database(rows)
    url = common.pg_url(database)
    folder = OUT / "tracking" / f"db-{key}"
    info_path = folder / "build-postgresql.json"
    with psycopg.connect(common.PG_ADMIN_URL, autocommit=True) as admin:
        comment = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [database]).fetchone()
    if comment and comment[0] == key and info_path.exists() and not rebuild:
        log(f"tracking: reusing the PostgreSQL database {database}")
        return url, json.loads(info_path.read_text())
    registry_url, _info = bench_list.build_postgres(rows, False)
    with psycopg.connect(common.PG_ADMIN_URL, autocommit=True) as admin:
        _pg_copy(admin, registry_url.rsplit("/", 1)[1], database)
    info = _generate(url, rows)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    with psycopg.connect(common.PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"COMMENT ON DATABASE \"{database}\" IS '{key}'")
    folder.mkdir(parents=True, exist_ok=True)
    info["key"] = key
    info_path.write_text(json.dumps(info, indent=1))
    return url, info


# -- measure (its own process per backend) -----------------------------------------------

class Pages:
    """Draws the pages to request: every (person, path) once in a run."""

    def __init__(self, logins: int, seed: int = 11):
        from nmirf.tracking.models import (
            Action,
            Assignment,
            ImplementationStatus,
            Membership,
            ProgressState,
        )

        self.rng = random.Random(seed)
        self.seen: set[tuple[str, str]] = set()
        leads = set(Assignment.objects.current().filter(role="lead").values_list(
            "entity_id", flat=True))
        members = list(Membership.objects.current().filter(
            user__username__startswith=tracking_data.FOCAL_POINT_PREFIX, entity_id__in=leads)
            .order_by("pk").values_list("user__username", flat=True))
        self.focal_points = self.rng.sample(members, min(logins, len(members)))
        self.leads = sorted(leads)
        self.actions = list(Action.objects.active().values_list("pk", flat=True))
        self.statuses = list(ImplementationStatus.values)
        self.states = list(ProgressState.values)
        self.cookies: dict[str, str] = {}
        self.followup = followup_pages()

    def _person(self, focal: bool) -> str:
        return self.rng.choice(self.focal_points) if focal else bench_list.USER

    def _draw(self, kind: str) -> tuple[str, str] | None:
        rng = self.rng
        if kind == "my":
            role = rng.choice(["", "lead", "supporting"])
            return self._person(True), f"/my/?page={rng.randint(1, 4)}&role={role}"
        if kind == "list":
            statuses = "&".join(f"status={s}" for s in rng.sample(self.statuses,
                                                                   rng.choice([1, 1, 2])))
            page = f"&page={rng.randint(2, 4)}" if rng.random() < 0.3 else ""
            return bench_list.USER, (f"/recommendations/?{statuses}&lead="
                                     f"{rng.choice(self.leads)}{page}")
        if kind == "list-mine":
            return self._person(True), (f"/recommendations/?assigned=me&status="
                                        f"{rng.choice(self.statuses)}&page={rng.randint(1, 3)}")
        if kind == "progress":
            if rng.random() < 0.5:
                return bench_list.USER, (f"/progress/?state={rng.choice(self.states)}"
                                         f"&page={rng.randint(1, 200)}")
            return self._person(True), f"/progress/?state=&mine=1&page={rng.randint(1, 3)}"
        if kind == "action":
            return bench_list.USER, f"/actions/{rng.choice(self.actions)}/"
        if kind in self.followup:
            focal = rng.random() < 0.5
            return self._person(focal), self.followup[kind](rng, focal)
        return None

    def batch(self, n: int) -> list[tuple[str, str, str]]:
        """n fresh pages of every kind, shuffled: (kind, path, person)."""
        items = []
        for kind in KINDS:
            for _ in range(n):
                for _attempt in range(200):
                    drawn = self._draw(kind)
                    if drawn is None or drawn not in self.seen:
                        break
                if drawn is None:
                    break
                self.seen.add(drawn)
                items.append((kind, drawn[1], drawn[0]))
        self.rng.shuffle(items)
        return items

    def with_cookies(self, items: list) -> list:
        return [(kind, path, self.cookies[person]) for kind, path, person in items]


def followup_pages() -> dict:
    """{kind: a function (rng, focal) that draws a fresh path}: the follow-up calendar's
    overdue view (URL followup:overdue) and calendar (followup:calendar), a page of each,
    "only mine" for a focal point, now and then one kind of deadline; a kind whose URL
    is not installed is skipped, with a note."""
    from django.urls import NoReverseMatch, reverse

    from nmirf.followup.deadlines import Kind

    pages = {}
    for kind, name in (("overdue", "followup:overdue"), ("calendar", "followup:calendar")):
        try:
            url = reverse(name)
        except NoReverseMatch:
            log(f"tracking: no URL {name}: the {kind} kind is skipped.")
            continue

        def draw(rng, focal, url=url):
            params = [f"page={rng.randint(1, 5)}"]
            if focal:
                params.append("mine=on")
            if rng.random() < 0.25:
                params.append(f"kind={rng.choice(Kind.VALUES)}")
            params.append(f"_={rng.randint(1, 10**9)}")  # fresh: never the same path twice
            return f"{url}?{'&'.join(params)}"

        pages[kind] = draw
    return pages


def count_queries(items: list) -> dict:
    """Queries per page, in-process (Django's test client), for a few pages of each kind."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from nmirf.accounts.models import User

    clients: dict[str, Client] = {}
    counts: dict[str, list[int]] = {}
    for kind, path, person in items:
        if person not in clients:
            clients[person] = Client(HTTP_HOST="127.0.0.1")
            clients[person].force_login(User.objects.get(username=person))
            clients[person].get(path)  # the process's first request: not counted
        with CaptureQueriesContext(connection) as captured:
            response = clients[person].get(path)
        if response.status_code == 200:
            counts.setdefault(kind, []).append(len(captured))
    return counts


def measure(database_url: str, per_level: dict, budget: float, logins: int) -> dict:
    work_dir = bench_list.setup_for_serving(database_url)
    from django.conf import settings
    from django.db import connection

    from nmirf.recommendations.models import Recommendation
    from nmirf.tracking.models import Action, Entity, ProgressUpdate

    sizes = {"recommendations": Recommendation.objects.count(),
             "entities": Entity.objects.count(), "actions": Action.objects.count(),
             "progress updates": ProgressUpdate.objects.count()}
    pages = Pages(logins)
    warmup = pages.batch(2)
    batches = {clients: pages.batch(per_level[clients]) for clients in CLIENTS}
    in_process = pages.batch(3)
    connection.close()

    def sign_in(port: int) -> str:
        log(f"tracking: signing in the coordinator and {len(pages.focal_points)} focal "
            "points over HTTP…")
        pages.cookies[bench_list.USER] = bench_list.login(port)
        for person in pages.focal_points:
            pages.cookies[person] = bench_list.login(port, person, bench_list.PASSWORD)
        return pages.cookies[bench_list.USER]

    warm, levels, server_line = bench_list.serve_levels(
        work_dir / f"server-tracking-{connection.vendor}.log", sign_in, warmup, batches,
        budget, path="{}", label="tracking", prepare=pages.with_cookies)
    log("tracking: counting the queries of each kind of page in-process…")
    queries = count_queries(in_process)
    return {"vendor": connection.vendor, "sizes": sizes, "server": server_line,
            "conn_max_age": settings.DATABASES["default"].get("CONN_MAX_AGE"),
            "logins": len(pages.focal_points), "followup": sorted(pages.followup),
            "warmup": [s["seconds"] for s in warm["samples"]],
            "levels": {str(k): v for k, v in levels.items()}, "queries": queries}


# -- after an edit -------------------------------------------------------------------------

EDIT_KINDS = {
    "status": "one implementation status set (tracking.statuses.set_status, as the form)",
    "assignment": "one lead assigned to one recommendation (tracking.assigning, as the form)",
}


def after_edits(database_url: str, rounds: int) -> dict:
    """bench_edits.edit_rounds with tracking's edits: a status set, a lead assigned, each
    on a different recommendation every round (on a copy of the database)."""
    work_dir = bench_list.setup_for_serving(database_url)
    from django.db import connection, transaction

    from nmirf.recommendations.models import Recommendation
    from nmirf.tracking import assigning, statuses
    from nmirf.tracking.models import Assignment, Entity, ImplementationStatus

    rng = random.Random(17)
    recs = list(Assignment.objects.current().filter(role="lead", recommendation__isnull=False)
                .order_by("pk").values_list("recommendation_id", flat=True)[:50_000])
    entities = list(Entity.objects.filter(archived=False).order_by("pk")
                    .values_list("pk", flat=True))
    values = list(ImplementationStatus.values)
    connection.close()

    def set_status(number: int) -> None:
        rec = Recommendation.objects.get(pk=rng.choice(recs))
        with transaction.atomic():
            current = statuses.current_status(rec)
            statuses.set_status(rec, values[number % len(values)], "Benchmark: an edit.",
                                read_version=current.version)

    def assign(number: int) -> None:
        with transaction.atomic():
            assigning.assign_recommendations(Entity.objects.get(pk=rng.choice(entities)),
                                             "lead", [rng.choice(recs)])

    measured = bench_edits.edit_rounds(work_dir / f"server-tracking-edits-{connection.vendor}.log",
                                       rounds, {"status": set_status, "assignment": assign})
    return {"vendor": connection.vendor, **measured}


# -- send-reminders ------------------------------------------------------------------------

def send_reminders(url: str) -> dict:
    """`nmirf send-reminders` over every deadline of the database at `url` (a copy: it
    records what it sent), twice — the second run must send nothing again. Skipped, with a
    note, where the command does not exist."""
    env = common.nmirf_env(url, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
    probe = subprocess.run([str(common.NMIRF), "send-reminders", "--help"], env=env, cwd=REPO,
                           capture_output=True, text=True)
    if probe.returncode != 0:
        note = ("`nmirf send-reminders` does not exist yet (follow-up calendar, branch "
                "followup): not timed.")
        log(f"tracking: {note}")
        return {"skipped": note}
    runs = []
    for _ in range(2):
        timed = common.timed_run([common.NMIRF, "send-reminders"], env=env)
        runs.append({"seconds": timed.wall, "cpu": timed.cpu, "max_rss_mb": timed.max_rss_mb,
                     "said": (timed.stdout.strip().splitlines() or [""])[-1]})
    return {"runs": runs}


def _on_copy(backend: str, source, name: str, work) -> dict:
    """work(url of a copy of the database `source`), the copy dropped afterwards: what
    writes (reminders sent, edits) leaves the cached database as it was."""
    if backend == "sqlite":
        copy = OUT / "tracking" / f"{name}.sqlite3"
        common.copy_sqlite(source, copy)
        try:
            return work(common.sqlite_url(copy))
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{copy}{suffix}").unlink(missing_ok=True)
    import psycopg

    database = source.rsplit("/", 1)[1]
    copy = f"{database}_{name}"
    with psycopg.connect(common.PG_ADMIN_URL, autocommit=True) as admin:
        _pg_copy(admin, database, copy)
    try:
        return work(common.pg_url(copy))
    finally:
        with psycopg.connect(common.PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')


# -- the benchmark -----------------------------------------------------------------------

def run(quick: bool = False, rebuild: bool = False, rows: int = ROWS,
        backends: tuple[str, ...] = ("sqlite", "postgresql")) -> dict:
    skipped = common.skipped_without_data("Tracking benchmark")
    if skipped:
        return skipped
    per_level = per_kind(quick)
    budget = 60.0 if quick else bench_list.LEVEL_BUDGET
    logins = 15 if quick else 60
    edit_rounds = 5 if quick else 20
    args = ["--per-level", json.dumps(per_level), "--budget", budget, "--logins", logins]
    result: dict = {"rows": rows, "per_level": per_level, "backends": {}}
    for backend in backends:
        name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[backend]
        if backend == "sqlite":
            db, info = build_sqlite(rows, rebuild)
            url = common.sqlite_url(db)
        else:
            built = build_postgres(rows, rebuild)
            if built is None:
                result["backends"][name] = {
                    "skipped": f"PostgreSQL did not answer at {common.PG_ADMIN_URL}: not "
                               "measured."}
                continue
            url, info = built
            db = url
        log(f"tracking: measuring on {name}…")
        data = common.measure_in_subprocess(Path(__file__), url, args,
                                            timeout=bench_list.MEASURE_TIMEOUT)
        data["build"] = info
        data["reminders"] = _on_copy(backend, db, "reminders", send_reminders)
        log(f"tracking: after an edit, on {name}…")
        data["after_edits"] = _on_copy(backend, db, "edits", lambda copy: (
            common.measure_in_subprocess(Path(__file__), copy,
                                         ["--per-level", "{}", "--edit-rounds", edit_rounds],
                                         timeout=bench_list.MEASURE_TIMEOUT)))
        result["backends"][name] = data
    result["markdown"] = markdown(result)
    return result


def _summary(samples: list) -> dict:
    ok = [s["seconds"] for s in samples if s["status"] == 200]
    pct = lambda p: common.percentile(ok, p) if ok else float("nan")  # noqa: E731
    return {"n": len(ok), "errors": len(samples) - len(ok), "p50": pct(50), "p95": pct(95),
            "p99": pct(99)}


def markdown(result: dict) -> str:
    rows = result["rows"]
    lines = [
        f"Fresh tracking pages on {rows:,} synthetic recommendations and the tracking data "
        "of tracking_data.py, through the production server over HTTP, each page requested "
        "once in the run by a person drawn afresh (the coordinator, or one of the focal "
        "points signed in), "
        + ", ".join(f"{n} per kind at {c} client(s)" for c, n in result["per_level"].items())
        + ", shuffled, after a warm-up of other pages. Times are the client's wall clock; "
        "p95/p99 nearest-rank. Queries per page: counted in-process (Django's test client) "
        "over three further pages of each kind.",
        "",
        *common.kinds_table(KINDS),
    ]
    verdicts = []
    for backend, data in result["backends"].items():
        lines += [f"#### {backend}", ""]
        if "skipped" in data:
            lines += [f"_{data['skipped']}_", ""]
            continue
        build = data.get("build", {})
        lines += [
            "Data: " + ", ".join(f"{v:,} {k}" for k, v in data["sizes"].items())
            + f" (tracking rows generated in {build.get('seconds', '?')} s: "
            + ", ".join(f"{table.removeprefix('tracking_')} {n:,}"
                        for table, n in build.get("rows", {}).items())
            + f"). {data['logins']} focal points signed in. Server: "
            f"{data.get('server') or '`nmirf serve --no-worker`'}; CONN_MAX_AGE "
            f"{data.get('conn_max_age')}.", ""]
        for kind in ("overdue", "calendar"):
            if kind not in data.get("followup", ()):
                lines += [f"_{kind}: the follow-up calendar's page does not exist: "
                          "not measured._", ""]
        levels = data["levels"]
        head = ("| kind | n | p50 (ms) | p95 (ms) | p99 (ms) | "
                + " | ".join(f"p95 at {c} (ms)" for c in levels if c != "1")
                + " | queries per page (min–max) |")
        lines += [head, "|---" + "|---:" * (4 + len(levels)) + "|"]
        for kind in KINDS:
            one = _summary([s for s in levels["1"]["samples"] if s["kind"] == kind])
            if not one["n"] and not one["errors"]:
                continue
            more = " | ".join(ms(_summary([s for s in level["samples"]
                                           if s["kind"] == kind])["p95"])
                              for c, level in levels.items() if c != "1")
            counted = data["queries"].get(kind) or [0]
            errors = f" ({one['errors']} errors)" if one["errors"] else ""
            lines.append(f"| {kind} | {one['n']}{errors} | {ms(one['p50'])} | "
                         f"{ms(one['p95'])} | {ms(one['p99'])} | {more} | "
                         f"{min(counted)}–{max(counted)} |")
            if kind in TARGET_KINDS:
                verdict = "met" if one["p95"] * 1000 <= TARGET_MS else "missed"
                verdicts.append(f"- {backend}: {kind} p95 ≤ {TARGET_MS:.0f} ms at one client "
                                f"— **{verdict}** ({ms(one['p95'])} ms).")
        lines.append("")
        for clients, level in levels.items():
            s = _summary(level["samples"])
            rps = len(level["samples"]) / level["wall"] if level["wall"] else 0.0
            lines.append(f"All kinds at {clients} client(s): {s['n']} pages, {s['errors']} "
                         f"errors, p95 {ms(s['p95'])} ms, {rps:.1f} pages/s.")
        lines.append("")
        reminders = data.get("reminders", {})
        if "skipped" in reminders:
            lines += [f"send-reminders: _{reminders['skipped']}_", ""]
        elif reminders.get("runs"):
            first, second = reminders["runs"]
            lines += [f"`nmirf send-reminders` over all deadlines (on a copy): first run "
                      f"{first['seconds']:.1f} s (CPU {first['cpu']:.1f} s, peak "
                      f"{first['max_rss_mb']:.0f} MB; said “{first['said']}”), second run "
                      f"{second['seconds']:.1f} s (said “{second['said']}”).", ""]
            verdict = "met" if first["seconds"] <= TARGET_REMINDERS_S else "missed"
            verdicts.append(f"- {backend}: send-reminders ≤ {TARGET_REMINDERS_S:.0f} s — "
                            f"**{verdict}** ({first['seconds']:.1f} s).")
        edits = data.get("after_edits")
        if edits:
            lines += ["After an edit (bench_edits.py's rounds on a copy of this database, "
                      f"the registry list, {bench_edits.WORKERS} worker processes): "
                      + "; ".join(f"*{kind}*: {text}" for kind, text in EDIT_KINDS.items())
                      + ".", "", *bench_edits.TABLE_HEAD]
            for kind, measured in edits["kinds"].items():
                row, verdict = bench_edits.summary(f"{backend}, {kind}", measured,
                                                   edits["first_request"])
                lines.append(row)
                verdicts.append(f"- {verdict} (issue 7, point 4, after a tracking edit).")
            lines.append("")
    scale = ("" if rows == ROWS else f" — measured here at {rows:,}, so these verdicts are "
             "indicative only")
    lines += [f"Targets (issue 8, at {ROWS:,} recommendations{scale}; the bulk assignment of "
              "10,000 rows is the assign section):", "", *verdicts, ""]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser, m = bench_list.arguments(__doc__, "--per-level", "JSON {clients: pages per kind}")
    m.add_argument("--logins", type=int, default=60)
    m.add_argument("--edit-rounds", type=int, default=0,
                   help="measure only the rounds after an edit, this many")
    args = parser.parse_args()
    if args.command == "measure" and args.edit_rounds:
        print(json.dumps(after_edits(args.database_url, args.edit_rounds), default=str))
        return 0
    if args.command == "measure":
        per_level = {int(k): v for k, v in json.loads(args.per_level).items()}
        print(json.dumps(measure(args.database_url, per_level, args.budget, args.logins),
                         default=str))
        return 0
    started = time.perf_counter()
    result = run(quick=args.quick, rebuild=args.rebuild, rows=args.rows,
                 backends=tuple(args.backend or ("sqlite", "postgresql")))
    (OUT / f"results-tracking-{args.rows}.json").write_text(json.dumps(result, default=str))
    print(result["markdown"])
    log(f"tracking: done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
