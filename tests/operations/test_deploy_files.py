"""The examples in deploy/ stay true to the code: the env file is the documented production
configuration and passes the deploy check; the units and the compose file call `nmirf
serve` with options it has, and name only variables the settings read."""

import re
import shlex

from nmirf.operations.management.commands.serve import Command as Serve

from .processes import REPO, nmirf, production_env

DEPLOY = REPO / "deploy"
EXAMPLE = DEPLOY / "nmirf.env.example"


def serve_invocations() -> list[list[str]]:
    found = []
    unit_text = "\n".join(p.read_text() for p in (DEPLOY / "systemd").glob("*.service"))
    for line in re.findall(r"^ExecStart=((?:[^\n]*\\\n)*[^\n]*)", unit_text, re.M):
        argv = shlex.split(line.replace("\\\n", " "))
        if argv[1:2] == ["serve"]:
            found.append(argv[2:])
    compose = (DEPLOY / "compose.yaml").read_text()
    for match in re.finditer(r'command: \[("nmirf", "serve".*?)\]', compose, re.S):
        argv = [part.strip().strip('"') for part in match.group(1).split(",")]
        found.append(argv[2:])
    for match in re.finditer(r'CMD \[("nmirf", "serve".*?)\]', (DEPLOY / "Containerfile")
                             .read_text()):
        argv = [part.strip().strip('"') for part in match.group(1).split(",")]
        found.append(argv[2:])
    return found


def test_every_serve_in_deploy_uses_options_that_exist():
    invocations = serve_invocations()
    assert len(invocations) == 3  # the web unit, the compose web service, the image
    parser = Serve().create_parser("nmirf", "serve")
    for argv in invocations:
        options = vars(parser.parse_args(argv))
        assert options["host"] in ("127.0.0.1", "0.0.0.0")
        assert options["no_collectstatic"], argv  # collected at installation or build


def test_the_example_env_file_names_only_settings_that_exist():
    read = (REPO / "nmirf" / "settings.py").read_text() + (
        REPO / "nmirf" / "operations" / "gunicorn_config.py").read_text()
    names = re.findall(r"^#?([A-Z][A-Z0-9_]+)=", EXAMPLE.read_text(), re.M)
    assert "SECRET_KEY" in names and "NMIRF_HTTPS" in names
    for name in names:
        assert f'"{name}"' in read, name


def test_the_example_env_file_is_a_configuration_that_passes_the_deploy_check(tmp_path):
    """Filled in as docs/admin-guide.md says (a key; a database and folders of the test's
    own), deploy/nmirf.env.example passes `nmirf check --deploy` with no warning."""
    env = production_env(tmp_path, NMIRF_ENV_FILE=str(EXAMPLE), ALLOWED_HOSTS=None,
                         NMIRF_HTTPS=None)
    result = nmirf("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
