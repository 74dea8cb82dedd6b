"""`nmirf serve`: the production web server (gunicorn) and the background worker
(`nmirf db_worker`) together, for a single machine.

    nmirf serve [--host 127.0.0.1] [--port 8000] [--workers 2] [--threads 4] [--no-worker]

Before starting it refuses, with one line, what would serve badly: DEBUG on, migrations
not applied, static files missing. It collects static files first (hashed, compressed
names: a few seconds, skip with --no-collectstatic when the deployment does it). Then it
starts both processes, forwards SIGTERM/SIGINT (stop) and SIGHUP (reload the web workers)
to them, and stops both when either stops; a second Ctrl-C stops without waiting for the
current import. With --no-worker it becomes gunicorn itself (exec), for a service manager
that runs the worker as a unit of its own (deploy/).
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from nmirf.cli import EX_CONFIG

GUNICORN_CONFIG = "python:nmirf.operations.gunicorn_config"


def _die_with_parent() -> None:
    """In the child, before exec (Linux): get SIGTERM if `nmirf serve` dies, even by
    kill -9, so that no orphaned server keeps the port."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Refused(CommandError):
    """The configuration is not fit to serve: one line, exit status 78."""

    def __init__(self, message: str):
        super().__init__(message, returncode=EX_CONFIG)


class Command(BaseCommand):
    help = "Serve OpenNMIRF in production: gunicorn and the background worker together."
    requires_system_checks = []  # run below, after the refusals that say more

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.NMIRF_HOST,
                            help="address to listen on (default 127.0.0.1, or $NMIRF_HOST; "
                                 "0.0.0.0 for every interface)")
        parser.add_argument("--port", type=int, default=settings.NMIRF_PORT,
                            help="port to listen on (default 8000, or $NMIRF_PORT)")
        parser.add_argument("--bind", help="gunicorn bind address instead of host and port, "
                                           "e.g. unix:/run/nmirf/web.sock")
        parser.add_argument("--workers", type=int, default=2,
                            help="web worker processes (default 2)")
        parser.add_argument("--threads", type=int, default=4,
                            help="threads per web worker process (default 4)")
        parser.add_argument("--no-worker", action="store_true",
                            help="serve the web only: the background worker runs elsewhere")
        parser.add_argument("--no-collectstatic", action="store_true",
                            help="do not collect static files first (they must be collected)")
        parser.add_argument("--stop-timeout", type=float, default=60.0,
                            help="seconds to wait for both to stop before killing them "
                                 "(default 60; the worker finishes its current import)")

    def handle(self, *args, **options):
        if options["workers"] < 1 or options["threads"] < 1:
            raise Refused("--workers and --threads must be at least 1")
        self.refuse_unsafe()
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        self.refuse_unready()
        self.check(display_num_errors=False, fail_level=40)  # ERROR and above stop it

        bind = options["bind"] or f"{options['host']}:{options['port']}"
        web = [sys.executable, "-m", "gunicorn", "-c", GUNICORN_CONFIG, "--bind", bind,
               "--workers", str(options["workers"]), "--threads", str(options["threads"])]
        web.append("nmirf.wsgi:application")
        address = bind if bind.startswith("unix:") else f"http://{bind}/"
        if not settings.NMIRF_HTTPS and options["host"] not in ("127.0.0.1", "localhost",
                                                                "::1"):
            self.stderr.write("nmirf serve: warning: NMIRF_HTTPS is off: put this server behind "
                              "a TLS proxy and set NMIRF_HTTPS=true (docs/admin-guide.md)")
        sys.stdout.flush()
        sys.stderr.flush()
        web_desc = (f"gunicorn: {options['workers']} web worker process(es) × "
                    f"{options['threads']} threads")
        if options["no_worker"]:
            self.stdout.write(f"nmirf serve: {address} ({web_desc})")
            sys.stdout.flush()
            os.execv(sys.executable, web)
        worker = [sys.executable, "-m", "nmirf.cli", "db_worker"]
        self.stdout.write(f"nmirf serve: {address} ({web_desc}) and the background worker; "
                          "Ctrl-C stops both")
        sys.stdout.flush()
        raise SystemExit(Supervisor({"web server": web, "background worker": worker},
                                    options["stop_timeout"], self.stderr).run())

    def refuse_unsafe(self) -> None:
        if settings.DEBUG:
            raise Refused("DEBUG is on: the production server never shows debug pages; "
                          "unset DEBUG (use `nmirf runserver` to debug)")

    def refuse_unready(self) -> None:
        from django.db import DEFAULT_DB_ALIAS, connections
        from django.db.migrations.executor import MigrationExecutor

        try:
            executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except Exception as error:  # the database driver's own errors, whatever they are
            first = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise CommandError(f"cannot reach the database: {type(error).__name__}: "
                               f"{first}") from None
        if pending:
            raise Refused(f"{len(pending)} database migrations are not applied: run "
                          "`nmirf migrate` first")
        backend = settings.STORAGES["staticfiles"]["BACKEND"]
        manifest = backend.endswith("ManifestStaticFilesStorage")
        if manifest and not (settings.STATIC_ROOT / "staticfiles.json").exists():
            raise Refused(f"static files are not collected in {settings.STATIC_ROOT}: run "
                          "`nmirf collectstatic --no-input` (or serve without "
                          "--no-collectstatic)")


class Supervisor:
    """Two child processes that live and stop together."""

    def __init__(self, commands: dict[str, list[str]], stop_timeout: float, stderr):
        self.commands = commands
        self.stop_timeout = stop_timeout
        self.stderr = stderr
        self.children: dict[str, subprocess.Popen] = {}
        self.stops_asked = 0
        self.hangups = 0

    def _on_stop(self, signum, frame):
        self.stops_asked += 1

    def _on_hangup(self, signum, frame):
        self.hangups += 1

    def _signal_all(self, signum: int) -> None:
        for child in self.children.values():
            if child.poll() is None:
                try:
                    child.send_signal(signum)
                except ProcessLookupError:
                    pass

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._on_stop)
        signal.signal(signal.SIGINT, self._on_stop)
        signal.signal(signal.SIGHUP, self._on_hangup)
        for name, argv in self.commands.items():
            # A process group of their own: a Ctrl-C in the terminal reaches this process
            # only, which forwards it once (the worker takes a second one as "abort").
            self.children[name] = subprocess.Popen(argv, process_group=0,
                                                   preexec_fn=_die_with_parent)
        forwarded = 0
        deadline = None
        failure = 0
        while True:
            if self.hangups:
                self.hangups = 0
                self.children["web server"].send_signal(signal.SIGHUP)
            if self.stops_asked > forwarded:
                # The first: stop gracefully (gunicorn finishes its requests, the worker
                # its import). Another: now (gunicorn's and the worker's quick stop).
                self._signal_all(signal.SIGTERM if forwarded == 0 else signal.SIGINT)
                forwarded = self.stops_asked
                deadline = deadline or time.monotonic() + self.stop_timeout
            running = {name for name, child in self.children.items() if child.poll() is None}
            if not running:
                break
            if deadline is None and len(running) < len(self.children):
                # One stopped on its own: say which and why, and stop the other.
                (gone,) = set(self.children) - running
                code = self.children[gone].returncode
                failure = code if code and code > 0 else 1
                self.stderr.write(f"nmirf serve: the {gone} stopped (exit status {code}); "
                                  "stopping the rest")
                self._signal_all(signal.SIGTERM)
                deadline = time.monotonic() + self.stop_timeout
            if deadline is not None and time.monotonic() > deadline:
                self.stderr.write("nmirf serve: still running after "
                                  f"{self.stop_timeout:g} s: killing {', '.join(running)}")
                self._signal_all(signal.SIGKILL)
                failure = failure or 1
                deadline = float("inf")
            time.sleep(0.1)
        return failure
