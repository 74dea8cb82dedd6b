"""What the browser tests share: the demo files they import and the login a person does."""

import re
from pathlib import Path

from playwright.sync_api import Page, expect

DEMO = Path(__file__).resolve().parents[2] / "nmirf" / "ingest" / "demo"
DEMO_IMPORTS = [
    ("upr_info", "upr_info_slovenia_sessions_07_20.csv"),
    ("ohchr_matrix", "Slovenia_UPR48_2025_cycle4_ThematicList.docx"),
]
PASSWORD = "a-long-test-password"  # tests/conftest.py's personas


def log_in(page: Page, live_server, user, then: str = "/recommendations/") -> None:
    """Open `then` signed out: the registry sends us to the login page, whose form we fill
    and submit as a person would; it sends us back to `then`."""
    page.goto(live_server.url + then)
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_label("User name").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    expect(page).to_have_url(live_server.url + then)
