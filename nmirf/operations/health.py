"""/health/: is this instance able to serve, and is a background worker running?

For load balancers, container health checks and monitoring. No login, outside the
language prefix, exempt from the HTTPS redirect; it answers JSON and says nothing an
outsider could use (no error text, no host names):

    {"status": "ok", "database": "ok",
     "worker": {"seen_recently": true, "last_seen_seconds_ago": 4}}

200 when the database answers one cheap query, 503 when it does not. A worker not seen
recently makes the status "degraded" (imports from the web wait) but still 200, so a load
balancer keeps a web server that can serve pages; add ?require=worker to get 503 for it
too (for a monitor that should page someone).
"""

import logging

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from nmirf.operations.heartbeat import NOT_SEEN, worker_status

logger = logging.getLogger(__name__)


def database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("health check: the database did not answer")
        return False


def cache_worker_status() -> dict:
    try:
        return worker_status()
    except Exception:
        logger.exception("health check: the cache holding the worker's heartbeat failed")
        return dict(NOT_SEEN)


@never_cache
@require_safe  # GET, and HEAD for probes that ask for the status alone
def health(request):
    database_ok = database_answers()
    worker = cache_worker_status()
    require_worker = request.GET.get("require") == "worker"
    if not database_ok:
        status, code = "error", 503
    elif not worker["seen_recently"]:
        status, code = "degraded", 503 if require_worker else 200
    else:
        status, code = "ok", 200
    return JsonResponse({"status": status, "database": "ok" if database_ok else "error",
                         "worker": worker}, status=code)
