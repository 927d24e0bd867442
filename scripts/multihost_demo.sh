#!/usr/bin/env bash
# Try the multi-host layout of docs/operations.md on one machine, as separate processes:
# two gunicorn web servers (ports 8101 and 8102), one Celery worker, Redis, PostgreSQL and a
# shared MEDIA_ROOT. A product file is uploaded through web server 1; its job is followed
# (progress JSON), previewed and confirmed through web server 2, to the end.
#   scripts/multihost_demo.sh [ROWS]      (needs PostgreSQL and Redis on 127.0.0.1)
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-50000}"
work="$(mktemp -d)"
# Production settings insist on HTTPS-only cookies; on plain-HTTP loopback the demo runs the
# local settings with DEBUG off (the job path is the same).
export DJANGO_SETTINGS_MODULE=backoffice.settings.local
export ALLOWED_HOSTS=127.0.0.1,localhost DEBUG=false
export DATABASE_URL="${DEMO_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/bo_jobs_multihost}"
export CELERY_BROKER_URL="${DEMO_BROKER_URL:-redis://127.0.0.1:6379/7}"
export MEDIA_ROOT="$work/shared-media" STATIC_ROOT="$work/static"
export EMAIL_BACKEND=django.core.mail.backends.dummy.EmailBackend
export WEB_CONCURRENCY=2 GUNICORN_TIMEOUT=30
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
createdb -h 127.0.0.1 -U postgres "${DATABASE_URL##*/}" 2>/dev/null || true
redis-cli -u "$CELERY_BROKER_URL" flushdb >/dev/null
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py collectstatic --noinput -v 0
.venv/bin/python manage.py shell -c "
from catalog.models import Product; from backoffice.kit.jobs.models import ImportJob
from django.contrib.auth.models import Group, User
Product.objects.all().delete(); ImportJob.objects.all().delete()
user, _ = User.objects.get_or_create(username='demo-manager', defaults={'is_staff': True})
user.set_password('multihost-demo-password'); user.save()
user.groups.set([Group.objects.get(name='Inventory managers')])"
for port in 8101 8102; do
  GUNICORN_BIND="127.0.0.1:$port" .venv/bin/gunicorn -c gunicorn.conf.py \
    >"$work/web-$port.log" 2>&1 &
  pids+=($!)
done
.venv/bin/celery -A backoffice worker --concurrency=1 --loglevel=INFO >"$work/worker.log" 2>&1 &
pids+=($!)
echo "web 1: http://127.0.0.1:8101  web 2: http://127.0.0.1:8102  worker pid ${pids[2]}"
.venv/bin/python scripts/_multihost_client.py "$rows" "$work"
