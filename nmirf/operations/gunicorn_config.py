"""gunicorn's configuration for OpenNMIRF: `nmirf serve` passes it with
`-c python:nmirf.operations.gunicorn_config`, and so can a unit that runs gunicorn itself.
Options given on gunicorn's command line (--bind, --workers, --threads) override these.

Each web worker is a process with threads (gthread): the threads of a process share one
in-memory registry index (nmirf/recommendations/registry_index.py), and a slow request
ties up a thread, not a process.
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
