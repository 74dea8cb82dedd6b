"""The project's addresses plus one view that fails, for tests/core/test_error_pages.py."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import path

from nmirf.urls import handler500
from nmirf.urls import urlpatterns as project_urlpatterns

SECRET_DETAIL = "connection string postgres://nmirf:s3cret@db/nmirf refused"


def fails(request):
    raise RuntimeError(SECRET_DETAIL)


def database_down(request):
    """A context processor that fails as one reading the database does when it is down."""
    from django.db import OperationalError

    raise OperationalError("could not connect to server")


urlpatterns = [path("fails/", fails), *project_urlpatterns,
               *i18n_patterns(path("fails-in-a-language/", fails),
                              prefix_default_language=False)]

__all__ = ["handler500", "urlpatterns"]
