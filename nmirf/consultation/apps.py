from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationConfig(AppConfig):
    name = "nmirf.consultation"
    label = "consultation"
    verbose_name = _("Consultation")
