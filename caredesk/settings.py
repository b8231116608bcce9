"""caredesk settings: every deployment choice comes from the environment.

``make run`` needs no variable at all: the defaults give an embedded SQLite
database and a generated secret key under ``CAREDESK_DATA_DIR``. See
docs/operator-guide.md for the full list.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from caredesk.env import env_bool, env_choice, env_int, env_list, env_str, env_timezone, env_url

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("CAREDESK_DATA_DIR", "var")).resolve()


def _secret_key() -> str:
    """The key from SECRET_KEY, else one generated once and kept in the data dir."""
    configured = env_str("SECRET_KEY", "")
    if configured:
        if len(configured) < 32:
            raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long")
        return configured
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.touch(mode=0o600)
    key_file.write_text(key)
    return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"], non_empty=True)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
TRUSTED_PROXIES = set(env_list("CAREDESK_TRUSTED_PROXIES", []))  # believe X-Forwarded-For from these
# Where `caredesk run` listens: CAREDESK_BIND (host:port), else 127.0.0.1 on PORT (8000).
PORT = env_int("PORT", 8000, minimum=1, maximum=65535)
BIND = env_str("CAREDESK_BIND", "") or f"127.0.0.1:{PORT}"
# The public address for links in e-mails. Unset, links follow the address the server is
# reached on (caredesk/core/addresses.py); SERVED_URL stands in before any request came.
BASE_URL = (
    env_url("CAREDESK_BASE_URL", "", schemes={"http", "https"}).rstrip("/") if env_str("CAREDESK_BASE_URL", "") else ""
)
_bind_host, _, _bind_port = BIND.rpartition(":")
SERVED_URL = f"http://{'127.0.0.1' if _bind_host in {'', '0.0.0.0', '[::]'} else _bind_host}:{_bind_port or PORT}"  # noqa: S104

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # its static Swagger UI: the API docs load nothing from the internet
    "caredesk.core",
    "caredesk.accounts",
    "caredesk.installbase",
    "caredesk.entitlements",
    "caredesk.sla",
    "caredesk.cases",
    "caredesk.rma",
    "caredesk.notifications",
    "caredesk.translation",
    "caredesk.api",
    "caredesk.portal",
    "caredesk.console",
    "caredesk.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "caredesk.web.middleware.ContentSecurityPolicyMiddleware",
    "caredesk.api.errors.ApiErrorShapeMiddleware",
    "caredesk.web.middleware.EdgeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "caredesk.core.addresses.RequestAddressMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "caredesk.web.locale.PersonalLocaleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "caredesk.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "caredesk.urls"
WSGI_APPLICATION = "caredesk.wsgi.application"
ASGI_APPLICATION = "caredesk.asgi.application"

# Plain widgets are written in Python, the rest from Django's templates (caredesk/web/forms.py).
FORM_RENDERER = "caredesk.web.forms.FastRenderer"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",  # LANGUAGE_CODE and LANGUAGES
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "caredesk.core.context.caredesk",
                "caredesk.portal.context.portal",
            ],
            # {% field %}, {% form_errors %} and {% translate %} on every page without {% load %}
            "builtins": ["caredesk.web.tags", "django.templatetags.i18n"],
        },
    },
]

# --- database -------------------------------------------------------------
_default_db = f"sqlite:///{DATA_DIR / 'caredesk.sqlite3'}"


def _database(url: str) -> dict[str, object]:
    scheme = url.split(":", 1)[0].lower()
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(f"DATABASE_URL must start with sqlite:// or postgres://, got {url.split('@')[-1]!r}")
    try:
        return dict(
            dj_database_url.parse(
                url,
                conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
                # A health check is one more round trip ("SELECT 1") at the start of every
                # request. Off by default: a connection broken by a database restart fails
                # one request and is then replaced. Turn it on behind failover proxies.
                conn_health_checks=env_bool("DATABASE_CONN_HEALTH_CHECKS", False),
            )
        )
    except ImproperlyConfigured:
        raise
    except Exception as exc:  # the parser's own errors do not name the variable
        raise ImproperlyConfigured(f"DATABASE_URL cannot be read: {exc}") from None


DATABASES = {"default": _database(env_str("DATABASE_URL", _default_db))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the single writer; IMMEDIATE transactions take
    # the write lock up front so two writers queue instead of failing to upgrade
    # a read lock (SQLITE_BUSY in the middle of a transaction).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, sessions, rate limits -----------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    # Files under the data dir, not process memory: every web worker on the host shares
    # the rate-limit counters, so two workers do not double the login limits.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }
    # Django's database sessions, read by a statement built once (caredesk/accounts/sessions.py).
    SESSION_ENGINE = "caredesk.accounts.sessions"

# --- accounts and passwords -----------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["caredesk.accounts.auth.EmailBackend"]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("CAREDESK_PASSWORD_MIN_LENGTH", 10, minimum=8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# D-1.5: expiry after six calendar months, lock 30 days after that.
PASSWORD_MAX_AGE_MONTHS = env_int("CAREDESK_PASSWORD_MAX_AGE_MONTHS", 6, minimum=1)
PASSWORD_GRACE_DAYS = env_int("CAREDESK_PASSWORD_GRACE_DAYS", 30, minimum=0)
PASSWORD_RESET_TIMEOUT = env_int("CAREDESK_PASSWORD_RESET_SECONDS", 2 * 3600, minimum=60)
# D-1.5 throttles: wrong passwords per address and client, per client over all addresses,
# and per address over all clients (then e-mailed sign-in links instead of passwords).
LOGIN_FAILURE_LIMIT = env_int("CAREDESK_LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_CLIENT_FAILURE_LIMIT = env_int("CAREDESK_LOGIN_CLIENT_FAILURE_LIMIT", 20, minimum=1)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("CAREDESK_LOGIN_ADDRESS_FAILURE_LIMIT", 20, minimum=1)
LOGIN_LOCKOUT_SECONDS = env_int("CAREDESK_LOGIN_LOCKOUT_SECONDS", 15 * 60, minimum=1)
LOGIN_LINK_SECONDS = env_int("CAREDESK_LOGIN_LINK_SECONDS", 15 * 60, minimum=60)
LOGIN_RATE_PER_IP = env_int("CAREDESK_LOGIN_RATE_PER_IP", 30, minimum=1)  # attempts per minute
TOKEN_CACHE_SECONDS = env_int("CAREDESK_TOKEN_CACHE_SECONDS", 5, minimum=0, maximum=300)
DASHBOARD_CACHE_SECONDS = env_int("CAREDESK_DASHBOARD_CACHE_SECONDS", 60, minimum=0, maximum=3600)
CATALOGUE_CACHE_SECONDS = env_int("CAREDESK_CATALOGUE_CACHE_SECONDS", 30, minimum=0, maximum=3600)
REGISTRATION_LINK_SECONDS = env_int("CAREDESK_REGISTRATION_LINK_SECONDS", 48 * 3600, minimum=60)
# D-1.4: how long the removal link in an administrator's notice of a new member works.
MEMBER_REMOVAL_LINK_DAYS = env_int("CAREDESK_MEMBER_REMOVAL_LINK_DAYS", 14, minimum=1, maximum=365)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
_HTTPS = env_bool("CAREDESK_HTTPS", False)
SESSION_COOKIE_SECURE = _HTTPS
CSRF_COOKIE_SECURE = _HTTPS
SECURE_SSL_REDIRECT = _HTTPS and env_bool("CAREDESK_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("CAREDESK_HSTS_SECONDS", 31536000, minimum=0) if _HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("CAREDESK_HSTS_INCLUDE_SUBDOMAINS", True)  # sent only with HTTPS on
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if _HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- the support centre -----------------------------------------------------
SUPPORT_TIME_ZONE = env_timezone("CAREDESK_SUPPORT_TIME_ZONE", "America/Los_Angeles")
SUPPORT_COUNTRY = env_str("CAREDESK_SUPPORT_COUNTRY", "US").strip().upper()  # its public holidays (D-4.2)
if SUPPORT_COUNTRY and SUPPORT_COUNTRY not in __import__("holidays").list_supported_countries():
    raise ImproperlyConfigured(f"CAREDESK_SUPPORT_COUNTRY={SUPPORT_COUNTRY!r}: no public holidays known for it")
SUPPORT_CENTRE_NAME = env_str("CAREDESK_SUPPORT_CENTRE_NAME", "caredesk Customer Care")
TIME_ZONE = SUPPORT_TIME_ZONE  # pages show times in the support centre's zone (D-3.6)
USE_TZ = True  # stored in UTC
# The interface's languages (D-7.5), each named in itself so a reader finds their own. A
# person's choice (their profile, or the switcher before login) wins, then the browser's
# Accept-Language, then CAREDESK_LANGUAGE. Catalogues: caredesk/locale (development guide).
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français"), ("es", "Español"), ("ja", "日本語")]
LANGUAGE_CODE = env_choice("CAREDESK_LANGUAGE", "en", {code for code, _name in LANGUAGES})
USE_I18N = True
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "caredesk_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # remembered for a year on this browser
LANGUAGE_COOKIE_SAMESITE = "Lax"  # web.locale sets the cookie with the same
LANGUAGE_COOKIE_SECURE = _HTTPS

# Machine translation for staff (D-7.5): a self-hosted server speaking the LibreTranslate
# HTTP API; none unless an address is given.
TRANSLATION_URL = (
    env_url("CAREDESK_TRANSLATION_URL", "", schemes={"http", "https"}).rstrip("/")
    if env_str("CAREDESK_TRANSLATION_URL", "")
    else ""
)
TRANSLATION_API_KEY = env_str("CAREDESK_TRANSLATION_API_KEY", "")
TRANSLATION_TIMEOUT_SECONDS = env_int("CAREDESK_TRANSLATION_TIMEOUT_SECONDS", 10, minimum=1)

# --- cases ------------------------------------------------------------------
CASE_AUTO_CLOSE_DAYS = env_int("CAREDESK_CASE_AUTO_CLOSE_DAYS", 7, minimum=1)  # D-3.5
# A closed case can be reopened (by staff, or by the customer from the portal) this many
# days after it closed; after that the customer is asked to open a new case.
CASE_REOPEN_DAYS = env_int("CAREDESK_CASE_REOPEN_DAYS", 14, minimum=0, maximum=3650)

# --- installed base and entitlement (D-2.x) -------------------------------------------------
HW_WARRANTY_MONTHS = env_int("CAREDESK_HW_WARRANTY_MONTHS", 12, minimum=0, maximum=120)  # D-2.5, new products
SW_WARRANTY_DAYS = env_int("CAREDESK_SW_WARRANTY_DAYS", 90, minimum=0, maximum=3650)  # D-2.5, new products
END_OF_SUPPORT_NOTICE_DAYS = env_int("CAREDESK_END_OF_SUPPORT_NOTICE_DAYS", 180, minimum=1, maximum=3650)
ECERT_GRACE_DAYS = env_int("CAREDESK_ECERT_GRACE_DAYS", 30, minimum=0, maximum=365)  # D-2.7
ORDER_IMPORT_MAX_BYTES = env_int("CAREDESK_ORDER_IMPORT_MAX_BYTES", 512 * 1024 * 1024, minimum=1024)
ATTACHMENT_MAX_BYTES = env_int("CAREDESK_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
ATTACHMENT_EXTENSIONS = env_list(
    "CAREDESK_ATTACHMENT_EXTENSIONS",
    ["txt", "log", "pdf", "png", "jpg", "jpeg", "gif", "csv", "json", "xml", "zip", "gz", "tgz", "pcap", "cfg", "conf"],
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- RMAs (D-5.x) ------------------------------------------------------------
# D-5.1: the first RMA number (R followed by digits from one increasing sequence). Raising
# it later moves the sequence on to it; lowering it never moves the sequence back.
RMA_NUMBER_START = env_int("CAREDESK_RMA_NUMBER_START", 1_000_001, minimum=1, maximum=10**15)
RMA_DOA_DAYS = env_int("CAREDESK_RMA_DOA_DAYS", 30, minimum=0, maximum=365)  # D-5.2: dead on arrival
# D-5.2: a time-and-material repair is quoted at this share of the product's list price.
RMA_TIME_AND_MATERIAL_PERCENT = env_int("CAREDESK_RMA_TIME_AND_MATERIAL_PERCENT", 40, minimum=1, maximum=1000)
# D-5.7: a mis-shipment can be claimed up to this many days after the order line shipped (day 90
# accepted, day 91 refused), counted in calendar days of the support centre's zone.
MIS_SHIPMENT_CLAIM_DAYS = env_int("CAREDESK_MIS_SHIPMENT_CLAIM_DAYS", 90, minimum=1, maximum=3650)
# D-5.5: an advance replacement's defective unit is due this many business days after the
# replacement's delivery (its shipping where no delivery is recorded); then it is charged.
RMA_RETURN_DAYS = env_int("CAREDESK_RMA_RETURN_DAYS", 10, minimum=1, maximum=365)
# D-5.5: how often the sweep of returns not received runs.
RMA_RETURN_SWEEP_SECONDS = env_int("CAREDESK_RMA_RETURN_SWEEP_SECONDS", 300, minimum=1, maximum=86_400)

# --- files ------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = Path(env_str("CAREDESK_MEDIA_ROOT", str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve straight from the package when collectstatic was not run

# --- e-mail -----------------------------------------------------------------
_EMAIL = env_choice("CAREDESK_EMAIL", "console", {"console", "smtp", "memory"})
EMAIL_BACKEND = {
    # console: nothing is sent; each message is printed and appended to MAIL_LOG.
    "console": "caredesk.core.maillog.ConsoleAndLogBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "memory": "django.core.mail.backends.locmem.EmailBackend",
}[_EMAIL]
MAIL_LOG = Path(env_str("CAREDESK_MAIL_LOG", str(DATA_DIR / "mail.log")))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS (STARTTLS, port 587) or EMAIL_USE_SSL (port 465), not both")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "care@caredesk.invalid")

# --- background jobs ----------------------------------------------------------
_TASKS = env_choice("CAREDESK_TASKS", "database", {"database", "redis", "immediate"})
# database: the embedded default, jobs in the database, run by `caredesk worker`.
# redis: the scale-out mode, jobs on a Redis broker (RQ), run by `caredesk worker` on any node.
# immediate: jobs run in the process that queued them, after commit (tests).
TASKS_REDIS_URL = env_str("CAREDESK_TASKS_REDIS_URL", "") or REDIS_URL
if _TASKS == "redis" and not TASKS_REDIS_URL:
    raise ImproperlyConfigured(
        "CAREDESK_TASKS=redis needs CAREDESK_TASKS_REDIS_URL (or REDIS_URL), e.g. redis://127.0.0.1:6379/1"
    )
TASK_QUEUE = "default"  # the tasks' own queue; deployments keep apart by broker URL (a Redis database each)
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "redis": "django_tasks_rq.RQBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[_TASKS],
        "QUEUES": [TASK_QUEUE],
    }
}
RQ_QUEUES = {TASK_QUEUE: {"URL": TASKS_REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 600}}
if _TASKS == "redis":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
# --- notifications (D-7.4) --------------------------------------------------------
MESSAGE_ID_DOMAIN = env_str("CAREDESK_MESSAGE_ID_DOMAIN", "") or (urlsplit(BASE_URL).hostname or "caredesk.invalid")
NOTIFY_MAX_ATTEMPTS = env_int("CAREDESK_NOTIFY_MAX_ATTEMPTS", 8, minimum=1, maximum=50)
NOTIFY_LEASE_SECONDS = env_int("CAREDESK_NOTIFY_LEASE_SECONDS", 300, minimum=1, maximum=3600)
NOTIFY_SWEEP_SECONDS = env_int("CAREDESK_NOTIFY_SWEEP_SECONDS", 60, minimum=1, maximum=3600)
# On PostgreSQL the worker's outbox listener is woken at each commit that writes a notice;
# without a wake-up it looks anyway this often (caredesk/notifications/dispatcher.py).
NOTIFY_POLL_SECONDS = env_int("CAREDESK_NOTIFY_POLL_SECONDS", 5, minimum=1, maximum=3600)
WEBHOOK_TIMEOUT_SECONDS = env_int("CAREDESK_WEBHOOK_TIMEOUT", 10, minimum=1, maximum=120)

SCHEDULER_INTERVAL_SECONDS = env_int("CAREDESK_SCHEDULER_INTERVAL", 60, minimum=1)
# D-4.3: the breach and management-escalation sweeps, every minute by default.
BREACH_SWEEP_SECONDS = env_int("CAREDESK_BREACH_SWEEP_SECONDS", 60, minimum=1, maximum=3600)

# --- API --------------------------------------------------------------------
API_PAGE_MAX = 100
IDEMPOTENCY_KEY_HOURS = env_int("CAREDESK_IDEMPOTENCY_KEY_HOURS", 24, minimum=1, maximum=24 * 30)  # retries' answers
NINJA_PAGINATION_MAX_LIMIT = API_PAGE_MAX

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_choice("LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR"})},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
