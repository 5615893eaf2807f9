#!/usr/bin/env bash
# Web server on 127.0.0.1:$PORT (8000 unless set) plus a Celery worker with beat; Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT="${PORT:-8000}"
# Links in e-mails and notices point at the port actually served, unless SITE_URL says otherwise.
export SITE_URL="${SITE_URL:-http://127.0.0.1:$PORT}"
pids=()
cleanup() {
    trap - INT TERM EXIT
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    echo "已停止 / stopped"
}
trap cleanup INT TERM EXIT

mkdir -p var/mail
$BIN/celery -A config worker --beat --loglevel=INFO --concurrency=2 \
    --schedule=var/celerybeat-schedule &
pids+=($!)
$BIN/python manage.py runserver "127.0.0.1:$PORT" &
pids+=($!)
echo "认责承诺台账: http://127.0.0.1:$PORT/admin/  (Ctrl-C 停止 / to stop)"
wait -n
