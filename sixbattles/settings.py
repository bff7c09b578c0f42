"""Settings for the six-battles tracker.

Everything that differs between machines comes from the environment, read through the
small helpers below; they fail loudly on a value they cannot understand, so a typo in a
deployment never silently falls back to a default.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name, default=None):
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfigured(f"Environment variable {name} is required.")
        return default
    return value


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false, yes/no).")


def env_int(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None


def env_list(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def database_from_url(url):
    """Turn `sqlite:///path` or `postgres://user:pass@host:port/name` into a DATABASES entry."""
    if url.startswith("sqlite:///"):
        # sqlite:////abs/path.sqlite3 is absolute; sqlite:///data/x.sqlite3 is relative to the checkout.
        path = url[len("sqlite:///") :]
        if not path:
            raise ImproperlyConfigured(f"DATABASE_URL={url!r} names no SQLite file.")
        if not os.path.isabs(path):
            path = str(BASE_DIR / path)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            # WAL and a busy timeout let the embedded worker write while the web app reads.
            "OPTIONS": {
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL;",
                # Take the write lock when a transaction starts, so the worker and the web app
                # wait for each other instead of failing with "database is locked".
                "transaction_mode": "IMMEDIATE",
            },
        }
    parts = urlsplit(url)
    if parts.scheme in {"postgres", "postgresql", "pgsql"}:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured(f"DATABASE_URL={url!r} names no database.")
        options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "OPTIONS": options,
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL={url!r}: unsupported scheme {parts.scheme!r} (use sqlite:/// or postgres://)."
    )


DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "data")))
DEBUG = env_bool("DEBUG", False)
# Only a DEBUG (development) run may fall back to a built-in key.
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key" if DEBUG else None)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "import_export",
    "simple_history",
    "sixbattles.apps.AxesConfig",  # django-axes, named in Chinese
    "django_celery_beat",
    "accounts",
    "targets",
    "tasks",
    "reporting",
    "sixbattles.apps.SixBattlesConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files with hashed, compressed names, served by the app itself (collectstatic on start).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Sessions are saved only when they change; this keeps the idle timeout by refreshing an
    # authenticated session's expiry once it is SESSION_REFRESH_SECONDS old.
    "sixbattles.middleware.IdleSessionRefreshMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # A form whose upload was cut off is refused whole, not acted on with the part that arrived.
    "sixbattles.middleware.TruncatedFormMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes must come last: it answers locked-out logins itself.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sixbattles.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "reporting.context_processors.unread_notifications",
            ],
        },
    },
]

WSGI_APPLICATION = "sixbattles.wsgi.application"

DATABASES = {
    "default": database_from_url(env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'sixbattles.sqlite3'}")),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Argon2 first: new passwords and every login with an older hash (PBKDF2, or Argon2 with other
# parameters) are hashed with it; the others stay only to check and upgrade old hashes.
PASSWORD_HASHERS = [
    "sixbattles.hashers.Argon2Hasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "tasks:home"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after a working day of inactivity and when the browser closes. A session is written
# only when it changes; IdleSessionRefreshMiddleware moves an active user's expiry forward once it
# is SESSION_REFRESH_SECONDS old, so the idle timeout holds to within that many seconds.
# Database sessions, without Django's extra query per new session (sixbattles/sessions.py).
SESSION_ENGINE = "sixbattles.sessions"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_REFRESH_SECONDS = env_int("SESSION_REFRESH_SECONDS", 5 * 60)

# Lock out per username *and* address, so colleagues behind one NAT do not lock each other out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env_int("AXES_IPWARE_PROXY_COUNT", 0)
AXES_USERNAME_CALLABLE = "accounts.axes.attempt_username"
# axes' database handler with two queries fewer per successful login (accounts/axes.py).
AXES_HANDLER = "accounts.axes.LoginAttemptHandler"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
# collectstatic writes hashed names (app.3f2a….css, cached for a year) and .gz/.br copies;
# WhiteNoiseMiddleware serves them. With DEBUG=1 the plain names are served from static/.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Evidence files live outside the web root and are only served through an access-checked view.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(DATA_DIR / "private")))
REPORTS_ROOT = Path(env_str("REPORTS_ROOT", str(DATA_DIR / "reports")))
MEDIA_ROOT = PRIVATE_MEDIA_ROOT
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "accounts.views.csrf_failure"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# A load balancer or monitor probes the health endpoint over plain HTTP on the machine itself.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# An intranet host name cannot be submitted to the browsers' public HSTS preload list.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The covering index on progress reports (INCLUDE columns) is for PostgreSQL; SQLite builds
    # it on the key columns alone, which is all the embedded default needs.
    SILENCED_SYSTEM_CHECKS.append("models.W040")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "sixbattles@localhost")
# The address people open the app at: links in emails and group-robot messages.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

REDIS_URL = os.environ.get("REDIS_URL", "")
# Celery. Without REDIS_URL the embedded default uses kombu's filesystem transport, so the
# scheduled reports are still produced by a worker with embedded beat and no server at all.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
CELERY_BROKER_DIR = DATA_DIR / "celery-broker"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 600)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 540)
# A worker killed mid-job leaves the message unacknowledged, so another worker runs it again.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The worker and the beat wait for a broker that is down however long it stays down: Celery's
# default gives up after 100 attempts (about 47 minutes), the process exits, and scripts/serve.sh
# then stops the web server with it, taking the whole site down for a Redis outage.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A web request that publishes a job ("generate now") must not hang on a broker that is down or
# frozen (accepting connections, answering nothing): connecting and every command give up after
# CELERY_BROKER_TIMEOUT seconds and publishing is not retried, so the request answers in about a
# second and the job, already recorded in the database (BuildRequest), is built by the catch-up.
# The worker's BRPOP is read by its event loop, so the socket timeout does not cut its waits.
CELERY_BROKER_TIMEOUT = float(env_int("CELERY_BROKER_TIMEOUT_MS", 1000)) / 1000
CELERY_BROKER_CONNECTION_TIMEOUT = CELERY_BROKER_TIMEOUT
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0}
# Each transport reads its own keys and ignores the others'.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Redis: an unacknowledged job comes back after this long (a job's time limit plus a margin).
    "visibility_timeout": CELERY_TASK_TIME_LIMIT + 60,
    "socket_connect_timeout": CELERY_BROKER_TIMEOUT,
    "socket_timeout": CELERY_BROKER_TIMEOUT,
    # Filesystem (the embedded default): message files under DATA_DIR.
    "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
    "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
    "control_folder": str(CELERY_BROKER_DIR / "control"),
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Dispatch reports: a warning slip's deadline is the first working day this many days after it.
DISPATCH_WARNING_SLIP_DAYS = env_int("DISPATCH_WARNING_SLIP_DAYS", 10)
# A worker queues the catch-up job when it connects to the broker (at start, and when the broker is
# back after an outage), so reports missed and requests recorded meanwhile come at once.
DISPATCH_CATCH_UP_ON_WORKER_START = env_bool("DISPATCH_CATCH_UP_ON_WORKER_START", True)
# Reports built when a period closes are issued (签发) at once, dated the scheduled issue day;
# 0 leaves them as drafts until the task-force office issues them.
DISPATCH_AUTO_ISSUE = env_bool("DISPATCH_AUTO_ISSUE", True)
# 通报批评 of a unit whose on-time rate in the month is under this percentage.
DISPATCH_CRITICISM_ON_TIME_PCT = env_int("DISPATCH_CRITICISM_ON_TIME_PCT", 60)

# Redis is only the Celery broker: the web app must keep working while it is down, so nothing
# the requests need (sessions, login throttling, the cache) lives there.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Judged and rendered dashboards, keyed on their plan's figures and battle tokens
    # (targets/changes.py), so an entry is never stale: a write gives its battles new tokens. In
    # files under DATA_DIR, shared by the web processes and the worker, which judges again what a
    # report renewed (DASHBOARDS_WARM) so that the next reader finds it kept. Not in Redis on
    # purpose: a broker outage must not take the dashboards with it.
    "dashboards": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache" / "dashboards"),
        "TIMEOUT": 24 * 3600,
        # A plan keeps ~60 entries between writes (six battles' parts and pages, as-of variants);
        # each write adds its battles' new ones, the old ones culled a quarter at a time.
        "OPTIONS": {"MAX_ENTRIES": 1000, "CULL_FREQUENCY": 4},
    },
}
# After every report the worker judges its battle again for the dashboards (reporting.tasks.warm_dashboards).
DASHBOARDS_WARM = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}, "null": {"class": "logging.NullHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # 4xx answers are in the access log; a line per 404 or refused form only buries the 5xx
        # tracebacks, which are still logged.
        "django.request": {"level": "ERROR"},
        # A request for another host name (scanners) is answered 400 and kept in the access log, not
        # logged with a traceback each (to a handler that drops it: with none, Python's last-resort
        # handler prints it to stderr).
        "django.security.DisallowedHost": {"handlers": ["null"], "propagate": False},
    },
}

# Importing needs the explicit "import_<model>" permission declared on each importable model.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_SKIP_ADMIN_ACTION_EXPORT_UI = False
# Control characters openpyxl cannot write become U+FFFD instead of failing the whole export.
IMPORT_EXPORT_ESCAPE_ILLEGAL_CHARS_ON_EXPORT = True
# Admin spreadsheet imports (targets/spreadsheets.py): the upload, what an XLSX (a zip) expands to, rows.
SPREADSHEET_IMPORT_MAX_BYTES = env_int("SPREADSHEET_IMPORT_MAX_BYTES", 5 * 1024 * 1024)
SPREADSHEET_IMPORT_MAX_EXPANDED_BYTES = env_int("SPREADSHEET_IMPORT_MAX_EXPANDED_BYTES", 30 * 1024 * 1024)
SPREADSHEET_IMPORT_MAX_ROWS = env_int("SPREADSHEET_IMPORT_MAX_ROWS", 5000)
