"""Settings, driven by environment variables so that one code base serves a laptop demo
(SQLite file, no services) and production (PostgreSQL through DATABASE_URL).

Every value from outside is read through nmirf.environment, typed: a malformed one stops
the program with one line saying what to set. Variables come from the process environment
first, then from the env file (NMIRF_ENV_FILE, default `.env` at the repository root, which
`make run` writes for the demo). docs/admin-guide.md ("Production") lists them all.

Sections below are marked with `# ── Name`; add a block of your own under its own marker
rather than inside another's.
"""

import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from nmirf.environment import ConfigurationError, Environment

BASE_DIR = Path(__file__).resolve().parent.parent
ENV = Environment.from_process(default_env_file=BASE_DIR / ".env")

# ── Debug, secret key and hosts ──────────────────────────────────────────────────────────
# With DEBUG off (the default) the program refuses to start without a real SECRET_KEY and
# an explicit ALLOWED_HOSTS: a key anyone can read in this file would let anyone forge
# sessions, and an empty host list answers every request with 400.

DEBUG = ENV.flag("DEBUG", False)

# The key this file once shipped as its default: public, so never accepted again.
PUBLIC_SECRET_KEYS = {"insecure-development-key-change-me-in-production"}
SECRET_KEY_HINT = (
    "set SECRET_KEY to a random value of 50 characters or more, e.g. the output of "
    "`python3 -c 'import secrets; print(secrets.token_urlsafe(50))'`"
)


def _secret_key() -> str:
    key = ENV.text("SECRET_KEY")
    if not key:
        if DEBUG:
            # Debugging on a laptop: a fresh key each start is enough (sessions end).
            return secrets.token_urlsafe(50)
        raise ConfigurationError(f"SECRET_KEY is not set: {SECRET_KEY_HINT}")
    if key in PUBLIC_SECRET_KEYS or key.startswith("django-insecure-"):
        raise ConfigurationError(f"SECRET_KEY is a public example key: {SECRET_KEY_HINT}")
    if not DEBUG and (len(key) < 50 or len(set(key)) < 5):
        raise ConfigurationError(f"SECRET_KEY is too short or too simple: {SECRET_KEY_HINT}")
    return key


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = ENV.items("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
if not ALLOWED_HOSTS:
    raise ConfigurationError(
        "ALLOWED_HOSTS is not set: set it to the host names this server answers to, "
        "separated by commas (e.g. ALLOWED_HOSTS=nmirf.example.org)"
    )
CSRF_TRUSTED_ORIGINS = ENV.items("CSRF_TRUSTED_ORIGINS")

# Where the SQLite file, the file cache and uploaded imports live.
DATA_DIR = Path(ENV.text("NMIRF_DATA_DIR", str(BASE_DIR / "var")))

# ── Applications ─────────────────────────────────────────────────────────────────────────

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_htmx",
    "django_tasks",
    # Before django_tasks_db: its `db_worker` command is nmirf.operations' own, which adds
    # the heartbeat that /health/ reads (Django takes a command from the first app).
    "nmirf.operations",
    "django_tasks_db",
    "nmirf.core",
    "nmirf.accounts",
    "nmirf.recommendations",
    "nmirf.ingest",
    "nmirf.analysis",
    "nmirf.tracking",
    "nmirf.followup",
    "nmirf.consultation",
    "nmirf.saved_views",
    "nmirf.assist",
]

# ── Middleware ───────────────────────────────────────────────────────────────────────────
# Order matters; each line says where it must be. Insert new ones at their place.

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",  # first: HTTPS redirect, headers
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files, before anything slower
    "nmirf.core.security.ContentSecurityPolicyMiddleware",  # every page, error pages too
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # after sessions, before common
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # (authentication-dependent middleware goes here, after AuthenticationMiddleware)
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A view stopped by a database locked past the busy timeout: a "busy, try again" page.
    "nmirf.ingest.busy.DatabaseBusyMiddleware",
]

ROOT_URLCONF = "nmirf.urls"
WSGI_APPLICATION = "nmirf.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "nmirf" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# ── Database ─────────────────────────────────────────────────────────────────────────────
# PostgreSQL keeps connections open between requests (CONN_MAX_AGE seconds, 60 by default)
# and checks one before reusing it (CONN_HEALTH_CHECKS), so a restarted database server
# costs one failed check, not a failed request. SQLite opens a file: nothing to keep.

try:
    DATABASES = {
        "default": dj_database_url.parse(
            ENV.text("DATABASE_URL", f"sqlite:///{DATA_DIR / 'nmirf.sqlite3'}"))
    }
except ValueError as error:
    raise ConfigurationError(
        f"DATABASE_URL (from {ENV.origin('DATABASE_URL')}) is not valid: {error}; expected "
        "e.g. postgres://user:password@host:5432/name or sqlite:////path/to/file.sqlite3"
    ) from None
_sqlite = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
DATABASES["default"]["CONN_MAX_AGE"] = ENV.integer(
    "CONN_MAX_AGE", 0 if _sqlite else 60, minimum=0, unit="seconds")
DATABASES["default"]["CONN_HEALTH_CHECKS"] = ENV.flag("CONN_HEALTH_CHECKS", True)
if _sqlite:
    # WAL lets the web server read while a background import writes. A new database gets
    # 8 KiB pages (the size only takes where no table exists yet; an existing file keeps
    # its own): recommendations are paragraphs of text, and larger pages write a large
    # import with less per-page work (benchmarks/README.md, "Import").
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command",
        "PRAGMA page_size=8192; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA cache_size=-65536;",
    )
    # Every transaction takes the write lock at its start (IMMEDIATE), so a writer waits
    # for it through the busy timeout instead of failing at once with "database is locked"
    # when a read turns into a write. The timeout (seconds) is how long a short write (a
    # login, a session) waits for an import holding the lock: a 40,000-row import holds it
    # for about a second; NMIRF_SQLITE_TIMEOUT raises it for larger imports (keep it below
    # the web server's request timeout).
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault(
        "timeout", ENV.integer("NMIRF_SQLITE_TIMEOUT", 20, minimum=0, unit="seconds"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ── Accounts ─────────────────────────────────────────────────────────────────────────────

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "recommendations:list"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# ── Languages and time ───────────────────────────────────────────────────────────────────

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("es", _("Spanish")),
    ("ar", _("Arabic")),
]
LOCALE_PATHS = [BASE_DIR / "nmirf" / "locale"]
TIME_ZONE = ENV.matching("TIME_ZONE", "UTC", r"[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*",
                         "a time zone name such as UTC or Europe/Ljubljana")
USE_I18N = True
USE_TZ = True

# ── Serving ─────────────────────────────────────────────────────────────────────────────
# Where `nmirf serve` listens unless told otherwise (--host, --port).
NMIRF_HOST = ENV.text("NMIRF_HOST", "127.0.0.1")
NMIRF_PORT = ENV.integer("NMIRF_PORT", 8000, minimum=1, maximum=65535)

# ── Static and uploaded files ────────────────────────────────────────────────────────────
# `nmirf collectstatic` copies static files to STATIC_ROOT under names that carry a hash of
# their content, compressed (gzip); WhiteNoise serves those with a one-year, immutable
# cache header, so a browser fetches each version once. Tests (tests/settings.py) and
# DEBUG=true serve the files straight from the app folders instead, so they need no
# collectstatic.

STATIC_URL = "static/"
STATIC_ROOT = Path(ENV.text("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

# ── Background tasks and cache ───────────────────────────────────────────────────────────
# Django's task API (django-tasks backport) with its database backend, so that a large web
# import runs in `nmirf db_worker` and no extra server is needed.

TASKS = {
    "default": {
        "BACKEND": ENV.text("TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Progress of background imports and the worker's heartbeat are shared between the worker
# and the web processes through the cache; a file-based cache needs no server.
CACHES = {
    "default": {
        "BACKEND": ENV.text("CACHE_BACKEND",
                            "django.core.cache.backends.filebased.FileBasedCache"),
        "LOCATION": ENV.text("CACHE_LOCATION", str(DATA_DIR / "cache")),
    }
}

# ── Imports ──────────────────────────────────────────────────────────────────────────────

# Upload limits: an import file larger than this is refused before it is read.
NMIRF_MAX_IMPORT_BYTES = ENV.integer("NMIRF_MAX_IMPORT_BYTES", 50 * 1024 * 1024, minimum=1,
                                     unit="bytes")
# One instance serves one state under review by default (ISO 3166-1 alpha-3).
NMIRF_HOME_STATE = ENV.matching("NMIRF_HOME_STATE", "SVN", r"[A-Z]{3}",
                                "an ISO 3166-1 alpha-3 code in capitals, e.g. SVN")
# The registry list opens on the home state's recommendations (?state=SVN, one click from
# ?state=all: recommendations/filters.py); off, it opens on every state (a network hub).
NMIRF_LIST_HOME_SCOPE = ENV.flag("NMIRF_LIST_HOME_SCOPE", True)

# An import whose process has not been heard from for this long is taken for dead (when its
# process cannot be looked up on this host), and marked interrupted (ingest/liveness.py).
NMIRF_IMPORT_STALE_SECONDS = ENV.integer("NMIRF_IMPORT_STALE_SECONDS", 300, minimum=30,
                                         unit="seconds")
# How long an import waits for another one writing to the registry before giving up.
NMIRF_IMPORT_WAIT_SECONDS = ENV.integer("NMIRF_IMPORT_WAIT_SECONDS", 600, minimum=0,
                                        unit="seconds")
# Uploads of interrupted runs (kept for Retry) are removed after this many days.
NMIRF_UPLOAD_RETENTION_DAYS = ENV.integer("NMIRF_UPLOAD_RETENTION_DAYS", 7, minimum=0,
                                          unit="days")

# Evidence files attached to progress updates (tracking/evidence.py): the largest accepted,
# and where they are kept under generated names — by default in MEDIA_ROOT (never served
# as such: no URL maps to it), so that `nmirf backup` and `restore` carry them.
NMIRF_EVIDENCE_MAX_BYTES = ENV.integer("NMIRF_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024, minimum=1,
                                       unit="bytes")
NMIRF_EVIDENCE_DIR = Path(ENV.text("NMIRF_EVIDENCE_DIR", str(MEDIA_ROOT / "evidence")))

# Trained suggestion models (nmirf/assist/model_files.py): versioned files written by
# `nmirf assist train`, read by `nmirf assist suggest`. Rebuilt from the data at any time,
# so kept apart from MEDIA_ROOT (not in backups).
NMIRF_MODEL_DIR = Path(ENV.text("NMIRF_MODEL_DIR", str(DATA_DIR / "models")))

FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# ── Security: HTTPS, cookies, headers ────────────────────────────────────────────────────
# NMIRF_HTTPS=true (the production setting: the site is reached over HTTPS only) makes
# cookies Secure, sends HSTS and redirects plain HTTP. Behind a reverse proxy that
# terminates TLS, NMIRF_BEHIND_PROXY=true trusts its X-Forwarded-Proto header (only if the
# proxy overwrites that header; gunicorn already trusts it from 127.0.0.1).

NMIRF_HTTPS = ENV.flag("NMIRF_HTTPS", False)
NMIRF_BEHIND_PROXY = ENV.flag("NMIRF_BEHIND_PROXY", False)
if NMIRF_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SESSION_COOKIE_SECURE = NMIRF_HTTPS
CSRF_COOKIE_SECURE = NMIRF_HTTPS
SESSION_COOKIE_HTTPONLY = True
# The CSRF token reaches htmx through the page (hx-headers), never from the cookie.
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

SECURE_SSL_REDIRECT = NMIRF_HTTPS
# A monitor on the machine asks /health/ over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = (ENV.integer("NMIRF_HSTS_SECONDS", 365 * 24 * 3600, minimum=0,
                                   unit="seconds") if NMIRF_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = ENV.flag("NMIRF_HSTS_INCLUDE_SUBDOMAINS", True)
# The preload token only takes effect if the domain's owner submits the domain to the
# browsers' preload list (hstspreload.org); set false where that must never happen.
SECURE_HSTS_PRELOAD = ENV.flag("NMIRF_HSTS_PRELOAD", True)

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Sent on every response by nmirf.core.security: nothing inline (no <script> or <style>
# blocks, no style="" attributes, no eval), nothing from another site. Bootstrap's icons
# are data: images inside its CSS.
NMIRF_CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

# ── Errors and logging ───────────────────────────────────────────────────────────────────
# Pages for a failed CSRF check and a server error, in the site's layout (nmirf/core/errors
# and nmirf/urls.py). Log records go to standard error as JSON lines (one per record: time,
# level, logger, message, request method/path/status/user where known, exception), the
# form a log collector (journald, Docker, Loki, Elastic) reads; LOG_FORMAT=text for people.

CSRF_FAILURE_VIEW = "nmirf.core.errors.csrf_failure"

LOG_LEVEL = ENV.choice("LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"])
LOG_FORMAT = ENV.choice("LOG_FORMAT", "json", ["json", "text"])
# One line per request from gunicorn (read by nmirf/operations/gunicorn_config.py).
NMIRF_ACCESS_LOG = ENV.flag("NMIRF_ACCESS_LOG", True)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "nmirf.operations.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "stderr": {"class": "nmirf.operations.logs.StderrHandler", "formatter": LOG_FORMAT},
    },
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        # Django's own: request errors (500s, with the exception), security (CSRF,
        # disallowed hosts); propagate to the root's handler.
        "django": {"level": LOG_LEVEL},
        "nmirf": {"level": LOG_LEVEL},
        "django_tasks": {"level": LOG_LEVEL},
        "django_tasks_db": {"level": LOG_LEVEL},
    },
}

# --- Accounts and sign-in (nmirf/accounts, nmirf/audit; docs/admin-guide.md "Accounts and
# sign-in"). Grouped here, apps and middleware included, so that this block reads alone. ---
INSTALLED_APPS += [
    "axes",  # sign-in throttling and lockout
    "django_otp",
    "django_otp.plugins.otp_totp",  # authenticator apps (TOTP)
    "django_otp.plugins.otp_static",  # recovery codes
    "nmirf.audit",
]
# After authentication: django-otp marks the session verified or not; the audit trail learns
# the request; people who owe a second factor are sent to give it (or to enrol) first.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django_otp.middleware.OTPMiddleware") + 1,
    "nmirf.audit.context.AuditContextMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("nmirf.audit.context.AuditContextMiddleware") + 1,
    "nmirf.accounts.middleware.SecondFactorMiddleware",
)
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # last, as django-axes asks

# The throttle refuses a locked account or address before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "nmirf.accounts.backends.ThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failed sign-ins before an account is locked, and before an address is (higher: a
# ministry's staff often share one address behind its gateway).
NMIRF_LOGIN_FAILURE_LIMIT = ENV.integer("NMIRF_LOGIN_FAILURE_LIMIT", 5, minimum=1)
NMIRF_LOGIN_ADDRESS_FAILURE_LIMIT = ENV.integer(
    "NMIRF_LOGIN_ADDRESS_FAILURE_LIMIT", 20, minimum=1)
# How long a lock lasts; 0 keeps it until an administrator unlocks.
NMIRF_LOGIN_LOCKOUT_MINUTES = ENV.integer("NMIRF_LOGIN_LOCKOUT_MINUTES", 60, minimum=0,
                                          unit="minutes")
# Reverse proxies in front of the app (each adds to X-Forwarded-For); 0 trusts only the peer.
NMIRF_PROXY_COUNT = ENV.integer("NMIRF_PROXY_COUNT", 0, minimum=0)
# Whom a locked-out person should ask (shown on the lockout page), e.g. "it@ministry.gov".
NMIRF_ACCOUNTS_CONTACT = ENV.text("NMIRF_ACCOUNTS_CONTACT")

AXES_HANDLER = "nmirf.accounts.lockout.LockoutHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each counted on its own
AXES_FAILURE_LIMIT = "nmirf.accounts.lockout.failure_limit"
AXES_COOLOFF_TIME = (NMIRF_LOGIN_LOCKOUT_MINUTES / 60) or None  # in hours; None: until unlocked
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "nmirf.accounts.lockout.lockout_response"
AXES_ENABLE_ADMIN = False  # nmirf.accounts.admin shows lockouts, with an audited unlock
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are in the audit trail
AXES_CLIENT_IP_CALLABLE = "nmirf.audit.service.client_address"  # honours NMIRF_PROXY_COUNT

# Two-factor authentication: optional for everyone, required for these roles (comma-separated
# role names, e.g. "administrator,coordinator"; checked at start-up).
NMIRF_REQUIRE_2FA_ROLES = ENV.items("NMIRF_REQUIRE_2FA_ROLES")
OTP_TOTP_ISSUER = ENV.text("NMIRF_SITE_NAME", "OpenNMIRF")

# Sessions end this many seconds after sign-in (8 hours: a working day), and optionally when
# the browser closes. Django gives a new session key at every sign-in.
SESSION_COOKIE_AGE = ENV.integer("SESSION_COOKIE_AGE", 8 * 60 * 60, minimum=60, unit="seconds")
SESSION_EXPIRE_AT_BROWSER_CLOSE = ENV.flag("SESSION_EXPIRE_AT_BROWSER_CLOSE", False)

# E-mail (password reset links): printed to the console unless an SMTP server is given.
EMAIL_BACKEND = ENV.text("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = ENV.text("EMAIL_HOST", "localhost")
EMAIL_PORT = ENV.integer("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = ENV.text("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = ENV.text("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = ENV.flag("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = ENV.flag("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = ENV.integer("EMAIL_TIMEOUT", 30, minimum=1, unit="seconds")
DEFAULT_FROM_EMAIL = ENV.text("DEFAULT_FROM_EMAIL", "OpenNMIRF <nmirf@localhost>")
SERVER_EMAIL = ENV.text("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# A reset link works this many seconds (2 hours), and only once.
PASSWORD_RESET_TIMEOUT = ENV.integer("PASSWORD_RESET_TIMEOUT", 2 * 60 * 60, minimum=60,
                                     unit="seconds")

# ── Follow-up calendar (nmirf/followup; docs/admin-guide.md "Reminders") ─────────────────
# Reminders of a deadline go this many days before it and after it (comma-separated);
# `nmirf send-reminders` (cron or the worker, daily) sends each once per person.
_DAYS = r"(\d{1,3}(,\d{1,3})*)?"
NMIRF_REMINDER_DAYS_BEFORE = [int(d) for d in ENV.matching(
    "NMIRF_REMINDER_DAYS_BEFORE", "14,3", _DAYS, "days as numbers, comma-separated, e.g. 14,3"
).split(",") if d]
NMIRF_REMINDER_DAYS_AFTER = [int(d) for d in ENV.matching(
    "NMIRF_REMINDER_DAYS_AFTER", "1,14", _DAYS, "days as numbers, comma-separated, e.g. 1,14"
).split(",") if d]
# The address people reach this instance at, for links in e-mails and calendar feeds
# (without it, links are relative to the site of the request, or to http://localhost:8000).
NMIRF_SITE_URL = ENV.text("NMIRF_SITE_URL", "http://localhost:8000").rstrip("/")
