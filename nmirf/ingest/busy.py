"""A clear "busy, try again" page instead of a server error when the database stays locked.

On SQLite one writer holds the write lock at a time; a short write (a login's last_login,
a session) waits for it through the busy timeout (settings, NMIRF_SQLITE_TIMEOUT, 20 s),
which covers any ordinary import (a 40,000-row import holds the lock about a second). An
import of a million rows, or a backup, can hold it longer: the request that gave up then
gets this page (503, Retry-After) rather than a 500, and can simply be sent again.

Enabled by "nmirf.ingest.busy.DatabaseBusyMiddleware" in settings.MIDDLEWARE.
"""

import logging

from django.db import OperationalError
from django.template.response import SimpleTemplateResponse

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10


def is_locked(exception: BaseException) -> bool:
    return isinstance(exception, OperationalError) and "locked" in str(exception).lower()


class DatabaseBusyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_locked(exception):
            return None
        logger.warning("database locked: %s %s answered 503 (busy)", request.method,
                       request.path)
        response = SimpleTemplateResponse("ingest/busy.html", {"request": request},
                                          status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response.render()
