"""Import at scale: PostgreSQL beside SQLite, peak memory, and a registry already large.

Every figure is a whole `nmirf import upr-info` command in a subprocess (wall clock and
its own peak resident memory, from wait4), as a user runs it:

- PostgreSQL and SQLite: the 40,814 shared UPR Info rows into a fresh migrated and seeded
  database of each (SQLite: a copy of a template file; PostgreSQL: a database created from
  a template database, BENCH_PG_IMPORT_DATABASE, `bench_import` by default), interleaved;
  the ratio of the medians is the figure (issue 7: PostgreSQL within 1.5× SQLite);
- peak memory: of those imports, and of one import of --large synthetic UPR Info rows
  (1,000,000 by default; recombined from the real texts as benchmarks/synth.py does; in
  files of 500,000 rows, since a CSV file may not exceed 256 MB), with the slope per row
  between the two (issue 7: ≤ 500 MB
  for a 1,000,000-row file, independent of its size);
- a registry already large: 50,000 synthetic UPR Info rows (another seed, so new
  recommendations) into an empty registry and into one of --registry recommendations
  (the list benchmark's synthetic registry, both sources, built and cached by
  bench_list.py), interleaved, on SQLite (issue 7: within 2× of the empty one).

    python benchmarks/bench_import_scale.py [--quick] [--large N] [--registry N]
                                            [--no-postgres]
"""

import argparse
import csv
import json
import os
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_import  # noqa: E402
import bench_list  # noqa: E402
import common  # noqa: E402
import synth  # noqa: E402
from common import OUT, log, summary  # noqa: E402

PG_TARGET = 1.5  # issue 7 point 5: PostgreSQL within 1.5× SQLite
LARGE_REGISTRY_TARGET = 2.0  # a 50,000-row import into 1,000,000 within 2× into none
MEMORY_TARGET_MB = 500  # for a 1,000,000-row file
FILE_ROWS = 50_000
FILE_LIMIT = 500_000  # rows a file: about 185 MB, under the 256 MB a CSV file may have
WORK = OUT / "import-scale"
PG_DATABASE = os.environ.get("BENCH_PG_IMPORT_DATABASE", "bench_import")


def upr_files(stem: str, rows: int, seed: int) -> list[Path]:
    """UPR Info exports of `rows` rows in all, recombined from the real texts (synth.py's
    UPR rows: real reviews of the schedule, real recommending states, responses and
    issues, texts made of real clauses), no two with the same identity; FILE_LIMIT rows a
    file, because a CSV file may not exceed 256 MB (a bound on hostile input that imports
    keep: files/common.py). Cached by their names."""
    count = -(-rows // FILE_LIMIT)
    paths = [WORK / f"{stem}_{n + 1}of{count}.csv" for n in range(count)]
    done = WORK / f"{stem}.done"
    if done.exists():
        return paths
    log(f"import-scale: writing {rows:,} synthetic UPR Info rows ({count} files)…")
    source = synth.real_rows(common.upr_info_files())
    reviews = synth.schedule(bench_list.SESSIONS_CSV)
    rng = random.Random(seed)
    texts = synth.Texts(source, rows, rng)
    seen: set[int] = set()
    for number, path in enumerate(paths):
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(synth.COLUMNS)
            for _ in range(min(FILE_LIMIT, rows - number * FILE_LIMIT)):
                while True:
                    row = rng.choice(source)
                    session, state = rng.choice(reviews)
                    text = texts.upr()
                    identity = hash((state, session, row["From"], text))
                    if identity not in seen:
                        seen.add(identity)
                        break
                writer.writerow([state if c == "To" else str(session) if c == "Session"
                                 else text if c == "Text" else row[c] for c in synth.COLUMNS])
    done.write_text(json.dumps([path.name for path in paths]))
    return paths


def _sqlite_import(template: Path, files: list[Path], name: str = "nmirf") -> common.Timed:
    db = WORK / f"{name}.sqlite3"
    common.copy_sqlite(template, db)
    return common.nmirf(["import", "upr-info", "--no-progress", *files],
                        common.sqlite_url(db))


# --- PostgreSQL -------------------------------------------------------------------------

def _pg_template() -> str | None:
    if common.postgres_version() is None:
        return None
    import psycopg

    template = f"{PG_DATABASE}_template"
    for name in (PG_DATABASE, template):
        if name in common.PG_FORBIDDEN:
            raise SystemExit(f"refusing to use the PostgreSQL database {name!r}")
    with psycopg.connect(common.PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
        admin.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{template}"')
    log("import-scale: migrating and seeding a PostgreSQL template database (not timed)…")
    common.nmirf(["migrate", "--no-input"], common.pg_url(template))
    return template


def _pg_import(template: str, files: list[Path]) -> common.Timed:
    import psycopg

    with psycopg.connect(common.PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{PG_DATABASE}" TEMPLATE "{template}"')
    return common.nmirf(["import", "upr-info", "--no-progress", *files], common.pg_url(PG_DATABASE))


def _drop_pg(template: str) -> None:
    import psycopg

    with psycopg.connect(common.PG_ADMIN_URL, autocommit=True) as admin:
        for name in (PG_DATABASE, template):
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the benchmark ----------------------------------------------------------------------

def _side(runs: list[common.Timed]) -> dict:
    return {"wall": summary([r.wall for r in runs]), "cpu": summary([r.cpu for r in runs]),
            "max_rss_mb": max(r.max_rss_mb for r in runs)}


def _ratio(first: list[common.Timed], second: list[common.Timed]) -> dict:
    return {"of_medians": statistics.median(r.wall for r in first)
            / statistics.median(r.wall for r in second),
            "per_pair": summary([a.wall / b.wall for a, b in zip(first, second, strict=True)]),
            "cpu": statistics.median(r.cpu for r in first)
            / statistics.median(r.cpu for r in second)}


def run(quick: bool = False, large: int = 1_000_000, registry: int = 1_000_000,
        postgres: bool = True) -> dict:
    files = common.upr_info_files()
    if not files:
        line = common.skip_line("Import scale benchmark")
        log(line)
        return {"skipped": line, "markdown": f"_{line}_\n"}
    WORK.mkdir(parents=True, exist_ok=True)
    repeats = 3 if quick else 5
    result: dict = {"repeats": repeats, "load_at_start": os.getloadavg()}
    template = bench_import._template()

    # 1. The shared rows on both databases, interleaved.
    pg_template = _pg_template() if postgres else None
    sqlite_runs, pg_runs = [], []
    for i in range(repeats):
        pair = [("sqlite", lambda: _sqlite_import(template, files))]
        if pg_template:
            pair.append(("postgresql", lambda: _pg_import(pg_template, files)))
        for side, call in (pair if i % 2 == 0 else pair[::-1]):
            timed = call()
            (sqlite_runs if side == "sqlite" else pg_runs).append(timed)
            log(f"import-scale: 40,814 rows, {side}: {timed.wall:.2f} s, "
                f"{timed.max_rss_mb:.0f} MB")
    result["shared"] = {"sqlite": _side(sqlite_runs)}
    if pg_runs:
        result["shared"]["postgresql"] = _side(pg_runs)
        result["shared"]["pg_over_sqlite"] = _ratio(pg_runs, sqlite_runs)
        _drop_pg(pg_template)
    else:
        result["shared"]["postgresql_skipped"] = "PostgreSQL not reachable or not asked for"

    # 2. Peak memory of one large file.
    big = upr_files(f"upr_info_synthetic_{large}", large, seed=7)
    timed = _sqlite_import(template, big, name="large")
    log(f"import-scale: {large:,} rows in one import: {timed.wall:.1f} s, "
        f"{timed.max_rss_mb:.0f} MB; {timed.stdout.strip().splitlines()[-1]}")
    shared_rss = statistics.median(r.max_rss_mb for r in sqlite_runs)
    result["large_file"] = {
        "rows": large, "files": len(big), "wall": timed.wall, "max_rss_mb": timed.max_rss_mb,
        "message": timed.stdout.strip().splitlines()[-1],
        "slope_kb_per_row": (timed.max_rss_mb - shared_rss) * 1024 / (large - 40_814),
    }
    (WORK / "large.sqlite3").unlink(missing_ok=True)

    # 3. 50,000 new rows into an empty registry and into a large one.
    (fifty,) = upr_files(f"upr_info_synthetic_{FILE_ROWS}_new", FILE_ROWS, seed=11)
    big_registry, info = bench_list.build_sqlite(registry, rebuild=False)
    empty_runs, full_runs = [], []
    for i in range(repeats):
        order = ("empty", "full") if i % 2 == 0 else ("full", "empty")
        for side in order:
            timed = _sqlite_import(template if side == "empty" else big_registry, [fifty],
                                   name=f"registry-{side}")
            (empty_runs if side == "empty" else full_runs).append(timed)
            log(f"import-scale: 50,000 rows into the {side} registry: {timed.wall:.2f} s")
    for side in ("empty", "full"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{WORK / f'registry-{side}.sqlite3'}{suffix}").unlink(missing_ok=True)
    result["registry"] = {"rows": info.get("rows", registry), "empty": _side(empty_runs),
                          "full": _side(full_runs),
                          "full_over_empty": _ratio(full_runs, empty_runs),
                          "message": full_runs[-1].stdout.strip().splitlines()[-1]}
    result["markdown"] = markdown(result)
    return result


def _verdict(value: float, target: float) -> str:
    return "meets" if value <= target else "misses"


def _at_a_million(large: dict) -> float:
    return large["max_rss_mb"] + large["slope_kb_per_row"] * (1_000_000 - large["rows"]) / 1024


def markdown(r: dict) -> str:
    shared = r["shared"]
    lite = shared["sqlite"]
    lines = [
        f"Whole `nmirf import upr-info` commands, {r['repeats']} interleaved repetitions; "
        "peak memory is the command's own maximum resident set size (wait4). Load average "
        "at the start: " + " ".join(f"{x:.2f}" for x in r["load_at_start"]) + ".",
        "",
        "| import | database | wall median (s) | wall min (s) | CPU median (s) | "
        "peak memory (MB) |",
        "|---|---|---:|---:|---:|---:|",
        f"| 40,814 shared rows, fresh registry | SQLite | {lite['wall']['median']:.2f} | "
        f"{lite['wall']['min']:.2f} | {lite['cpu']['median']:.2f} | "
        f"{lite['max_rss_mb']:.0f} |",
    ]
    pg = shared.get("postgresql")
    if pg:
        lines.append(
            f"| 40,814 shared rows, fresh registry | PostgreSQL | {pg['wall']['median']:.2f} "
            f"| {pg['wall']['min']:.2f} | {pg['cpu']['median']:.2f} (client only) | "
            f"{pg['max_rss_mb']:.0f} (client) |")
    large = r["large_file"]
    lines.append(f"| {large['rows']:,} synthetic rows in one import ({large['files']} "
                 "files), fresh registry | SQLite | "
                 f"{large['wall']:.1f} | | | {large['max_rss_mb']:.0f} |")
    reg = r["registry"]
    for side, label in (("empty", "an empty registry"),
                        ("full", f"a registry of {reg['rows']:,}")):
        lines.append(
            f"| 50,000 new synthetic rows into {label} | SQLite | "
            f"{reg[side]['wall']['median']:.2f} | {reg[side]['wall']['min']:.2f} | "
            f"{reg[side]['cpu']['median']:.2f} | {reg[side]['max_rss_mb']:.0f} |")
    lines.append("")
    if pg:
        ratio = shared["pg_over_sqlite"]
        lines.append(
            f"**PostgreSQL / SQLite (median / median): {ratio['of_medians']:.2f}×** — target "
            f"≤ {PG_TARGET}×: **{_verdict(ratio['of_medians'], PG_TARGET)}**; per "
            f"interleaved pair median {ratio['per_pair']['median']:.2f}×, min "
            f"{ratio['per_pair']['min']:.2f}×, max {ratio['per_pair']['max']:.2f}× "
            "(the PostgreSQL server's own CPU is not in the client's CPU time).")
    else:
        lines.append(f"_PostgreSQL: {shared.get('postgresql_skipped')}._")
    lines += [
        "",
        f"**Peak memory: {large['max_rss_mb']:.0f} MB for {large['rows']:,} rows** against "
        f"{lite['max_rss_mb']:.0f} MB for 40,814 — "
        f"{large['slope_kb_per_row'] * 1024:.0f} bytes per extra row "
        f"({large['slope_kb_per_row'] * 1e6 / 1024:.0f} MB per million; what spans the "
        "import: a hash of each key (the pipeline's check for a key met twice), an 8-byte "
        "digest of each key (the UPR Info adapter's count of repeated rows), a hash per "
        "created recommendation (exact repeats), and SQLite's page cache filling up to its "
        f"64 MiB); target ≤ {MEMORY_TARGET_MB} MB for 1,000,000 rows"
        + (f": **{_verdict(large['max_rss_mb'], MEMORY_TARGET_MB)}**."
           if large["rows"] >= 1_000_000 else
           f" (extrapolated to 1,000,000 at that slope: {_at_a_million(large):.0f} MB)."),
        f"The large import said: {large['message']}",
        "",
    ]
    ratio = reg["full_over_empty"]
    lines += [
        f"**Into a registry of {reg['rows']:,} / into an empty one (median / median): "
        f"{ratio['of_medians']:.2f}×** — target ≤ {LARGE_REGISTRY_TARGET:.0f}×: "
        f"**{_verdict(ratio['of_medians'], LARGE_REGISTRY_TARGET)}**; per interleaved pair "
        f"median {ratio['per_pair']['median']:.2f}×, min {ratio['per_pair']['min']:.2f}×, "
        f"max {ratio['per_pair']['max']:.2f}×; CPU {ratio['cpu']:.2f}×. The registry is the "
        "list benchmark's (UPR Info and template rows of every mechanism); the 50,000 rows "
        "are new to it, in its reviews. The import into it said: " + reg["message"],
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--registry", type=int, default=1_000_000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    result = run(quick=args.quick, large=args.large, registry=args.registry,
                 postgres=not args.no_postgres)
    (OUT / "import-scale.json").write_text(json.dumps(
        {k: v for k, v in result.items() if k != "markdown"}, indent=1, default=str))
    print(result["markdown"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
