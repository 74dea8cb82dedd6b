"""Behind HTTPS (NMIRF_HTTPS=true): cookies Secure and HttpOnly, HSTS, plain HTTP
redirected (but for /health/); on every response, whatever the setting: a
Content-Security-Policy with nothing inline, a referrer policy, no MIME sniffing, no
framing.

The security settings are those settings.py derives from the environment: it is loaded
afresh with NMIRF_HTTPS=true, and its values are applied to the test's settings."""

import runpy
from pathlib import Path

import pytest
from django.urls import reverse

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "nmirf" / "settings.py"
DERIVED = ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
           "CSRF_COOKIE_HTTPONLY", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
           "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_REDIRECT_EXEMPT",
           "SECURE_REFERRER_POLICY", "SECURE_CONTENT_TYPE_NOSNIFF", "X_FRAME_OPTIONS",
           "SECURE_CROSS_ORIGIN_OPENER_POLICY"]
PASSWORD = "a-long-test-password"


def settings_from_environment(monkeypatch, **env) -> dict:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


@pytest.fixture
def https(settings, monkeypatch):
    derived = settings_from_environment(monkeypatch, NMIRF_HTTPS="true")
    for name in DERIVED:
        setattr(settings, name, derived[name])
    return derived


def cookie_flags(response, name: str) -> dict:
    morsel = response.cookies[name]
    return {"secure": bool(morsel["secure"]), "httponly": bool(morsel["httponly"]),
            "samesite": morsel["samesite"]}


def test_https_is_one_setting(monkeypatch):
    plain = settings_from_environment(monkeypatch, NMIRF_HTTPS="false")
    secure = settings_from_environment(monkeypatch, NMIRF_HTTPS="true")
    assert [plain[name] for name in ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
                                     "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS")] == \
        [False, False, False, 0]
    assert secure["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert "SECURE_PROXY_SSL_HEADER" not in secure
    behind = settings_from_environment(monkeypatch, NMIRF_BEHIND_PROXY="true")
    assert behind["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")


def test_behind_https_cookies_are_secure_and_http_only(https, client, coordinator):
    page = client.get(reverse("accounts:login"), secure=True)
    assert cookie_flags(page, "csrftoken") == {"secure": True, "httponly": True,
                                               "samesite": "Lax"}
    response = client.post(reverse("accounts:login"), {
        "username": coordinator.username, "password": PASSWORD,
        "csrfmiddlewaretoken": page.cookies["csrftoken"].value}, secure=True)
    assert response.status_code == 302
    assert cookie_flags(response, "sessionid") == {"secure": True, "httponly": True,
                                                   "samesite": "Lax"}


def test_behind_https_pages_send_hsts(https, coordinator_client):
    response = coordinator_client.get(reverse("recommendations:list"), secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == \
        "max-age=31536000; includeSubDomains; preload"


def test_behind_https_plain_http_is_redirected_but_health_is_not(https, client, db):
    response = client.get("/accounts/login/?next=/imports/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/accounts/login/?next=/imports/"
    assert client.get("/health/").status_code == 200


@pytest.mark.parametrize("address", ["/accounts/login/", "/recommendations/", "/imports/",
                                     "/ar/recommendations/", "/health/", "/admin/",
                                     "/no-such-page/"])
def test_every_response_carries_the_security_headers(client, admin_client_, address):
    response = (client if "login" in address else admin_client_).get(address)
    assert response.status_code == (404 if "no-such" in address else 200)
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_script_or_style(coordinator_client, admin_client_):
    """What the policy forbids, the pages do not contain (the browser test,
    tests/browser/test_security_csp.py, confirms no violation happens)."""
    for client, address in [(coordinator_client, "/recommendations/?q=Roma"),
                            (coordinator_client, "/imports/"),
                            (admin_client_, "/admin/")]:
        html = client.get(address).content.decode()
        assert " style=" not in html
        assert "<style" not in html
        for tag in html.split("<script")[1:]:
            assert "src=" in tag.split(">", 1)[0], tag[:200]
