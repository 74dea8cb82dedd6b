"""Error pages in the site's layout: a refused form (CSRF) and a server error.

Neither ever shows what went wrong inside: the reason and the traceback go to the log
(nmirf.operations.logs writes them as JSON lines), the person gets what to do next.
"""

import logging

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)

# Shown when even the layout cannot be rendered (the error may lie in it).
PLAIN_500 = (
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Server error · "
    "OpenNMIRF</title></head><body><h1>Server error</h1><p>Something went wrong on the "
    "server. It has been logged; please try again later.</p></body></html>"
)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form came back without its token or with a stale one. Django
    has already logged the reason (logger django.security.csrf)."""
    referer = request.headers.get("Referer", "")
    back = referer if url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) else ""
    return render(request, "403_csrf.html", {"back_url": back}, status=403)


@requires_csrf_token
def server_error(request):
    """handler500: the layout with the user's language and menu where they can be had.
    The error may be the database's: then the context processors (the signed-in person,
    the messages) fail too, and the page is drawn again without them — the layout in the
    language the address asked for, with its way back, and no menu of the person's."""
    try:
        template = loader.get_template("500.html")
    except Exception:
        logger.exception("the 500 page could not be loaded; sent the plain one")
        return HttpResponseServerError(PLAIN_500)
    try:
        return HttpResponseServerError(template.render({}, request))
    except Exception:
        logger.exception("the 500 page could not be rendered with the request; drawn "
                         "without it")
    try:
        return HttpResponseServerError(template.render({}))
    except Exception:
        logger.exception("the 500 page could not be rendered; sent the plain one")
        return HttpResponseServerError(PLAIN_500)
