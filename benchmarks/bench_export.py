"""Exporting the whole registry (issue 9, "Performance": at 250,000 recommendations, CSV
≤ 20 s and XLSX ≤ 60 s, peak memory under 300 MB), timed as whole commands against a plain
`csv.writer` script over the same rows, in the same run.

On the list benchmark's synthetic SQLite registry (bench_list.build_sqlite: built once and
cached; `--rows` picks its size), each repetition runs, interleaved and each in its own
subprocess (wall clock from fork to exit; CPU time and peak resident memory of that child
alone, from wait4):

- `nmirf export --format csv -o FILE`, `--format xlsx` and `--format json` — every active
  recommendation, no filter, the list's default order, with the command line's own access
  (every column, tracking's included);
- `baseline_export.py`: the same rows and columns from one SQL statement written by
  `csv.writer` (no Django, no neutralising, no translation).

One untimed warm-up of each first (the file's pages in the OS cache for all). The
product's CSV is then read back and its rows counted against the baseline's. Also timed:
the command's fixed start-up (`nmirf export --format none`, refused after Django set-up).

    python benchmarks/run.py --only export [--quick] [--export-rows N]
    python benchmarks/bench_export.py [--quick] [--rows N] [--rebuild]
"""

import argparse
import csv
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from common import log  # noqa: E402

ROWS = 250_000
FORMATS = ("csv", "xlsx", "json")
TARGET_SECONDS = {"csv": 20.0, "xlsx": 60.0}  # at 250,000 rows
TARGET_MEMORY_MB = 300.0
WORK = common.OUT / "export"


def _export(url: str, fmt: str, expect: int = 0) -> common.Timed:
    out = WORK / f"export.{fmt}"
    return common.timed_run([*common.NMIRF_COMMAND, "export", "--format", fmt, "-o", out,
                             "--no-progress"], env=common.nmirf_env(url), expect=expect)


def _baseline(db: Path) -> common.Timed:
    return common.timed_run([common.PYTHON, common.BENCH_DIR / "baseline_export.py", db,
                             WORK / "baseline.csv"])


def _count_csv(path: Path) -> int:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return sum(1 for _row in csv.reader(handle)) - 1


def _count_json(path: Path) -> int:
    """Objects in the export's array, which writes one a line (never loaded whole)."""
    with open(path, encoding="utf-8") as handle:
        return sum(1 for line in handle if line.startswith("{"))


def run(quick: bool = False, rows: int = ROWS, rebuild: bool = False) -> dict:
    if not common.upr_info_files():
        line = common.skip_line("Export benchmark")
        log(line)
        return {"skipped": line, "markdown": f"_{line}_\n"}
    import bench_list

    db, info = bench_list.build_sqlite(rows, rebuild)
    # Measured from a fresh, small process: on Linux a child's ru_maxrss starts from its
    # parent's resident size at fork (the pages it shares until exec), and this one holds
    # the synthetic data it may just have generated. The measuring process imports only
    # the standard library and common.py (about 20 MB, the floor of every figure below).
    measured = subprocess.run(
        [common.PYTHON, __file__, "--measure", str(db), str(1 if quick else 3)],
        check=True, stdout=subprocess.PIPE, cwd=common.REPO)
    result = json.loads(measured.stdout)
    result.update(rows=rows, build=info)
    result["markdown"] = markdown(result)
    return result


def measure(db: Path, repeat: int) -> dict:
    url = common.sqlite_url(db)
    WORK.mkdir(parents=True, exist_ok=True)
    floor = common.timed_run([common.PYTHON, "-c", "pass"]).max_rss_mb
    log("export: warming up…")
    _baseline(db)
    for fmt in FORMATS:
        _export(url, fmt)
    sides = {"baseline": [], **{fmt: [] for fmt in FORMATS}}
    for round_ in range(repeat):
        log(f"export: round {round_ + 1} of {repeat}")
        sides["baseline"].append(_baseline(db))
        for fmt in FORMATS:
            sides[fmt].append(_export(url, fmt))
    startup = [_export(url, "none", expect=2) for _ in range(repeat)]
    exported, expected = _count_csv(WORK / "export.csv"), _count_csv(WORK / "baseline.csv")
    return {
        "repeat": repeat, "rss_floor_mb": floor,
        "rows_exported": {"csv": exported, "json": _count_json(WORK / "export.json"),
                          "baseline": expected},
        "sizes_mb": {name: round((WORK / f"{name}").stat().st_size / 1e6, 1)
                     for name in ("export.csv", "export.xlsx", "export.json",
                                  "baseline.csv")},
        "startup": common.summary([t.wall for t in startup]),
        "startup_cpu": common.summary([t.cpu for t in startup]),
        "sides": {name: {"wall": common.summary([t.wall for t in runs]),
                         "cpu": common.summary([t.cpu for t in runs]),
                         "max_rss_mb": max(t.max_rss_mb for t in runs)}
                  for name, runs in sides.items()},
    }


def _verdict(result: dict, fmt: str) -> str:
    side = result["sides"][fmt]
    memory_ok = side["max_rss_mb"] < TARGET_MEMORY_MB
    if result["rows"] != ROWS:
        # What a linear scaling of the part beyond start-up would give at 250,000: by wall
        # clock, and by CPU time, which other load on a shared machine hardly changes.
        factor = ROWS / result["rows"]
        startup, startup_cpu = result["startup"]["median"], result["startup_cpu"]["median"]
        wall = startup + (side["wall"]["median"] - startup) * factor
        cpu = startup_cpu + (side["cpu"]["median"] - startup_cpu) * factor
        target = TARGET_SECONDS.get(fmt)
        return (f"not judged at {result['rows']:,} rows; linear beyond start-up: about "
                f"{wall:.0f} s wall, {cpu:.0f} s CPU at {ROWS:,}"
                + (f" (target ≤ {target:.0f} s)" if target else ""))
    parts = []
    if fmt in TARGET_SECONDS:
        ok = side["wall"]["median"] <= TARGET_SECONDS[fmt]
        parts.append(f"time {'met' if ok else 'missed'} (≤ {TARGET_SECONDS[fmt]:.0f} s)")
    parts.append(f"memory {'met' if memory_ok else 'missed'} (< {TARGET_MEMORY_MB:.0f} MB)")
    return ", ".join(parts)


def markdown(r: dict) -> str:
    base = r["sides"]["baseline"]["wall"]["median"]
    lines = [
        f"Every active recommendation of the synthetic registry ({r['rows']:,} rows, SQLite; "
        f"bench_list's data) exported by the whole command `nmirf export --format F -o FILE` "
        f"and by `baseline_export.py` (one SQL statement, `csv.writer`), interleaved, "
        f"{r['repeat']} repetition(s) after a warm-up; peak memory is each command's own "
        "maximum resident set size (wait4), the largest of its runs. Targets (issue 9) at "
        "250,000 rows: CSV ≤ 20 s, XLSX ≤ 60 s, peak memory < 300 MB.",
        "",
        "| command | wall median (s) | wall min (s) | CPU median (s) | peak memory (MB) | "
        "× baseline (median) | file (MB) | verdict |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    files = {"baseline": "baseline.csv", "csv": "export.csv", "xlsx": "export.xlsx",
             "json": "export.json"}
    for name in ("baseline", *FORMATS):
        side = r["sides"][name]
        label = "`baseline_export.py` (csv.writer)" if name == "baseline" else (
            f"`nmirf export --format {name}`")
        verdict = "—" if name == "baseline" else _verdict(r, name)
        lines.append(
            f"| {label} | {side['wall']['median']:.2f} | {side['wall']['min']:.2f} | "
            f"{side['cpu']['median']:.2f} | {side['max_rss_mb']:.0f} | "
            f"{side['wall']['median'] / base:.1f}× | {r['sizes_mb'][files[name]]} | "
            f"{verdict} |")
    counted = r["rows_exported"]
    lines += [
        "",
        f"Rows written: CSV {counted['csv']:,}, JSON {counted['json']:,}, baseline "
        f"{counted['baseline']:,}"
        + (" (the same)." if counted["csv"] == counted["baseline"] == counted["json"]
           else " — **they differ**."),
        f"The command's fixed start-up (Django set-up, then a refused format): median "
        f"{r['startup']['median']:.2f} s wall, {r['startup_cpu']['median']:.2f} s CPU. "
        "Peak memory is measured from a small parent "
        f"process, whose own size ({r['rss_floor_mb']:.0f} MB: `python -c pass`) is the "
        "floor of every figure.",
    ]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--measure", nargs=2, metavar=("DATABASE", "REPEAT"),
                        help=argparse.SUPPRESS)  # run() measures in a fresh process
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(Path(args.measure[0]), int(args.measure[1]))))
        return 0
    result = run(quick=args.quick, rows=args.rows, rebuild=args.rebuild)
    print(result["markdown"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
