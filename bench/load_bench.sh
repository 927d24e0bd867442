#!/usr/bin/env bash
# Load benchmark: gunicorn (production settings) on 127.0.0.1, driven by wrk for a bounded time.
#
#   DATABASE_URL=sqlite:////tmp/bench_large.sqlite3 bench/load_bench.sh
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_large bench/load_bench.sh
#
# Migrates and collects static files, makes sure the bench superuser exists, starts gunicorn,
# logs in with curl (CSRF token + session cookie) and runs wrk against the login page (no
# cookie), the dashboard and the product list (with the cookie). Prints requests/s, latency
# percentiles and error counts per page; stops gunicorn on exit. Loopback only.
# Knobs: PORT (8105), WORKERS (4), CONNECTIONS (16), THREADS (2), DURATION seconds (15).
set -euo pipefail
cd "$(dirname "$0")/.."

export DATABASE_URL="${DATABASE_URL:-sqlite:////tmp/bench_large.sqlite3}"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-backoffice.settings.production}"
export SECRET_KEY="${SECRET_KEY:-bench-only-not-a-secret-0123456789-abcdefghijklmnopqrstuvwxyz}"
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1}"
export DEBUG=false
# Plain HTTP on loopback: no redirect to HTTPS, no HSTS. Everything else stays production.
export SECURE_SSL_REDIRECT=false SECURE_HSTS_SECONDS=0 LOG_LEVEL="${LOG_LEVEL:-WARNING}"
export STATIC_ROOT="${STATIC_ROOT:-$PWD/bench/out/staticfiles}"
export EMAIL_BACKEND="${EMAIL_BACKEND:-django.core.mail.backends.dummy.EmailBackend}"

PORT="${PORT:-8105}"
WORKERS="${WORKERS:-4}"
CONNECTIONS="${CONNECTIONS:-16}"
THREADS="${THREADS:-2}"
DURATION="${DURATION:-15}"
BASE="http://127.0.0.1:${PORT}"
ADMIN="/${ADMIN_URL:-admin/}"
USERNAME="bench-superuser"
PASSWORD="bench-load-password-7c1e"
PYTHON=.venv/bin/python
WORK="$(mktemp -d)"

GUNICORN_PID=""
cleanup() {
  if [[ -n "$GUNICORN_PID" ]] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
    kill -TERM "$GUNICORN_PID"
    wait "$GUNICORN_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

echo "::: preparing ${DATABASE_URL%%://*} database"
$PYTHON manage.py migrate --verbosity 0 --no-input
$PYTHON manage.py collectstatic --verbosity 0 --no-input
BENCH_PASSWORD="$PASSWORD" $PYTHON manage.py shell --no-imports -c "
import os
from django.contrib.auth import get_user_model
user, _ = get_user_model().objects.get_or_create(username='$USERNAME')
user.is_staff = user.is_superuser = user.is_active = True
user.set_password(os.environ['BENCH_PASSWORD'])
user.save()
from catalog.models import Product
print(f'::: {Product.objects.count():,} products in the database')
"

config=()
[[ -f gunicorn.conf.py ]] && config=(--config gunicorn.conf.py)
.venv/bin/gunicorn "${config[@]}" backoffice.wsgi:application \
  --bind "127.0.0.1:${PORT}" --workers "$WORKERS" --access-logfile /dev/null \
  >"$WORK/gunicorn.log" 2>&1 &
GUNICORN_PID=$!

for _ in $(seq 1 60); do
  curl -fs -o /dev/null "$BASE${ADMIN}login/" && break
  sleep 0.5
done
curl -fs -o /dev/null "$BASE${ADMIN}login/" || { cat "$WORK/gunicorn.log"; exit 1; }

# Log in like a browser: GET the form (CSRF cookie + token), POST it, keep the session cookie.
cookie_value() { sed -n "s/^[Ss]et-[Cc]ookie: $1=\([^;]*\).*/\1/p" "$2" | tail -n 1; }
curl -fs -D "$WORK/form.headers" -o "$WORK/form.html" "$BASE${ADMIN}login/"
csrf_cookie="$(cookie_value csrftoken "$WORK/form.headers")"
csrf_token="$(sed -n 's/.*name="csrfmiddlewaretoken" value="\([^"]*\)".*/\1/p' "$WORK/form.html" | head -n 1)"
curl -s -D "$WORK/login.headers" -o /dev/null -H "Cookie: csrftoken=$csrf_cookie" \
  --data-urlencode "csrfmiddlewaretoken=$csrf_token" --data-urlencode "username=$USERNAME" \
  --data-urlencode "password=$PASSWORD" --data-urlencode "next=${ADMIN}" "$BASE${ADMIN}login/"
session="$(cookie_value sessionid "$WORK/login.headers")"
[[ -n "$session" ]] || { echo "login failed:"; cat "$WORK/login.headers"; exit 1; }
COOKIE="Cookie: sessionid=$session; csrftoken=$csrf_cookie"
status="$(curl -s -o /dev/null -w '%{http_code}' -H "$COOKIE" "$BASE${ADMIN}")"
[[ "$status" == 200 ]] || { echo "the dashboard answered $status after login"; exit 1; }

# The machine's speed of the moment (bench/_django.py calibration) is printed at the start and
# the end: req/s moves with it. The "cpu ms" column is the CPU time of the gunicorn workers
# per answered request: 2 cores serve at most 2000 / cpu-ms requests per second.
worker_cpu_ticks() {  # CPU of the gunicorn workers, in clock ticks, recycled ones included
  # The master's cutime + cstime: the workers it has reaped (max_requests recycles them).
  local total pid
  total="$(sed 's/.*) //' "/proc/$GUNICORN_PID/stat" | awk '{print $14 + $15}')"
  for pid in $(pgrep -P "$GUNICORN_PID"); do
    # Fields after "pid (comm) ": the title gunicorn gives its workers holds spaces.
    total=$(( total + $(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{print $12 + $13}') ))
  done
  echo "$total"
}
TICKS_PER_SECOND="$(getconf CLK_TCK)"

echo "::: gunicorn ${WORKERS} workers on 127.0.0.1:${PORT}; wrk ${THREADS} threads," \
  "${CONNECTIONS} connections, ${DURATION} s per page; load average $(cut -d' ' -f1 /proc/loadavg)"
echo "::: $($PYTHON bench/_django.py calibration)"
printf '%-14s %9s %8s %8s %8s %8s %8s %5s %7s %7s\n' page "req/s" "p50 ms" "p90 ms" "p99 ms" \
  "max ms" "not 2xx" 5xx "socket" "cpu ms"
failures=0
run() {
  local label="$1" path="$2"; shift 2
  local line ticks_before ticks_after
  ticks_before="$(worker_cpu_ticks)"
  line="$(wrk --threads "$THREADS" --connections "$CONNECTIONS" --duration "${DURATION}s" \
    --timeout 10s --script bench/wrk_status.lua "$@" "$BASE$path" | grep '^RESULT')"
  ticks_after="$(worker_cpu_ticks)"
  local requests rps p50_ms p90_ms p99_ms max_ms not_2xx server_errors socket_errors
  eval "$(echo "${line#RESULT }" | tr ' ' '\n' | sed 's/^5xx=/server_errors=/')"
  local cpu_ms
  cpu_ms="$(awk -v t=$(( ticks_after - ticks_before )) -v hz="$TICKS_PER_SECOND" -v n="$requests" \
    'BEGIN { printf "%.1f", (n > 0 ? t * 1000 / hz / n : 0) }')"
  printf '%-14s %9s %8s %8s %8s %8s %8s %5s %7s %7s\n' "$label" "$rps" "$p50_ms" "$p90_ms" \
    "$p99_ms" "$max_ms" "$not_2xx" "$server_errors" "$socket_errors" "$cpu_ms"
  if (( not_2xx + server_errors + socket_errors > 0 )); then failures=$((failures + 1)); fi
}
run "login page" "${ADMIN}login/"
run "dashboard" "${ADMIN}" -H "$COOKIE"
run "product list" "${ADMIN}catalog/product/" -H "$COOKIE"

echo "::: load average at the end $(cut -d' ' -f1 /proc/loadavg) (other processes share the CPUs)"
echo "::: $($PYTHON bench/_django.py calibration)"
if grep -q "Traceback\|CRITICAL\|ERROR" "$WORK/gunicorn.log"; then
  echo "::: gunicorn logged errors:"; grep -m 20 "Traceback\|CRITICAL\|ERROR" "$WORK/gunicorn.log"
  failures=$((failures + 1))
fi
exit $(( failures > 0 ))
