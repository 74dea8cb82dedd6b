from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from nmirf.operations.health import health

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # For machines (load balancers, monitors): no language prefix, no login.
    path("health/", health, name="health"),
]

urlpatterns += i18n_patterns(
    path("", RedirectView.as_view(pattern_name="recommendations:list"), name="home"),
    path("admin/", admin.site.urls),
    path("accounts/", include("nmirf.accounts.urls")),
    path("recommendations/", include("nmirf.recommendations.urls")),
    path("imports/", include("nmirf.ingest.urls")),
    path("", include("nmirf.tracking.urls")),  # entities/, clusters/
    path("changes/", include("nmirf.audit.urls")),
    path("follow-up/", include("nmirf.followup.urls")),
    path("consultation/", include("nmirf.consultation.urls")),
    path("saved-views/", include("nmirf.saved_views.urls")),
    path("assist/", include("nmirf.assist.urls")),
    prefix_default_language=False,
)

# A server error in the site's layout, never a traceback (nmirf/core/errors.py).
handler500 = "nmirf.core.errors.server_error"

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
