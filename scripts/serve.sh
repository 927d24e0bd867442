#!/usr/bin/env bash
# Start Backoffice on SQLite: http://127.0.0.1:8000/admin/ (BIND=host:port to change it),
# with a Celery worker beside the web server (stopped with it). Safe to run again: it
# migrates and serves; the demo data is loaded into an empty database only, so staff's
# edits survive a restart. --reset-demo loads the demo again over them.
set -euo pipefail
cd "$(dirname "$0")/.."
reset=()
for argument in "$@"; do
  case "$argument" in
    --reset-demo) reset=(--reset) ;;
    *) echo "usage: scripts/serve.sh [--reset-demo]" >&2; exit 2 ;;
  esac
done
source scripts/_venv.sh
ensure_venv requirements.txt
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-backoffice.settings.local}"
bind="${BIND:-127.0.0.1:8000}"
# runserver takes "port" or "host:port"; the banner shows the address it will serve.
case "$bind" in
  *:*) address="$bind" ;;
  *) address="127.0.0.1:$bind" ;;
esac
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py setup_demo ${reset[@]+"${reset[@]}"} --url "http://$address/admin/"
# The Celery worker runs the background jobs (imports, large exports, alert emails) and,
# with -B, beat's daily digest; on the no-server broker in var/celery/ unless
# CELERY_BROKER_URL names one. It stops when the web server does.
mkdir -p var/celery
.venv/bin/celery -A backoffice worker -B --concurrency=2 --loglevel=INFO \
  >var/celery/worker.log 2>&1 &
worker=$!
trap 'kill -TERM "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true' EXIT
echo "Celery worker and beat started (pid $worker), logging to var/celery/worker.log"
.venv/bin/python manage.py runserver "$bind"
