"""Browser tests: Debian's Chromium, headless, driven by Playwright (no browser can be
downloaded here, so pytest-playwright is pointed at /usr/bin/chromium)."""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

# live_server runs the app in a thread while Playwright's sync API runs an event loop in
# this one; Django must be told that this is intended.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    reason = None
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        reason = f"{CHROMIUM} is not installed (`apt-get install chromium`; make test tries)"
    else:
        try:
            import playwright  # noqa: F401
        except ImportError:
            reason = "playwright is not installed (pip install -e '.[dev]')"
    if reason:
        skip = pytest.mark.skip(reason=reason)
        for item in items:
            if "browser" in item.keywords or "tests/browser" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"],
    }


@pytest.fixture
def registry(transactional_db, reference_data):
    """The demo data, imported as an import run would (the live server's database is
    flushed after each test, so this runs for each: about half a second)."""
    from nmirf.ingest.pipeline import InputFile, run_import, start_run

    from .helpers import DEMO, DEMO_IMPORTS

    for source, name in DEMO_IMPORTS:
        files = [InputFile(path=DEMO / name, name=name)]
        run = run_import(start_run(source, files), files)
        assert run.status == "succeeded", run.message


def watch_problems(page) -> list[str]:
    """Script errors and failed requests seen by `page`, collected in the list returned
    (each test asserts it stays empty). The favicon Chromium asks for on its own is not the
    app's doing."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    # A failed request is also logged to the console: the response handler reports it.
    page.on("console", lambda message: problems.append(f"console: {message.text}")
            if message.type == "error"
            and not message.text.startswith("Failed to load resource") else None)
    page.on("response", lambda response: problems.append(
        f"HTTP {response.status}: {response.url}")
        if response.status >= 400 and not response.url.endswith("/favicon.ico") else None)
    page.set_default_timeout(10_000)
    return problems


@pytest.fixture
def browser_problems(page):
    """What `watch_problems` sees on the test's page."""
    return watch_problems(page)
