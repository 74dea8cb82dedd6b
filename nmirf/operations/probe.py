"""`python -m nmirf.operations.probe [--port 8000]`: ask this machine's web server for
/health/ and exit 0 when it answers 200, 1 otherwise. For a container's HEALTHCHECK or a
monitoring script: no Django start-up, only the standard library.

The request names the first host of ALLOWED_HOSTS (from the environment or the env file),
since the server answers only to those names.
"""

import argparse
import sys
import urllib.error
import urllib.request
from pathlib import Path

from nmirf.environment import ConfigurationError, Environment


def host_to_ask(env: Environment) -> str:
    for host in env.items("ALLOWED_HOSTS", "localhost"):
        host = host.lstrip(".")
        if host and host != "*":
            return host
    return "localhost"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--require-worker", action="store_true",
                        help="also fail when no background worker was seen recently")
    args = parser.parse_args(argv)
    try:
        env = Environment.from_process(Path(__file__).resolve().parents[2] / ".env")
    except ConfigurationError as error:
        print(f"probe: {error}", file=sys.stderr)
        return 1
    query = "?require=worker" if args.require_worker else ""
    request = urllib.request.Request(f"http://127.0.0.1:{args.port}/health/{query}",
                                     headers={"Host": host_to_ask(env)})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            print(response.read().decode())
            return 0 if response.status == 200 else 1
    except urllib.error.HTTPError as error:
        print(f"probe: HTTP {error.code}: {error.read().decode()[:200]}", file=sys.stderr)
    except OSError as error:
        print(f"probe: {error}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
