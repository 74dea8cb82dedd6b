"""Settings, driven by environment variables so that one code base serves a laptop demo
(SQLite file, no services) and production (PostgreSQL through DATABASE_URL)."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "insecure-development-key-change-me-in-production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Where the SQLite file and uploaded imports live when no DATABASE_URL is given.
DATA_DIR = Path(env_str("NMIRF_DATA_DIR", str(BASE_DIR / "var")))

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
    "django_tasks_db",
    "nmirf.core",
    "nmirf.accounts",
    "nmirf.recommendations",
    "nmirf.ingest",
    "nmirf.analysis",
    "nmirf.operations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
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

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'nmirf.sqlite3'}",
        conn_max_age=int(env_str("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
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
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
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

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("es", _("Spanish")),
    ("ar", _("Arabic")),
]
LOCALE_PATHS = [BASE_DIR / "nmirf" / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve from the app folders too, so tests and `runserver` need no collectstatic.
WHITENOISE_USE_FINDERS = True

# Background jobs: Django's task API (django-tasks backport) with its database backend,
# so that a large web import runs in `nmirf db_worker` and no extra server is needed.
TASKS = {
    "default": {
        "BACKEND": env_str("TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Progress of background imports is shared between the worker and the web processes
# through the cache; a file-based cache needs no server.
CACHES = {
    "default": {
        "BACKEND": env_str("CACHE_BACKEND", "django.core.cache.backends.filebased.FileBasedCache"),
        "LOCATION": env_str("CACHE_LOCATION", str(DATA_DIR / "cache")),
    }
}

# Upload limits: an import file larger than this is refused before it is read.
NMIRF_MAX_IMPORT_BYTES = int(env_str("NMIRF_MAX_IMPORT_BYTES", str(50 * 1024 * 1024)))
# One instance serves one state under review by default (ISO 3166-1 alpha-3).
NMIRF_HOME_STATE = env_str("NMIRF_HOME_STATE", "SVN")

FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
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
NMIRF_LOGIN_FAILURE_LIMIT = int(env_str("NMIRF_LOGIN_FAILURE_LIMIT", "5"))
NMIRF_LOGIN_ADDRESS_FAILURE_LIMIT = int(env_str("NMIRF_LOGIN_ADDRESS_FAILURE_LIMIT", "20"))
# How long a lock lasts; 0 keeps it until an administrator unlocks.
NMIRF_LOGIN_LOCKOUT_MINUTES = int(env_str("NMIRF_LOGIN_LOCKOUT_MINUTES", "60"))
# Reverse proxies in front of the app (each adds to X-Forwarded-For); 0 trusts only the peer.
NMIRF_PROXY_COUNT = int(env_str("NMIRF_PROXY_COUNT", "0"))
# Whom a locked-out person should ask (shown on the lockout page), e.g. "it@ministry.gov".
NMIRF_ACCOUNTS_CONTACT = env_str("NMIRF_ACCOUNTS_CONTACT")

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
NMIRF_REQUIRE_2FA_ROLES = env_list("NMIRF_REQUIRE_2FA_ROLES")
OTP_TOTP_ISSUER = env_str("NMIRF_SITE_NAME", "OpenNMIRF")

# Sessions end this many seconds after sign-in (8 hours: a working day), and optionally when
# the browser closes. Django gives a new session key at every sign-in.
SESSION_COOKIE_AGE = int(env_str("SESSION_COOKIE_AGE", str(8 * 60 * 60)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", False)

# E-mail (password reset links): printed to the console unless an SMTP server is given.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env_str("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(env_str("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "OpenNMIRF <nmirf@localhost>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# A reset link works this many seconds (2 hours), and only once.
PASSWORD_RESET_TIMEOUT = int(env_str("PASSWORD_RESET_TIMEOUT", str(2 * 60 * 60)))
