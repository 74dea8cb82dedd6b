"""Running OpenNMIRF's entry points as a person or a service manager would: in a process of
their own, with an environment that holds only what the test gives."""

import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

BIN = Path(sys.executable).parent
NMIRF = BIN / "nmirf"


def production_env(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    """The documented production configuration (docs/admin-guide.md, "Production"), on a
    database of the test's own: SQLite in tmp_path, or the PostgreSQL server the suite runs
    against when DATABASE_URL is set. An override of None removes that variable."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "NMIRF_ENV_FILE": "",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "nmirf.example.org,127.0.0.1,localhost",
        "NMIRF_HTTPS": "true",
        "NMIRF_DATA_DIR": str(tmp_path / "var"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'nmirf.sqlite3'}",
    }
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run(argv: list, env: dict, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in argv], env=env, cwd=kwargs.pop("cwd", REPO),
                          capture_output=True, text=True, timeout=timeout, **kwargs)


def nmirf(*args, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    return run([NMIRF, *args], env, timeout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
