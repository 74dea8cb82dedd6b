"""Where the time of `nmirf import upr-info` goes, by phase (and optionally by function).

    python benchmarks/profile_import.py DATABASE_URL FILE... [--cprofile OUT.prof]

Runs the same pipeline as the command (start_run + run_import), in-process, with timers
wrapped around the pipeline's own steps: Django start-up (imports, settings, app registry),
reading (decode + csv + adapter), the normaliser's set-up (reference data loaded) and its
per-row checks, and the commit with its parts (reviews/documents/terms, look-ups of
existing records and of other sources' candidates, the per-row plan, the inserts, the
full-text index fill). Reading, checking and writing alternate chunk by chunk (the
pipeline streams), so each step is the sum over the chunks. Prints one JSON
object: {step: seconds}. Steps whose function the product no longer has are left out.
With --cprofile the run is also profiled and the stats written to OUT.prof.
"""

import contextlib
import functools
import json
import os
import sys
import time
from pathlib import Path

T0 = time.perf_counter()
TIMES: dict[str, float] = {}


def _add(key: str, seconds: float) -> None:
    TIMES[key] = TIMES.get(key, 0.0) + seconds


def wrap(owner, name: str, key: str) -> None:
    original = getattr(owner, name, None)
    if original is None:
        return

    @functools.wraps(original)
    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            _add(key, time.perf_counter() - start)

    setattr(owner, name, timed)


def wrap_generator(owner, name: str, key: str) -> None:
    """Time each step of a generator (the time its consumer spends between steps is not
    counted)."""
    original = getattr(owner, name, None)
    if original is None:
        return

    @functools.wraps(original)
    def timed(*args, **kwargs):
        iterator = iter(original(*args, **kwargs))
        while True:
            start = time.perf_counter()
            try:
                item = next(iterator)
            except StopIteration:
                _add(key, time.perf_counter() - start)
                return
            _add(key, time.perf_counter() - start)
            yield item

    setattr(owner, name, timed)


def wrap_index_fill(search_module) -> None:
    """Time what bulk_insert_into_index does after its block: filling the FTS table."""
    original = getattr(search_module, "bulk_insert_into_index", None)
    if original is None:
        return

    @contextlib.contextmanager
    def timed(*args, **kwargs):
        manager = original(*args, **kwargs)
        manager.__enter__()
        try:
            yield
        except BaseException:
            if not manager.__exit__(*sys.exc_info()):
                raise
        else:
            start = time.perf_counter()
            manager.__exit__(None, None, None)
            _add("commit: full-text index fill", time.perf_counter() - start)

    search_module.bulk_insert_into_index = timed


def main(argv: list[str]) -> int:
    args = list(argv)
    prof_path = None
    if "--cprofile" in args:
        i = args.index("--cprofile")
        prof_path = args[i + 1]
        del args[i:i + 2]
    database_url, paths = args[0], args[1:]
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nmirf.settings")

    profiler = None
    if prof_path:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()

    import django

    django.setup()
    from django.db import connection

    from nmirf.core import search
    from nmirf.ingest import commit as commit_module
    from nmirf.ingest import pipeline, tables
    from nmirf.ingest.normalise import Normaliser

    _add("django setup (imports, settings, apps)", time.perf_counter() - T0)
    start = time.perf_counter()
    connection.ensure_connection()
    files = [pipeline.InputFile(path=Path(p), name=p) for p in paths]
    run = pipeline.start_run("upr_info", files)
    _add("connect + record the run", time.perf_counter() - start)

    # The pipeline streams: reading, checking and writing alternate chunk by chunk, so each
    # step's time is summed over the chunks.
    wrap_generator(pipeline, "_records", "read: decode + csv + adapter")
    wrap(Normaliser, "__init__", "check: load reference data")
    wrap(Normaliser, "prepare", "check: normalise + validate rows")
    wrap(pipeline, "_stream", "stream (read, check, write)")
    for name in ("_ensure_reviews", "_ensure_documents", "_ensure_new_terms"):
        wrap(commit_module.Commit, name, "commit: reviews, documents, new terms")
    wrap(commit_module.Commit, "_existing_sources", "commit: look up existing source records")
    wrap(commit_module.CandidateCache, "prepare", "commit: look up cross-source matches")
    wrap(commit_module.Commit, "_plan", "commit: plan (the per-row loop)")
    wrap(tables.Table, "insert", "commit: inserts (rows + links + sources)")
    wrap(commit_module, "execute_many", "commit: updates")
    wrap(commit_module, "_add_links", "commit: add links on update")
    wrap(commit_module.Commit, "_finish", "commit: finish (references, version, statistics)")
    wrap_index_fill(search)

    start = time.perf_counter()
    run = pipeline.run_import(run, files)
    _add("pipeline (total)", time.perf_counter() - start)
    end = time.perf_counter()
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(prof_path)

    # What the stream spent outside the timed steps: hashing, the key check, the chunks'
    # bookkeeping, progress, secondary indexes dropped and built again.
    timed = sum(v for k, v in TIMES.items()
                if k.startswith(("commit: ", "read: ", "check: ")))
    if "stream (read, check, write)" in TIMES:
        TIMES["stream: the rest"] = TIMES["stream (read, check, write)"] - timed
    TIMES["total in process"] = end - T0
    TIMES["rows"] = run.rows_read
    print(json.dumps(TIMES))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main(sys.argv[1:]))
