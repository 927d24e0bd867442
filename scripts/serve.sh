#!/usr/bin/env bash
# Start Backoffice on SQLite with demo data: http://127.0.0.1:8000/admin/
# Idempotent: safe to run again; it migrates, reloads the demo data and serves.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv requirements.txt
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-backoffice.settings.local}"
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py setup_demo
exec .venv/bin/python manage.py runserver "${BIND:-127.0.0.1:8000}"
