"""Production: the base settings, with secrets required and every browser protection on.

`python manage.py check --deploy` is clean under these settings (tests/ops/test_deploy_check.py).
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env, env_bool, env_int, env_list


def _required(name: str) -> str:
    value = env(name).strip()
    if not value:
        raise ImproperlyConfigured(
            f"{name} must be set in the environment for production "
            f"(see .env.example) / 生产环境必须设置环境变量 {name}"
        )
    return value


SECRET_KEY = _required("SECRET_KEY")
# Old keys still verify sessions and signed links while a new SECRET_KEY rolls out.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")
ALLOWED_HOSTS = [host.strip() for host in _required("ALLOWED_HOSTS").split(",") if host.strip()]
DEBUG = False
# Persistent connections (CONN_MAX_AGE in base) are checked before reuse after a database restart.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
if DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):  # noqa: F405
    # An unreachable database fails a request (and /readyz) in seconds instead of hanging
    # for the operating system's TCP timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(  # noqa: F405
        "connect_timeout", env_int("DB_CONNECT_TIMEOUT", 5)
    )

# HTTPS. Behind a TLS-terminating proxy set TRUSTED_PROXY_COUNT (or SECURE_PROXY_SSL_HEADER)
# so Django sees the original scheme; SECURE_SSL_REDIRECT=false if the proxy redirects itself.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# whitenoise serves the collected, compressed, content-hashed files (collectstatic in the image).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Real mail unless the environment says otherwise.
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
