from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "nmirf.core"
    label = "core"
    verbose_name = "Core"
