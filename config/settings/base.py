"""Settings shared by every environment, driven by environment variables.

The defaults run the whole product on one machine with no servers: SQLite,
a filesystem Celery broker and e-mails written as files under var/mail/.
Set DATABASE_URL and CELERY_BROKER_URL to run on PostgreSQL and Redis/RabbitMQ.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.storage import file_storage

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("LEDGER_VAR_DIR") or BASE_DIR / "var")
# The embedded mode keeps its database, broker queue and mails here.
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env(name: str, default: str = "") -> str:
    # An empty value (NAME= in an env file) means "use the default", as for env_bool/env_int.
    return os.environ.get(name) or default


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


SECRET_KEY = env("SECRET_KEY", "dev-insecure-only-for-local-use-change-me")
DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    # Swagger UI's files, served from our own static files: /api/docs/ works without internet.
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "simple_history",
    "axes",
    "commitments",
]

MIDDLEWARE = [
    "config.middleware.RequestIdMiddleware",
    "config.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its 429 answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process, workers and beat share one file: take the write lock when a transaction
    # starts (a later upgrade can deadlock and fail at once) and wait for it instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": env_int("SQLITE_TIMEOUT", 20)}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out client is refused before its password is even checked.
    "config.auth.LoginAttemptBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Brute-force protection (django-axes) on the admin, DRF session and token logins. Locking
# username+address together keeps one mistyping colleague from locking a whole office that
# shares one NAT address.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "config.auth.client_ip"
AXES_LOCKOUT_CALLABLE = "config.auth.lockout_response"
AXES_COOLOFF_MESSAGE = _("登录失败次数过多,账户已暂时锁定,请稍后再试。")
AXES_PERMALOCK_MESSAGE = _("登录失败次数过多,账户已锁定,请联系管理员解锁。")
# Behind a reverse proxy: how many proxies append to X-Forwarded-For (0 = trust none).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if env_bool("SECURE_PROXY_SSL_HEADER", TRUSTED_PROXY_COUNT > 0):
    # Only safe when the proxy overwrites X-Forwarded-Proto on every request.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", False)

# Content security policy (Django 5.2 has none built in): scripts only from our own origin.
# Inline styles stay allowed: the admin and the public page use style attributes.
CONTENT_SECURITY_POLICY = env(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)
# 业绩看板's figures are cached at most this long (a recorded change to a commitment shows at once).
LEDGER_DASHBOARD_CACHE_SECONDS = env_int("LEDGER_DASHBOARD_CACHE_SECONDS", 300)
# /public/ is served from the cache this long: what the office publishes shows within it.
PUBLIC_PAGE_CACHE_SECONDS = env_int("PUBLIC_PAGE_CACHE_SECONDS", 60)
CONTENT_SECURITY_POLICY_REPORT_ONLY = env_bool("CONTENT_SECURITY_POLICY_REPORT_ONLY", False)
# /readyz gives up on the broker after this many seconds.
READYZ_BROKER_TIMEOUT = float(env("READYZ_BROKER_TIMEOUT", "2"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploaded files (evidence, staged imports): MEDIA_ROOT by default; with several machines an
# S3-compatible bucket (STORAGE_URL=s3://bucket/prefix?endpoint_url=…, see config/storage.py)
# that every web and worker process reads. Credentials empty: boto3's chain (e.g. a host role).
STORAGES = {
    "default": file_storage(
        url=env("STORAGE_URL"),
        bucket=env("AWS_STORAGE_BUCKET_NAME"),
        location=env("AWS_LOCATION"),
        endpoint_url=env("AWS_S3_ENDPOINT_URL"),
        region_name=env("AWS_S3_REGION_NAME"),
        addressing_style=env("AWS_S3_ADDRESSING_STYLE"),
        access_key=env("AWS_ACCESS_KEY_ID"),
        secret_key=env("AWS_SECRET_ACCESS_KEY"),
        signed_url_seconds=env_int("STORAGE_SIGNED_URL_SECONDS", 60),
    ),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Evidence downloads: streamed through the web process (default), or, when browsers can reach
# the bucket, a redirect to a signed URL valid STORAGE_SIGNED_URL_SECONDS (after the same
# permission check) so the bytes do not pass through the web process.
STORAGE_DOWNLOAD_REDIRECT = env_bool("STORAGE_DOWNLOAD_REDIRECT", False)

# E-mail: files under var/mail/ by default so a fresh machine needs no SMTP server.
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "认责承诺台账 <ledger@localhost>")

# The cache holds the API's rate-limit counters. Several web processes must share one (Redis),
# or each counts only the requests it served itself; one process needs no server.
CACHE_URL = env("CACHE_URL")
if CACHE_URL and not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"CACHE_URL must be a redis:// address, not {CACHE_URL!r}")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Celery: a filesystem broker needs no server; set CELERY_BROKER_URL for Redis or RabbitMQ.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "processed_folder": str(_queue_dir / "processed"),
        # Otherwise kombu keeps its exchange tables in ./control of whatever the working dir is.
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND") or None
CELERY_TASK_IGNORE_RESULT = True
# A queue of its own lets a test run (or a second installation on one broker) stay apart.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The daily reminder sweep (08:30 Asia/Shanghai) is a PeriodicTask created by migration
# commitments.0005 so the office can edit it in the admin: an entry here would overwrite those
# edits each time beat starts.
# 办理通知 (notices of hand-offs) go out as one digest per recipient every few minutes.
NOTICE_DIGEST_MINUTES = env_int("LEDGER_NOTICE_DIGEST_MINUTES", 5)
CELERY_BEAT_SCHEDULE = {
    "webhook-overdue-sweep": {
        "task": "commitments.tasks.webhook_overdue_sweep_task",
        "schedule": crontab(hour=0, minute=30),
    },
    "notice-digests": {
        "task": "commitments.tasks.send_notice_digests",
        "schedule": timedelta(minutes=NOTICE_DIGEST_MINUTES),
    },
    # The dashboard's running tally (PostgreSQL): yesterday folded, a change of thresholds
    # counted again, here rather than in the first dashboard request after it.
    "figure-tally-refresh": {
        "task": "commitments.tasks.figure_tally_refresh_task",
        "schedule": timedelta(minutes=10),
    },
    # Staged admin imports expire after an hour; whoever comes by next must not have to clean.
    "import-uploads-purge": {
        "task": "commitments.tasks.import_uploads_purge_task",
        "schedule": timedelta(minutes=15),
    },
}

REST_FRAMEWORK = {
    # Token first: an anonymous caller then gets 401 with `WWW-Authenticate: Token`, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "commitments.api.authentication.LedgerTokenAuthentication",
        "commitments.api.session.LedgerSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["commitments.api.filters.FilterBackend"],
    "DEFAULT_PARSER_CLASSES": [
        "commitments.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "commitments.api.exceptions.exception_handler",
    # Anonymous callers and scripts with a token; people in the browsable API are not limited.
    # Not a defence against password guessing: that is django-axes' job.
    "DEFAULT_THROTTLE_CLASSES": [
        "commitments.api.throttling.AnonBurstThrottle",
        "commitments.api.throttling.TokenUserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", "60/minute"),
        "token": env("API_THROTTLE_TOKEN", "1200/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "认责承诺台账 API",
    "DESCRIPTION": "Commitments ledger: documents, directives, units, commitments, workflow.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from drf-spectacular-sidecar's static files, not a CDN: office intranets have
    # no internet, and the page then runs under the site's own content security policy.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No "valid" badge fetched from the public validator service.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {
        "CommitmentStatusEnum": "commitments.models.Commitment.Status",
        "ExtensionStatusEnum": "commitments.models.DeadlineExtension.Status",
    },
}

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# The ledger's own knobs.
LEDGER: dict[str, Any] = {
    # Traffic light: yellow when due within this many days ...
    "DUE_SOON_DAYS": env_int("LEDGER_DUE_SOON_DAYS", 3),
    # ... or when no progress report for this many days.
    "STALE_REPORT_DAYS": env_int("LEDGER_STALE_REPORT_DAYS", 14),
    "OVERDUE_REPEAT_DAYS": env_int("LEDGER_OVERDUE_REPEAT_DAYS", 1),
    "ESCALATION_DAYS": env_int("LEDGER_ESCALATION_DAYS", 7),
    "REMINDER_WORKDAYS_ONLY": env_bool("LEDGER_REMINDER_WORKDAYS_ONLY", False),
    # Reminders: commitments per claim batch, recipients per compose batch (= messages per
    # send task and SMTP connection), attempts before a message is marked failed, retry backoff
    # (base doubled per retry, capped, with jitter), when a pending message counts as lost and
    # when one left in `sending` by a dead worker is sent again.
    "REMINDER_BATCH_SIZE": env_int("LEDGER_REMINDER_BATCH_SIZE", 1000),
    "REMINDER_RECIPIENT_BATCH": env_int("LEDGER_REMINDER_RECIPIENT_BATCH", 200),
    # PostgreSQL only: database connections a sweep claims on while it reads the next batch.
    "REMINDER_CLAIM_THREADS": env_int("LEDGER_REMINDER_CLAIM_THREADS", 2),
    "REMINDER_MAX_ATTEMPTS": env_int("LEDGER_REMINDER_MAX_ATTEMPTS", 5),
    "REMINDER_RETRY_BASE_SECONDS": env_int("LEDGER_REMINDER_RETRY_BASE_SECONDS", 60),
    "REMINDER_RETRY_MAX_SECONDS": env_int("LEDGER_REMINDER_RETRY_MAX_SECONDS", 3600),
    "REMINDER_REQUEUE_AFTER_SECONDS": env_int("LEDGER_REMINDER_REQUEUE_AFTER_SECONDS", 900),
    "REMINDER_SENDING_LEASE_SECONDS": env_int("LEDGER_REMINDER_SENDING_LEASE_SECONDS", 900),
    # Accepted e-mails are marked sent every N: a killed worker resends at most N of them.
    "REMINDER_MARK_SENT_EVERY": env_int("LEDGER_REMINDER_MARK_SENT_EVERY", 10),
    # Group robots (钉钉/企业微信/飞书): at most RATE_LIMIT posts per robot in any WINDOW seconds
    # (the platforms allow 20 a minute); after a platform's "too fast" answer the robot is left
    # alone RATE_LIMITED_WAIT seconds. A send task sleeps for pacing up to MAX_SLEEP seconds and
    # keeps a worker at most TASK_BUDGET seconds before handing on to a new task.
    "ROBOT_RATE_LIMIT": env_int("LEDGER_ROBOT_RATE_LIMIT", 20),
    "ROBOT_RATE_WINDOW_SECONDS": env_float("LEDGER_ROBOT_RATE_WINDOW_SECONDS", 60),
    "ROBOT_RATE_LIMITED_WAIT_SECONDS": env_float("LEDGER_ROBOT_RATE_LIMITED_WAIT_SECONDS", 60),
    "ROBOT_MAX_SLEEP_SECONDS": env_float("LEDGER_ROBOT_MAX_SLEEP_SECONDS", 5),
    "ROBOT_TASK_BUDGET_SECONDS": env_float("LEDGER_ROBOT_TASK_BUDGET_SECONDS", 120),
    "ROBOT_TIMEOUT_SECONDS": env_float("LEDGER_ROBOT_TIMEOUT_SECONDS", 10),
    "ROBOT_CHANNELS_PER_TASK": env_int("LEDGER_ROBOT_CHANNELS_PER_TASK", 20),
    "ATTACHMENT_MAX_BYTES": env_int("LEDGER_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024),
    # Rows one Excel 台账 import may hold (admin page and import_ledger_xlsx): it is checked
    # and written in one go, so a bigger sheet is split into several files.
    "IMPORT_MAX_ROWS": env_int("LEDGER_IMPORT_MAX_ROWS", 10_000),
}

# Celery logs through the same handlers, so task lines carry the task and commitment ids.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
LOG_FORMAT = env("LOG_FORMAT", "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "context": {"()": "config.log_context.ContextFilter"},
        "startup_banner": {"()": "config.log_context.DemoteToDebug"},
    },
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s [req=%(request_id)s task=%(task_id)s "
            "commitment=%(commitment_id)s] %(message)s"
        },
        "json": {"()": "config.log_context.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Logs nothing but its start-up banner; lockouts are logged by axes.handlers.
        "axes.apps": {"filters": ["startup_banner"]},
    },
}
