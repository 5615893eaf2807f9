# One image for web (gunicorn), worker and beat (Celery). Runs as an unprivileged user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    STATIC_ROOT=/app/staticfiles \
    LEDGER_VAR_DIR=/app/var \
    MEDIA_ROOT=/app/var/media

WORKDIR /app

# Dependencies first, so code changes do not reinstall them (psycopg2-binary needs no compiler).
COPY requirements/base.lock requirements/base.lock
RUN pip install -r requirements/base.lock

RUN groupadd --system --gid 1000 ledger \
    && useradd --system --uid 1000 --gid ledger --home-dir /app --shell /usr/sbin/nologin ledger

COPY --chown=root:root . .

# Static files are collected at build time and served by whitenoise; the key is a throwaway
# because collectstatic needs settings, not secrets.
RUN SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost \
        python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /app/var/media \
    && chown -R ledger:ledger /app/var

USER ledger:ledger
EXPOSE 8000

# No HEALTHCHECK here: the same image runs web, worker and beat, each checked its own way
# (see docker-compose.yml).
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", \
     "--worker-tmp-dir", "/dev/shm", "--max-requests", "1000", "--max-requests-jitter", "100", \
     "--timeout", "60", "--graceful-timeout", "30"]
