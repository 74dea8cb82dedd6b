"""The `nmirf` console script: everything `manage.py` does, with the settings preset.

`nmirf migrate`, `nmirf import upr-info FILE...`, `nmirf stats --json` and so on all go
through Django's command machinery, so DATABASE_URL and the other environment variables in
settings.py are honoured the same way everywhere.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nmirf.settings")
    from django.conf import settings
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
