"""Log records as JSON lines on standard error: what journald, Docker and log collectors
(Loki, Elastic, CloudWatch…) read without a parsing rule.

One line per record, with: time (UTC, ISO 8601), level, logger, message; for a record
about a request (Django's `django.request`, `django.security.*`, `django.server`), its
method, path, status and the user's id where known; and the exception with its traceback
as one string field. Settings: LOGGING in nmirf/settings.py; gunicorn's own records use
the same formatter (nmirf/operations/gunicorn_config.py).
"""

import json
import logging
import sys
from datetime import UTC, datetime

# Attributes every LogRecord has; anything else a caller passed in `extra` is added to the
# line (when JSON can carry it).
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
_SKIPPED = {"request", "status_code", "server_time"}


def _request_fields(request) -> dict:
    """Method, path and user id of a Django request; nothing that could raise."""
    fields = {}
    method = getattr(request, "method", None)
    path = getattr(request, "path", None)
    if isinstance(method, str) and isinstance(path, str):
        fields["method"] = method
        fields["path"] = path
        # Only a user already loaded: logging must not query the database (it may be the
        # reason for the error).
        user = getattr(request, "_cached_user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            fields["user_id"] = user.pk
    return fields


def _access_fields(atoms: dict) -> dict:
    """gunicorn passes its access log record the request's parts ("atoms")."""
    fields = {"method": atoms.get("m"), "path": atoms.get("U"), "remote": atoms.get("h")}
    if atoms.get("q"):
        fields["query"] = atoms["q"]
    for key, atom, kind in (("status", "s", int), ("bytes", "B", int),
                            ("duration_ms", "D", int)):
        try:
            fields[key] = kind(atoms.get(atom))
        except (TypeError, ValueError):
            continue
    if "duration_ms" in fields:
        fields["duration_ms"] = round(fields["duration_ms"] / 1000, 1)  # gunicorn: µs
    return {key: value for key, value in fields.items() if value not in (None, "-")}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request = getattr(record, "request", None)
        if request is not None:
            line.update(_request_fields(request))
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            line.update(_access_fields(record.args))
        status = getattr(record, "status_code", None)
        if isinstance(status, int):
            line["status"] = status
        for key, value in vars(record).items():
            if key in _STANDARD or key in _SKIPPED or key.startswith("_") or key in line:
                continue
            line[key] = value if isinstance(value, str | int | float | bool | None) else repr(
                value)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class StderrHandler(logging.StreamHandler):
    """A stream handler that writes to whatever sys.stderr is at the moment of writing
    (as logging's last-resort handler does), so a test capturing stderr sees the line."""

    def __init__(self, level=logging.NOTSET):
        logging.Handler.__init__(self, level)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass  # always sys.stderr
