"""BranchCX settings: configured only through ``BRANCHCX_*`` environment variables.

With nothing set, BranchCX runs in *embedded mode*: SQLite in ``./var/``, debug on, secrets
generated once into ``$BRANCHCX_DATA_DIR/secrets.json``. With ``BRANCHCX_DEBUG=0`` every
secret must come from the environment, and start-up stops with a message naming the variable
that is missing or malformed.
"""

from __future__ import annotations

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from branchcx.lib import secrets as secret_store

BASE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0 (true/false), not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("BRANCHCX_DEBUG", True)
DATA_DIR = Path(os.environ.get("BRANCHCX_DATA_DIR") or Path.cwd() / "var").resolve()
# The embedded database, the task queue and static files live here in every mode.
DATA_DIR.mkdir(parents=True, exist_ok=True)

# --- secrets -----------------------------------------------------------------------------
# Production reads secrets only from the environment; embedded mode keeps generated ones in
# the data folder so that a restart can still read what it encrypted.
_secrets = secret_store.load(DATA_DIR, production=not DEBUG)
SECRET_KEY = _secrets.secret_key
BRANCHCX_ENCRYPTION_KEYS = _secrets.encryption_keys  # [(key_id, 32-byte key)], first is active
BRANCHCX_BLIND_INDEX_KEY = _secrets.blind_index_key

ALLOWED_HOSTS = env_list(
    "BRANCHCX_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "BRANCHCX_ALLOWED_HOSTS is not set. Set it to the host names users type, "
        "comma-separated (for example: branchcx.bank.intranet)."
    )
CSRF_TRUSTED_ORIGINS = env_list("BRANCHCX_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "simple_history",
    "huey.contrib.djhuey",
    "ninja",  # serves its Swagger UI from our static files, not a CDN
    "branchcx.org",
    "branchcx.audit",
    "branchcx.rollups",
    "branchcx.customers",
    "branchcx.messaging",
    "branchcx.complaints",
    "branchcx.surveys",
    "branchcx.web",
]

MIDDLEWARE = [
    "branchcx.web.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "branchcx.web.middleware.ApiErrorShapeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "branchcx.audit.middleware.AuditContextMiddleware",
    "branchcx.web.middleware.ForcePasswordChangeMiddleware",
    # Axes must come last: it turns a lockout raised during authentication into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "branchcx.urls"
WSGI_APPLICATION = "branchcx.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "branchcx.web.context_processors.shell",
            ],
        },
    },
]

# --- database ----------------------------------------------------------------------------
_database_url = os.environ.get("BRANCHCX_DATABASE_URL", "")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "branchcx.sqlite3"),
            "OPTIONS": {
                # WAL lets readers go on while one writer commits; IMMEDIATE takes the write
                # lock at BEGIN so concurrent writers wait instead of failing mid-transaction.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;"
                ),
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache and background work -----------------------------------------------------------
REDIS_URL = os.environ.get("BRANCHCX_REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "branchcx",
        "url": REDIS_URL,
        "immediate": env_bool("BRANCHCX_HUEY_IMMEDIATE", False),
        "consumer": {"workers": env_int("BRANCHCX_WORKER_THREADS", 2), "worker_type": "thread"},
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "branchcx",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": env_bool("BRANCHCX_HUEY_IMMEDIATE", False),
        "consumer": {"workers": env_int("BRANCHCX_WORKER_THREADS", 2), "worker_type": "thread"},
    }

# --- authentication and sessions ---------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Idle timeout: every request renews the session, so it ends after this much inactivity.
SESSION_COOKIE_AGE = env_int("BRANCHCX_SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

AXES_FAILURE_LIMIT = env_int("BRANCHCX_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("BRANCHCX_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "branchcx.lib.clientip.client_ip"
AXES_VERBOSE = False
# Addresses or networks of our own reverse proxies: only connections from them may set
# X-Forwarded-For / X-Forwarded-Proto (gunicorn is given the same list).
BRANCHCX_TRUSTED_PROXIES = env_list("BRANCHCX_TRUSTED_PROXIES", [])
try:
    for _proxy in BRANCHCX_TRUSTED_PROXIES:
        ipaddress.ip_network(_proxy, strict=False)
except ValueError:
    raise ImproperlyConfigured(
        "BRANCHCX_TRUSTED_PROXIES must list IP addresses or networks, comma-separated "
        "(for example: 10.1.2.3,10.1.2.4 or 10.1.2.0/28)."
    ) from None

# --- API ---------------------------------------------------------------------------------
BRANCHCX_API_RATE = os.environ.get("BRANCHCX_API_RATE", "120/min")
BRANCHCX_API_ANON_RATE = os.environ.get("BRANCHCX_API_ANON_RATE", "30/min")
BRANCHCX_TOKEN_DAYS = env_int("BRANCHCX_TOKEN_DAYS", 90)
# JSON bodies above this size are refused with 413 before they are parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("BRANCHCX_MAX_BODY_BYTES", 1024 * 1024)
# Import files uploaded in the browser (larger files: `branchcx import` on the server).
BRANCHCX_MAX_IMPORT_BYTES = env_int("BRANCHCX_MAX_IMPORT_BYTES", 100 * 1024 * 1024)
# Complaint decisions granting more compensation than this (CNY) need a manager's approval.
BRANCHCX_COMPENSATION_APPROVAL = env_int("BRANCHCX_COMPENSATION_APPROVAL", 5000)
# The bank's name at the head of decision letters (the outlet's and branch's names follow).
BRANCHCX_BANK_NAME = os.environ.get("BRANCHCX_BANK_NAME", "")
# Evidence filed with a complaint (PDF, JPEG, PNG, MP3 or WAV) may not exceed this size.
BRANCHCX_MAX_ATTACHMENT_BYTES = env_int("BRANCHCX_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
# A customer is not asked to answer a survey again within this many days of the last one.
BRANCHCX_SURVEY_FATIGUE_DAYS = env_int("BRANCHCX_SURVEY_FATIGUE_DAYS", 30)
# An unhappy answer's follow-up is due within this many working hours.
BRANCHCX_SURVEY_FOLLOW_UP_HOURS = env_int("BRANCHCX_SURVEY_FOLLOW_UP_HOURS", 16)
# The most survey responses one Excel export may hold.
BRANCHCX_SURVEY_EXPORT_MAX_ROWS = env_int("BRANCHCX_SURVEY_EXPORT_MAX_ROWS", 50_000)
# Where customers reach the survey pages (links in invitations): the bank's public address.
BRANCHCX_PUBLIC_URL = os.environ.get("BRANCHCX_PUBLIC_URL", "http://127.0.0.1:8000")

# --- outgoing messages -------------------------------------------------------------------
# Every SMS and email to a customer goes through the outbox (branchcx.messaging) and is sent
# by the worker. Embedded mode sends nothing out: SMS are appended to JSON-lines files and
# emails written as files, both in $BRANCHCX_DATA_DIR/outbox/, where an operator can read them.
BRANCHCX_SMS_BACKEND = os.environ.get("BRANCHCX_SMS_BACKEND", "file")
if BRANCHCX_SMS_BACKEND not in {"file", "console"}:
    raise ImproperlyConfigured(
        f"BRANCHCX_SMS_BACKEND must be file or console, not {BRANCHCX_SMS_BACKEND!r}."
    )
# A message that failed this many times is marked failed and no longer retried.
BRANCHCX_OUTBOX_MAX_ATTEMPTS = env_int("BRANCHCX_OUTBOX_MAX_ATTEMPTS", 5)
_EMAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
}
_email_backend = os.environ.get("BRANCHCX_EMAIL_BACKEND", "") or "file"
EMAIL_BACKEND = _EMAIL_BACKENDS.get(_email_backend, _email_backend)
EMAIL_FILE_PATH = str(DATA_DIR / "outbox" / "email")
DEFAULT_FROM_EMAIL = os.environ.get("BRANCHCX_EMAIL_FROM", "") or "noreply@branchcx.invalid"
if EMAIL_BACKEND.endswith(".smtp.EmailBackend"):
    EMAIL_HOST = os.environ.get("BRANCHCX_EMAIL_HOST", "") or "localhost"
    EMAIL_PORT = env_int("BRANCHCX_EMAIL_PORT", 25)
    EMAIL_HOST_USER = os.environ.get("BRANCHCX_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("BRANCHCX_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("BRANCHCX_EMAIL_TLS", False)
    # The worker sends while it holds the message's row lock (the whole database on SQLite):
    # an unanswering mail server must not hold it for long.
    EMAIL_TIMEOUT = env_int("BRANCHCX_EMAIL_TIMEOUT", 10)

# --- security headers --------------------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("BRANCHCX_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("BRANCHCX_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # HTTPS behind a proxy: gunicorn sets the request scheme from X-Forwarded-Proto, and only
    # for connections from BRANCHCX_TRUSTED_PROXIES (see `branchcx serve`).
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- language and time -------------------------------------------------------------------
FORMAT_MODULE_PATH = ["branchcx.formats"]
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- static files ------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
if DEBUG:
    # Embedded mode serves from the app folders; an empty STATIC_ROOT keeps whitenoise quiet.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# --- logging -----------------------------------------------------------------------------
# Logs carry no personal data: URLs never contain it, and request bodies are not logged.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("BRANCHCX_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# django-ninja: pagination of every list, and who counts as the client for rate limits.
NINJA_PAGINATION_CLASS = "ninja.pagination.PageNumberPagination"
NINJA_PAGINATION_PER_PAGE = 50
NINJA_MAX_PER_PAGE_SIZE = 200
# Rate limits identify clients with branchcx.lib.clientip (see branchcx/api.py), not ninja's
# own X-Forwarded-For reading; 0 keeps ninja's fallback on the connection address.
NINJA_NUM_PROXIES = 0
