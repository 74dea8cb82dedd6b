"""With DEBUG off, OpenNMIRF refuses to start without a real SECRET_KEY and an explicit
ALLOWED_HOSTS, and refuses a malformed setting rather than guess what it meant: one line
on standard error that says what to set, no traceback, exit status 78 (EX_CONFIG), through
every way in (`nmirf`, manage.py, gunicorn). The documented production configuration
passes `nmirf check --deploy` with no warning."""

import sys

import pytest

from .processes import BIN, REPO, nmirf, production_env, run

REFUSED = "nmirf: configuration refused: "


def assert_refused_in_one_line(result, *fragments: str, status: int = 78) -> None:
    assert result.returncode == status, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].startswith(REFUSED), lines[0]
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.mark.parametrize(("overrides", "says"), [
    ({"SECRET_KEY": None}, ["SECRET_KEY is not set", "set SECRET_KEY to a random value"]),
    ({"SECRET_KEY": ""}, ["SECRET_KEY is not set"]),
    # The key this project once shipped as its default is public: never again.
    ({"SECRET_KEY": "insecure-development-key-change-me-in-production"},
     ["SECRET_KEY is a public example key"]),
    ({"SECRET_KEY": "django-insecure-" + "x1y2z3" * 10}, ["public example key"]),
    ({"SECRET_KEY": "short-key"}, ["SECRET_KEY is too short or too simple"]),
    ({"SECRET_KEY": "a" * 60}, ["SECRET_KEY is too short or too simple"]),
    ({"ALLOWED_HOSTS": None}, ["ALLOWED_HOSTS is not set", "ALLOWED_HOSTS=nmirf.example.org"]),
    ({"ALLOWED_HOSTS": " , "}, ["ALLOWED_HOSTS is not set"]),
])
def test_it_refuses_to_start_without_a_real_key_and_hosts(tmp_path, overrides, says):
    result = nmirf("check", env=production_env(tmp_path, **overrides))
    assert_refused_in_one_line(result, *says)
    assert not (tmp_path / "nmirf.sqlite3").exists()


@pytest.mark.parametrize(("name", "value", "says"), [
    ("DEBUG", "maybe", "expected true or false"),
    ("NMIRF_HTTPS", "sometimes", "expected true or false"),
    ("CONN_MAX_AGE", "abc", "expected a whole number of seconds"),
    ("CONN_MAX_AGE", "-1", "at least 0"),
    ("NMIRF_MAX_IMPORT_BYTES", "-3", "expected a whole number of bytes (at least 1)"),
    ("NMIRF_MAX_IMPORT_BYTES", "50MB", "expected a whole number of bytes"),
    ("NMIRF_HSTS_SECONDS", "1 year", "expected a whole number of seconds"),
    ("NMIRF_HOME_STATE", "Slovenia", "ISO 3166-1 alpha-3"),
    ("LOG_LEVEL", "loud", "one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ("LOG_FORMAT", "xml", "one of json, text"),
    ("NMIRF_PORT", "abc", "expected a whole number (at least 1, at most 65535)"),
    ("DATABASE_URL", "mysqlx://nobody@nowhere/db", "DATABASE_URL"),
])
def test_a_malformed_setting_is_refused_not_guessed(tmp_path, name, value, says):
    result = nmirf("check", env=production_env(tmp_path, **{name: value}))
    assert_refused_in_one_line(result, name, says)
    if name != "DATABASE_URL":
        assert f"{name}={value!r} (from the environment) is not valid" in result.stderr


def test_manage_py_refuses_the_same_way(tmp_path):
    result = run([sys.executable, REPO / "manage.py", "check"],
                 production_env(tmp_path, SECRET_KEY=None))
    assert_refused_in_one_line(result, "SECRET_KEY is not set")


def test_gunicorn_refuses_to_load_the_application(tmp_path):
    """gunicorn loads nmirf.wsgi once before forking (preload): one line, and gunicorn's
    own "application failed to load" status (4), so it does not restart workers forever."""
    result = run([BIN / "python", "-m", "gunicorn", "-c",
                  "python:nmirf.operations.gunicorn_config", "--bind", "127.0.0.1:0",
                  "nmirf.wsgi:application"],
                 production_env(tmp_path, ALLOWED_HOSTS=None), timeout=60)
    assert_refused_in_one_line(result, "ALLOWED_HOSTS is not set", status=4)


def test_debug_on_a_laptop_needs_no_key(tmp_path):
    result = nmirf("check", env=production_env(tmp_path, DEBUG="true", SECRET_KEY=None,
                                                ALLOWED_HOSTS=None, NMIRF_HTTPS=None))
    assert result.returncode == 0, result.stderr


def test_the_env_file_fills_what_the_environment_does_not_set(tmp_path):
    """The laptop's .env (written by `make run`) in systemd's EnvironmentFile format;
    a variable set in the environment wins over the file."""
    env_file = tmp_path / "nmirf.env"
    env_file.write_text(
        "# written by make\n"
        "SECRET_KEY='from-the-file-" + "k9" * 30 + "'\n"
        "export ALLOWED_HOSTS=file.example.org\n"
        "\n"
        'NMIRF_HOME_STATE="FRA"\n', encoding="utf-8")
    env = production_env(tmp_path, SECRET_KEY=None, ALLOWED_HOSTS=None,
                         NMIRF_ENV_FILE=str(env_file), NMIRF_HOME_STATE="SVN")
    code = ("from django.conf import settings as s; "
            "print(s.SECRET_KEY[:14], s.ALLOWED_HOSTS, s.NMIRF_HOME_STATE)")
    result = nmirf("shell", "-v0", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["from-the-file-", "['file.example.org']", "SVN"]


def test_a_malformed_env_file_is_refused_with_its_line(tmp_path):
    env_file = tmp_path / "nmirf.env"
    env_file.write_text("SECRET_KEY=" + "k9" * 30 + "\nthis is not a setting\n",
                        encoding="utf-8")
    result = nmirf("check", env=production_env(tmp_path, NMIRF_ENV_FILE=str(env_file)))
    assert_refused_in_one_line(result, f"{env_file} line 2 is not NAME=value")


def test_a_value_from_the_env_file_is_named_as_such_when_malformed(tmp_path):
    env_file = tmp_path / "nmirf.env"
    env_file.write_text("CONN_MAX_AGE=forever\n", encoding="utf-8")
    result = nmirf("check", env=production_env(tmp_path, NMIRF_ENV_FILE=str(env_file)))
    assert_refused_in_one_line(result, f"CONN_MAX_AGE='forever' (from {env_file})")


def test_a_named_env_file_that_is_missing_is_refused(tmp_path):
    result = nmirf("check", env=production_env(tmp_path,
                                               NMIRF_ENV_FILE=str(tmp_path / "nowhere.env")))
    assert_refused_in_one_line(result, "NMIRF_ENV_FILE", "not a file")


def test_the_documented_production_configuration_passes_the_deploy_check(tmp_path):
    result = nmirf("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_without_https_the_deploy_check_says_what_is_missing(tmp_path):
    """The check is not silenced: it is the HTTPS setting that makes it clean."""
    result = nmirf("check", "--deploy", "--fail-level", "WARNING",
                   env=production_env(tmp_path, NMIRF_HTTPS=None))
    assert result.returncode == 1
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr
