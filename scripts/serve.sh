#!/usr/bin/env bash
# Start Backoffice on SQLite with demo data: http://127.0.0.1:8000/admin/
# Idempotent: safe to run again; it migrates, reloads the demo data and serves, with a
# Celery worker beside the web server (stopped with it).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv requirements.txt
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-backoffice.settings.local}"
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py setup_demo
# The Celery worker runs the background jobs (imports, large exports, alert emails) and,
# with -B, beat's daily digest; on the no-server broker in var/celery/ unless
# CELERY_BROKER_URL names one. It stops when the web server does.
mkdir -p var/celery
.venv/bin/celery -A backoffice worker -B --concurrency=2 --loglevel=INFO \
  >var/celery/worker.log 2>&1 &
worker=$!
trap 'kill -TERM "$worker" 2>/dev/null; wait "$worker" 2>/dev/null || true' EXIT
echo "Celery worker and beat started (pid $worker), logging to var/celery/worker.log"
.venv/bin/python manage.py runserver "${BIND:-127.0.0.1:8000}"
