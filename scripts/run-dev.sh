#!/usr/bin/env bash
# Web server on 127.0.0.1:8000 plus a Celery worker with beat; Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
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
$BIN/python manage.py runserver 127.0.0.1:8000 &
pids+=($!)
echo "认责承诺台账: http://127.0.0.1:8000/admin/  (Ctrl-C 停止 / to stop)"
wait -n
