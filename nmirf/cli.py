"""The `nmirf` console script: everything `manage.py` does, with the settings preset.

`nmirf migrate`, `nmirf import upr-info FILE...`, `nmirf stats --json`, `nmirf serve` and
so on all go through Django's command machinery, so DATABASE_URL and the other environment
variables in settings.py are honoured the same way everywhere.

A configuration that is missing, malformed or unsafe (nmirf/environment.py) stops every
command before it starts, with one line on standard error and exit status 78 (EX_CONFIG,
which the systemd units in deploy/ treat as "do not restart").
"""

import os
import sys

EX_CONFIG = 78


def load_settings():
    """Django's settings, or exit with the one line that says what to set."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        settings.DATABASES  # noqa: B018 - importing the settings module checks it
    except ImproperlyConfigured as error:  # ConfigurationError (nmirf.environment) included
        print(f"nmirf: configuration refused: {error}", file=sys.stderr)
        raise SystemExit(EX_CONFIG) from None
    return settings


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nmirf.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and not argv[1].startswith("-"):
        # `nmirf send-reminders` is the command send_reminders (Python module names
        # cannot hold a hyphen).
        argv[1] = argv[1].replace("-", "_")
    settings = load_settings()
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
