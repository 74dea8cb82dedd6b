from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "nmirf.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from . import auditing, checks  # noqa: F401  (checks registers itself)

        auditing.connect()
        _hide_device_admins()


def _hide_device_admins():
    """django-otp's own admin pages show each person's authenticator key (and its QR code):
    whoever sees them can copy someone's second factor. Administrators turn a person's
    two-factor authentication off from the user list instead. (The admin has discovered
    every app's admin module by now: django.contrib.admin is ready before this app.)"""
    from django.contrib import admin
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for model in (TOTPDevice, StaticDevice):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
