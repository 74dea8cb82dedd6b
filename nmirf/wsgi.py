"""The WSGI application, for gunicorn (`nmirf serve`) or any other WSGI server.

A refused configuration (nmirf/environment.py) is written as one line on standard error
and the process exits with status 4, which gunicorn takes as "the application cannot
load" and stops instead of restarting its workers forever.
"""

import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nmirf.settings")

try:
    application = get_wsgi_application()
except ImproperlyConfigured as error:  # ConfigurationError included, as in nmirf.cli
    print(f"nmirf: configuration refused: {error}", file=sys.stderr, flush=True)
    raise SystemExit(4) from None
