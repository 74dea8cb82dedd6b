"""Bulk assignment of 10,000 recommendations (issue 8, "Performance": ≤ 5 s), as the
coordinator meets it: one POST of the "Assign these recommendations" form for a filtered
list of the registry (position = noted) that holds 10,000 rows, through the whole view
(filters, permission, the set-based write, the audit event, the redirect), timed in-process
with Django's test client on a database of 12,000 recommendations.

Two kinds of POST, interleaved and repeated:
- **new**: the list is assigned to an entity that has no part in it (10,000 rows written);
- **replace**: a new lead for the same list (10,000 assignments ended, 10,000 written).

    .venv/bin/python benchmarks/run.py --only assign [--quick]    # both backends, RESULTS.md
    .venv/bin/python benchmarks/bench_assign.py [--backend sqlite|postgresql] [--repeat N]

SQLite goes to benchmarks/out/assign/; PostgreSQL to BENCH_PG_DATABASE + "_assign"
(default nmirf_bench_assign) on BENCH_PG_ADMIN_URL's server (skipped with a line where it
cannot be reached). Each backend runs in its own process (Django is set up once per database)."""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

import common  # noqa: E402

ROWS, LISTED = 12_000, 10_000


def _database_url(backend: str) -> str:
    if backend == "sqlite":
        out = REPO / "benchmarks" / "out" / "assign"
        out.mkdir(parents=True, exist_ok=True)
        path = out / "assign.sqlite3"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    # Its own database beside BENCH_PG_DATABASE, which holds the list benchmark's cached
    # registry (dropping that one here would throw the cache away).
    name = f"{common.PG_DATABASE}_assign"
    if name in common.PG_FORBIDDEN:
        raise SystemExit(f"refusing to use the PostgreSQL database {name!r}")
    import psycopg

    with psycopg.connect(common.PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return common.pg_url(name)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the timings as JSON")
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = _database_url(args.backend)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nmirf.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from nmirf.accounts.models import Role, User
    from nmirf.recommendations.models import Mechanism, Recommendation, Review, State
    from nmirf.tracking.models import Assignment, Entity

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    review = Review.objects.create(key="UPR:SVN:bench", mechanism=Mechanism.objects.get(
        code="UPR"), state=State.objects.get(iso3="SVN"), session=34, cycle=3)
    Recommendation.objects.bulk_create(
        (Recommendation(review=review, text=f"Recommendation number {i} on education.",
                        paragraph=str(i), position="noted" if i < LISTED else "supported",
                        external_key=f"bench:{i}") for i in range(ROWS)), batch_size=2000)
    entities = [Entity.objects.create(name=f"Ministry {i}", kind="ministry") for i in range(2)]
    coordinator = User.objects.create(username="bench-coordinator", role=Role.COORDINATOR)
    client = Client()
    client.force_login(coordinator)
    url = reverse("tracking:assign_from_list")
    timings = {"new": [], "replace": []}
    for _ in range(args.repeat):
        for kind in ("new", "replace"):
            entity = entities[0] if kind == "new" else entities[1]
            if kind == "new":  # start each round with nothing assigned
                Assignment.objects.all().delete()
            started = time.perf_counter()
            response = client.post(url, {"query": "position=noted", "entity": entity.pk,
                                         "role": "lead"})
            timings[kind].append(time.perf_counter() - started)
            assert response.status_code == 302, response.content[:300]
            assert Assignment.objects.current().filter(entity=entity).count() == LISTED
    load = os.getloadavg()
    if args.json:
        print(json.dumps({"backend": args.backend, "timings": timings, "load": load}))
        return 0
    print(f"\nBulk assignment of {LISTED:,} rows ({args.backend}, {ROWS:,} recommendations, "
          f"{args.repeat} rounds, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f})\n")
    print("| POST | median | min | max | target |")
    print("|---|---|---|---|---|")
    for kind, values in timings.items():
        print(f"| {kind} | {statistics.median(values):.2f} s | {min(values):.2f} s | "
              f"{max(values):.2f} s | ≤ 5 s |")
    return 0


def run(quick: bool = False) -> dict:
    """For run.py: both backends, each in a subprocess; a Markdown section."""
    repeat = 2 if quick else 5
    rows, notes = [], []
    for backend in ("sqlite", "postgresql"):
        done = subprocess.run([sys.executable, __file__, "--backend", backend, "--repeat",
                               str(repeat), "--json"], capture_output=True, text=True,
                              cwd=REPO)
        if done.returncode:
            notes.append(f"{backend}: not run ({done.stderr.strip().splitlines()[-1]})")
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        for kind, values in result["timings"].items():
            rows.append(f"| {backend} | {kind} | {statistics.median(values):.2f} s | "
                        f"{min(values):.2f} s | {max(values):.2f} s | ≤ 5 s |")
    markdown = (f"{LISTED:,} of {ROWS:,} recommendations assigned by one POST of the form "
                f"(whole view, in-process test client), {repeat} rounds each, interleaved. "
                "new: 10,000 rows written; replace: a new lead, 10,000 ended and 10,000 "
                "written.\n\n| backend | POST | median | min | max | target |\n"
                "|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n")
    if notes:
        markdown += "\n" + "\n".join(notes) + "\n"
    return {"markdown": markdown}


if __name__ == "__main__":
    raise SystemExit(main())
