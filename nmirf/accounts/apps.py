from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "nmirf.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from . import auditing, checks  # noqa: F401  (checks registers itself)

        auditing.connect()
