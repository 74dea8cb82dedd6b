from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """Running an instance: the production server, its health, backups and restores."""

    name = "nmirf.operations"
    verbose_name = _("Operations")
