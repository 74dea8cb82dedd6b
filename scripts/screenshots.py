#!/usr/bin/env python
"""Screenshots of the main tracking screens for the documentation (docs/img/).

    python scripts/screenshots.py                    # English, into docs/img/
    python scripts/screenshots.py --language ar      # Arabic: docs/img/<name>-ar.png
    python scripts/screenshots.py --only my-recommendations review-queue
    python scripts/screenshots.py --url http://127.0.0.1:8000 --keep   # see below

By default it builds a throw-away instance in a temporary folder (its own SQLite database,
the reference data and `nmirf load_demo`: about a minute), serves it on a free local port,
signs in as the demo accounts as a person would (the login page) and takes each picture at
a desktop size (1280×800) in headless Chromium (/usr/bin/chromium, or CHROMIUM_PATH). With
--url it uses an instance already running with the demo loaded instead; --data-dir then
names its NMIRF_DATA_DIR (or set DATABASE_URL) so that the addresses can be looked up.

To add a page, add a Shot to SHOTS: a file name, the demo account that sees it and its
address. An address may name, in braces, an object looked up in the database (LOOKUPS:
add one there when no existing one fits) and a #fragment to scroll to (an element's id).
PNGs are made smaller with pngquant, oxipng or optipng when one of them is installed.
"""

import argparse
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIDTH, HEIGHT = 1280, 800

def demo_password(account: str) -> str:
    """The demo account's password, from the demo's own definitions (load_demo's
    coordinator, tracking/demo.py's others): one place to change them. Django is set up
    by then (the lookups need it)."""
    from nmirf.ingest.management.commands.load_demo import DEMO_PASSWORD, DEMO_USER
    from nmirf.tracking.demo import ACCOUNTS

    passwords = {DEMO_USER: DEMO_PASSWORD, **{row[0]: row[1] for row in ACCOUNTS}}
    return passwords[account]


@dataclass(frozen=True)
class Shot:
    name: str      # docs/img/<name>.png
    account: str   # a demo account's user name
    url: str       # the address, without the language prefix; {lookup} and #fragment allowed


SHOTS = [
    Shot("my-recommendations", "focal-justice", "/my/"),
    Shot("registry-filtered", "coordinator", "/recommendations/?q=Roma&position=supported"),
    Shot("assign-preview", "coordinator", "/assign/from-list/?q=Roma&position=supported"),
    Shot("recommendation-implementation", "coordinator",
         "/recommendations/{tracked_recommendation}/#implementation-heading"),
    Shot("status-form", "coordinator", "/status/{tracked_recommendation}/"),
    Shot("action-form", "focal-justice", "/actions/new/?recommendation={tracked_recommendation}"),
    Shot("action-indicators", "focal-justice", "/actions/{action_with_indicators}/"),
    Shot("indicator-form", "focal-justice", "/actions/{action_with_indicators}/indicators/new/"),
    Shot("progress-form", "focal-justice", "/actions/{action_with_indicators}/progress/new/"),
    Shot("progress-returned", "focal-labour", "/progress/{returned_update}/"),
    Shot("review-queue", "coordinator", "/progress/"),
    Shot("progress-review", "coordinator", "/progress/{submitted_update}/"),
    Shot("entity-tree", "coordinator", "/entities/"),
    Shot("deadlines-mine", "focal-justice", "/follow-up/?mine=on"),
    Shot("deadlines-overdue", "coordinator", "/follow-up/overdue/"),
    Shot("follow-up-settings", "coordinator", "/follow-up/settings/"),
    Shot("calendar-feed", "focal-justice", "/follow-up/feed/"),
    Shot("observer-recommendation", "observer-nhri",
         "/recommendations/{commented_recommendation}/#consultation-heading"),
    Shot("comments-to-moderate", "coordinator", "/consultation/comments/"),
]


def _tracked_recommendation() -> int:
    """A recommendation with a status (and its reason), an assignment and an action."""
    from nmirf.recommendations.models import Recommendation

    return (Recommendation.objects.filter(implementation__isnull=False, assignments__isnull=False,
                                          actions__isnull=False)
            .order_by("pk").values_list("pk", flat=True).first()
            or Recommendation.objects.filter(implementation__isnull=False).order_by("pk")
            .values_list("pk", flat=True).first())


def _action_with_indicators() -> int:
    """An action of focal-justice's entities, the one with the most indicators."""
    from django.db.models import Count

    from nmirf.tracking.models import Action

    return (Action.objects.filter(archived=False,
                                  responsible_entity__memberships__user__username="focal-justice",
                                  responsible_entity__memberships__ended=False)
            .annotate(n=Count("indicators")).order_by("-n", "pk")
            .values_list("pk", flat=True).first())


def _update_in(state: str) -> Callable[[], int]:
    def lookup() -> int:
        from nmirf.tracking.progress_models import ProgressUpdate

        return (ProgressUpdate.objects.filter(state=state).order_by("pk")
                .values_list("pk", flat=True).first())
    return lookup


def _commented_recommendation() -> int:
    """A recommendation shared with observers that carries comments."""
    from nmirf.consultation.models import Comment

    return (Comment.objects.order_by("recommendation_id")
            .values_list("recommendation_id", flat=True).first())


LOOKUPS: dict[str, Callable[[], int]] = {
    "commented_recommendation": _commented_recommendation,
    "tracked_recommendation": _tracked_recommendation,
    "action_with_indicators": _action_with_indicators,
    "submitted_update": _update_in("submitted"),
    "returned_update": _update_in("returned"),
}


# -- A throw-away instance -----------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _manage(env: dict, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env,
                          cwd=ROOT, check=True, **kwargs)


def _instance_env(data_dir: Path) -> dict:
    # Nothing from the developer's .env or database: the instance is the demo, as shipped.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NMIRF_", "DATABASE_"))}
    env.update(NMIRF_ENV_FILE="", NMIRF_DATA_DIR=str(data_dir),
               DATABASE_URL=f"sqlite:///{data_dir / 'nmirf.sqlite3'}",
               DEBUG="true", SECRET_KEY=secrets.token_urlsafe(50),
               ALLOWED_HOSTS="127.0.0.1,localhost", LOG_LEVEL="WARNING",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])))
    return env


def start_instance(data_dir: Path) -> tuple[str, subprocess.Popen, dict]:
    env = _instance_env(data_dir)
    print("Building a demo instance in", data_dir, "…", flush=True)
    _manage(env, "migrate", "--no-input", stdout=subprocess.DEVNULL)
    _manage(env, "load_demo", stdout=subprocess.DEVNULL)
    port = _free_port()
    server = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "runserver",
                               "--noreload", f"127.0.0.1:{port}"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(url + "/accounts/login/", timeout=2)
            break
        except OSError:
            if server.poll() is not None:
                raise SystemExit("The demo server did not start.") from None
            time.sleep(0.2)
    else:
        server.terminate()
        raise SystemExit("The demo server did not answer.")
    return url, server, env


def setup_django(env: dict) -> None:
    for key in ("NMIRF_ENV_FILE", "NMIRF_DATA_DIR", "DATABASE_URL", "DEBUG", "SECRET_KEY"):
        if key in env:
            os.environ[key] = env[key]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nmirf.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def resolve(url: str, cache: dict) -> str:
    """Fill the {lookups} of an address."""
    import string

    names = [field for _, field, _, _ in string.Formatter().parse(url) if field]
    for name in names:
        if name not in cache:
            cache[name] = LOOKUPS[name]()
            if cache[name] is None:
                raise SystemExit(f"No object for {{{name}}}: is the demo loaded?")
    return url.format(**cache)


# -- Pictures ------------------------------------------------------------------------------

def optimise(paths: list[Path]) -> None:
    for tool, args in (("pngquant", ["--force", "--skip-if-larger", "--ext", ".png",
                                     "--quality", "70-95"]),
                       ("oxipng", ["-o", "3", "--strip", "safe"]),
                       ("optipng", ["-quiet", "-o2"])):
        if shutil.which(tool):
            subprocess.run([tool, *args, *map(str, paths)], check=False)


def sign_in(context, base: str, account: str):
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(account)
    page.locator("#id_password").fill(demo_password(account))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


def take(url: str, language: str, shots: list[Shot], out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    prefix = "" if language == "en" else f"/{language}"
    suffix = "" if language == "en" else f"-{language}"
    cache: dict = {}
    # Looked up before the browser starts (Django refuses the database inside its loop).
    addresses = [resolve(shot.url, cache) for shot in shots]
    written = []
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-gpu", "--hide-scrollbars"])
        pages = {}
        for shot, address in zip(shots, addresses, strict=True):
            if shot.account not in pages:
                context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT},
                                              device_scale_factor=1, locale=language)
                pages[shot.account] = sign_in(context, url + prefix, shot.account)
            page = pages[shot.account]
            response = page.goto(url + prefix + address)
            if response is None or response.status >= 400:
                raise SystemExit(f"{shot.name}: {address} answered "
                                 f"{response.status if response else 'nothing'} to {shot.account}")
            page.wait_for_load_state("networkidle")
            if "#" in address:  # the element a little below the top, with some context
                page.evaluate("""id => window.scrollTo(0, document.getElementById(id)
                    .getBoundingClientRect().top + window.scrollY - 96)""",
                              address.split("#", 1)[1])
            path = out / f"{shot.name}{suffix}.png"
            page.screenshot(path=str(path))
            written.append(path)
            print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  "
                  f"({shot.account}: {address})", flush=True)
        browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    parser.add_argument("--language", default="en", help="en (default), ar, fr, es …")
    parser.add_argument("--only", nargs="*", metavar="NAME", help="only these shots")
    parser.add_argument("--url", help="an instance already running with the demo loaded")
    parser.add_argument("--data-dir", type=Path,
                        help="with --url: its NMIRF_DATA_DIR (for the lookups)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary instance")
    args = parser.parse_args()
    shots = [s for s in SHOTS if not args.only or s.name in args.only]
    if args.only and len(shots) != len(args.only):
        raise SystemExit(f"Unknown shot names; known: {', '.join(s.name for s in SHOTS)}")

    server = None
    folder = None
    try:
        if args.url:
            env = dict(os.environ)
            if args.data_dir:
                env["NMIRF_DATA_DIR"] = str(args.data_dir)
            url = args.url.rstrip("/")
        else:
            folder = Path(tempfile.mkdtemp(prefix="nmirf-screenshots-"))
            url, server, env = start_instance(folder)
        setup_django(env)
        written = take(url, args.language, shots, args.out)
        optimise(written)
        total = sum(p.stat().st_size for p in written)
        print(f"{len(written)} screenshots, {total / 1024:.0f} KiB in all.")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        if folder is not None:
            if args.keep:
                print("Kept the instance's data in", folder)
            else:
                shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
