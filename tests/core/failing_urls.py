"""The project's addresses plus one view that fails, for tests/core/test_error_pages.py."""

from django.urls import path

from nmirf.urls import handler500
from nmirf.urls import urlpatterns as project_urlpatterns

SECRET_DETAIL = "connection string postgres://nmirf:s3cret@db/nmirf refused"


def fails(request):
    raise RuntimeError(SECRET_DETAIL)


urlpatterns = [path("fails/", fails), *project_urlpatterns]

__all__ = ["handler500", "urlpatterns"]
