"""What settings.py makes of the environment: persistent connections on PostgreSQL, the
env file under the environment, typed values."""

import runpy
from pathlib import Path

import pytest

from nmirf.environment import ConfigurationError, Environment

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "nmirf" / "settings.py"


def settings_with(monkeypatch, **env) -> dict:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


def test_postgresql_connections_persist_and_are_checked_by_default(monkeypatch):
    database = settings_with(monkeypatch, DATABASE_URL="postgres://nmirf@db:5432/nmirf")[
        "DATABASES"]["default"]
    assert (database["CONN_MAX_AGE"], database["CONN_HEALTH_CHECKS"]) == (60, True)


def test_sqlite_opens_a_connection_per_request_by_default(monkeypatch):
    database = settings_with(monkeypatch, DATABASE_URL="sqlite:////tmp/x.sqlite3")[
        "DATABASES"]["default"]
    assert database["CONN_MAX_AGE"] == 0
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_connection_age_is_a_setting(monkeypatch):
    database = settings_with(monkeypatch, DATABASE_URL="postgres://nmirf@db:5432/nmirf",
                             CONN_MAX_AGE="0", CONN_HEALTH_CHECKS="off")["DATABASES"]["default"]
    assert (database["CONN_MAX_AGE"], database["CONN_HEALTH_CHECKS"]) == (0, False)


def test_the_environment_wins_over_the_env_file(tmp_path):
    env_file = tmp_path / "nmirf.env"
    env_file.write_text("DEBUG=true\nNMIRF_HOME_STATE=FRA\n", encoding="utf-8")
    env = Environment({"DEBUG": "false"}, env_file)
    assert env.flag("DEBUG") is False
    assert env.text("NMIRF_HOME_STATE") == "FRA"
    assert env.origin("NMIRF_HOME_STATE") == str(env_file)


@pytest.mark.parametrize(("value", "expected"), [
    ("1", True), ("TRUE", True), (" yes ", True), ("on", True),
    ("0", False), ("False", False), ("no", False), ("off", False), ("", False),
])
def test_booleans_are_read_in_their_usual_spellings(value, expected):
    assert Environment({"X": value}, None).flag("X") is expected


@pytest.mark.parametrize("value", ["maybe", "2", "truee", "y es"])
def test_anything_else_is_not_a_boolean(value):
    with pytest.raises(ConfigurationError, match=r"^X='.*' \(from the environment\) is not "
                                                 r"valid: expected true or false"):
        Environment({"X": value}, None).flag("X")


@pytest.mark.parametrize(("value", "expected"), [("60", 60), (" 0 ", 0), ("1_000", 1000)])
def test_whole_numbers(value, expected):
    assert Environment({"N": value}, None).integer("N", 5, minimum=0) == expected


@pytest.mark.parametrize("value", ["abc", "1.5", "-3", "1e3", "60s"])
def test_anything_else_is_not_a_whole_number_in_range(value):
    with pytest.raises(ConfigurationError, match="expected a whole number"):
        Environment({"N": value}, None).integer("N", 5, minimum=0)
