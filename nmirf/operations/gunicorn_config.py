"""gunicorn's configuration for OpenNMIRF: `nmirf serve` passes it with
`-c python:nmirf.operations.gunicorn_config`, and so can a unit that runs gunicorn itself.
Options given on gunicorn's command line (--bind, --workers, --threads) override these.

Each web worker is a process with threads (gthread): the threads of a process share one
in-memory registry index (nmirf/recommendations/registry_index.py), and a slow request
ties up a thread, not a process. A list page is mostly Python (numpy counts, templates):
threads of one process take turns on one core (the GIL), so use about one process per core.
On the 2-core benchmark machine, 2 × 4 and 4 × 2 served fresh list pages at 8 clients at
the same rate within the noise of a shared machine (33–60 against 36–38 pages/s), 2 × 4 in
less memory (about 210 against 250 MB PSS at 250,000 recommendations). The index, built
once in the master before the workers fork (when_ready), is shared between them.
"""

import os
from pathlib import Path

from nmirf.environment import TRUE, Environment

wsgi_app = "nmirf.wsgi:application"
bind = ["127.0.0.1:8000"]
worker_class = "gthread"
workers = 2
threads = 4
# A request running longer than this is answered with an error and its worker restarted;
# imports run in the background worker, so nothing legitimate comes close.
timeout = 60
graceful_timeout = 30
keepalive = 5
# Load the application once, before forking: a refused configuration is reported once
# (nmirf/wsgi.py exits with status 4, "App failed to load") and workers share memory.
preload_app = True
# Heartbeat files of the workers in memory, not on a disk that may be slow or read-only.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# gunicorn 25+ opens a control socket under $HOME by default; two instances on one machine
# would share it, and a service account may have no home: off.
control_socket_disable = True
errorlog = "-"


def when_ready(server):
    """Build the registry index once, in the master, before the workers fork (the app is
    preloaded), with what searches read ahead of their first visitor (the names they
    resolve, the vocabulary of "Did you mean"): each worker starts with it — no visitor
    waits for a build, and the arrays are shared copy-on-write instead of built and held
    once per worker. gc.freeze() keeps the collector from touching, and so copying, those
    shared pages. A database that cannot answer yet (not migrated) leaves each worker to
    build it on its first page."""
    import gc

    from django.db import connections

    try:
        from nmirf.recommendations import registry_search
        from nmirf.recommendations.registry_index import current_index

        registry_search.warm(current_index())
    except Exception as error:  # noqa: BLE001 - the workers build it later, or report
        server.log.warning("registry index not built before forking: %s", error)
    finally:
        connections.close_all()  # a connection must not be shared by forked workers
    gc.freeze()
proc_name = "nmirf-web"

# gunicorn's own records (start, stop, worker timeouts) and one per request (method, path,
# status, bytes, duration) as the same JSON lines as the application's
# (nmirf/operations/logs.py); NMIRF_ACCESS_LOG=false leaves requests to the proxy's log,
# LOG_FORMAT=text keeps gunicorn's text.
# (Read leniently: settings, loaded next, refuse a malformed value with one line.)
_env = Environment.from_process(default_env_file=Path(__file__).resolve().parents[2] / ".env")
_access = "INFO" if _env.text("NMIRF_ACCESS_LOG", "true").lower() in TRUE else "WARNING"
if _env.text("LOG_FORMAT", "json").lower() != "text":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "nmirf.operations.logs.JsonFormatter"}},
        "handlers": {
            "stderr": {"class": "nmirf.operations.logs.StderrHandler", "formatter": "json"},
        },
        "root": {"level": "WARNING", "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": _access, "handlers": ["stderr"], "propagate": False},
        },
    }
else:
    accesslog = "-" if _access == "INFO" else None
