"""Reading the configuration: environment variables, then an env file, each typed.

settings.py asks this module for every value it takes from outside, so that a malformed
value (DEBUG=maybe, CONN_MAX_AGE=abc) stops the program with one line naming the variable,
where it came from and what it accepts, instead of being guessed at.

The env file (NMIRF_ENV_FILE, by default `.env` at the repository root) has systemd's
EnvironmentFile format: `NAME=value` lines, `#` comments, values optionally in quotes. A
real environment variable always wins over the file, so a service manager or a container
decides, and the file only fills the gaps (`make run` writes one for the laptop demo).

This module imports nothing from Django but the exception class: settings.py runs it
before Django is set up.
"""

import os
import re
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ConfigurationError(ImproperlyConfigured):
    """A setting that is missing, malformed or unsafe. Its message is one line that says
    what to set; the entry points (nmirf/cli.py, nmirf/wsgi.py) print it without a
    traceback."""


def read_env_file(path: Path) -> dict[str, str]:
    """The NAME=value pairs of an EnvironmentFile; a line that is none of a pair, a
    comment or blank is refused with its number."""
    values: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return values
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigurationError(f"cannot read the env file {path}: {error}") from None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("export "):
            line = line.removeprefix("export ").lstrip()
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep or not _NAME.match(name):
            raise ConfigurationError(
                f"{path} line {number} is not NAME=value: {raw.strip()[:60]!r}"
            )
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[name] = value
    return values


class Environment:
    """The variables of the process over those of the env file, read with types."""

    def __init__(self, environ: dict[str, str], env_file: Path | None):
        self.environ = environ
        self.env_file = env_file
        self.file_values = read_env_file(env_file) if env_file else {}

    @classmethod
    def from_process(cls, default_env_file: Path) -> "Environment":
        """NMIRF_ENV_FILE names the file; set to the empty string, no file is read."""
        named = os.environ.get("NMIRF_ENV_FILE")
        if named is None:
            env_file = default_env_file
        else:
            env_file = Path(named).expanduser() if named.strip() else None
            if env_file and not env_file.is_file():
                raise ConfigurationError(f"NMIRF_ENV_FILE names {named!r}, which is not a file")
        return cls(dict(os.environ), env_file)

    # What each value is, and where it came from (for the error line).

    def raw(self, name: str) -> str | None:
        if name in self.environ:
            return self.environ[name]
        return self.file_values.get(name)

    def origin(self, name: str) -> str:
        if name in self.environ:
            return "the environment"
        return str(self.env_file)

    def is_set(self, name: str) -> bool:
        value = self.raw(name)
        return value is not None and value.strip() != ""

    def _invalid(self, name: str, value: str, expected: str) -> ConfigurationError:
        shown = value if len(value) <= 40 else value[:40] + "…"
        return ConfigurationError(
            f"{name}={shown!r} (from {self.origin(name)}) is not valid: expected {expected}"
        )

    def text(self, name: str, default: str = "") -> str:
        value = self.raw(name)
        return default if value is None or value.strip() == "" else value.strip()

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.raw(name)
        if value is None or value.strip() == "":
            return default
        word = value.strip().lower()
        if word in TRUE:
            return True
        if word in FALSE:
            return False
        raise self._invalid(name, value, "true or false (also 1/0, yes/no, on/off)")

    def integer(self, name: str, default: int, *, minimum: int | None = None,
            maximum: int | None = None, unit: str = "") -> int:
        value = self.raw(name)
        if value is None or value.strip() == "":
            return default
        bounds = []
        if minimum is not None:
            bounds.append(f"at least {minimum}")
        if maximum is not None:
            bounds.append(f"at most {maximum}")
        expected = "a whole number" + (f" of {unit}" if unit else "") + (
            f" ({', '.join(bounds)})" if bounds else "")
        try:
            number = int(value.strip().replace("_", ""))
        except ValueError:
            raise self._invalid(name, value, expected) from None
        if (minimum is not None and number < minimum) or (
                maximum is not None and number > maximum):
            raise self._invalid(name, value, expected)
        return number

    def items(self, name: str, default: str = "") -> list[str]:
        return [item.strip() for item in self.text(name, default).split(",") if item.strip()]

    def choice(self, name: str, default: str, choices: list[str]) -> str:
        value = self.text(name, default)
        for choice in choices:
            if value.lower() == choice.lower():
                return choice
        raise self._invalid(name, value, "one of " + ", ".join(choices))

    def matching(self, name: str, default: str, pattern: str, expected: str) -> str:
        value = self.text(name, default)
        if not re.fullmatch(pattern, value):
            raise self._invalid(name, value, expected)
        return value
