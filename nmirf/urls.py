from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
]

urlpatterns += i18n_patterns(
    path("", RedirectView.as_view(pattern_name="recommendations:list"), name="home"),
    path("admin/", admin.site.urls),
    path("accounts/", include("nmirf.accounts.urls")),
    path("recommendations/", include("nmirf.recommendations.urls")),
    path("imports/", include("nmirf.ingest.urls")),
    prefix_default_language=False,
)

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
