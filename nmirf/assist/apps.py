from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistConfig(AppConfig):
    name = "nmirf.assist"
    label = "assist"
    verbose_name = _("Assist")
