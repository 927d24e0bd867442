#!/usr/bin/env bash
# Load benchmark: the admin pages under load at 10k rows and at 1M rows, in the same run.
#
#   SMALL_URL=postgres://postgres@127.0.0.1:5432/bo_perf_small \
#   LARGE_URL=postgres://postgres@127.0.0.1:5432/bo_perf_large bench/load_bench.sh
#
# One gunicorn (production settings, WORKERS sync workers, gunicorn.conf.py) per database on
# 127.0.0.1, all started at once; wrk drives one at a time, so every page is measured on the
# small and the large database back to back and the machine's other load hits both alike.
# Logs in with curl (CSRF token + session cookie), counts every answer that is not 2xx, and
# prints per page and database requests/s, latency percentiles and the workers' CPU time per
# request, then the ratio of requests/s large/small against the target (>= 0.8).
# The databases must be seeded (bench/pages_bench.py seeds them, or bench/seed_scale.py).
#
# BASELINE=DIR with BASELINE_SMALL_URL / BASELINE_LARGE_URL adds the same pages served by
# another checkout (e.g. a worktree of the commit to compare with) on its copies of the
# databases: before and after in one run.
# Knobs: PORT (first port, 8105), WORKERS (4), CONNECTIONS (16), THREADS (2), DURATION (10 s
# per page and database, in two halves), PAGES_ONLY (labels separated by commas, e.g.
# "dashboard,product list": measure those pages only), WARMUP (2 s of unmeasured load per page
# and server before the first measurement: each worker compiles its templates and fills its
# caches on its first requests, which would otherwise fall on the first page measured).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

SMALL_URL="${SMALL_URL:?SMALL_URL: the database seeded with 10k products}"
LARGE_URL="${LARGE_URL:?LARGE_URL: the database seeded with 1M products (100k on SQLite)}"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-backoffice.settings.production}"
export SECRET_KEY="${SECRET_KEY:-bench-only-not-a-secret-0123456789-abcdefghijklmnopqrstuvwxyz}"
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1}"
export DEBUG=false
# Plain HTTP on loopback: no redirect to HTTPS, no HSTS. Everything else stays production.
export SECURE_SSL_REDIRECT=false SECURE_HSTS_SECONDS=0 LOG_LEVEL="${LOG_LEVEL:-WARNING}"
export EMAIL_BACKEND="${EMAIL_BACKEND:-django.core.mail.backends.dummy.EmailBackend}"
# Production settings require a broker; no worker runs here (alert emails are not measured).
export CELERY_BROKER_URL="${CELERY_BROKER_URL:-memory://}"

PORT="${PORT:-8105}"
WORKERS="${WORKERS:-4}"
CONNECTIONS="${CONNECTIONS:-16}"
THREADS="${THREADS:-2}"
DURATION="${DURATION:-10}"
ADMIN="/${ADMIN_URL:-admin/}"
USERNAME="bench-superuser"
PASSWORD="bench-load-password-7c1e"
RATIO_TARGET=0.8
WORK="$(mktemp -d)"

# name project database-url
SERVERS=("after-small $ROOT $SMALL_URL" "after-large $ROOT $LARGE_URL")
if [[ -n "${BASELINE:-}" ]]; then
  BASELINE="$(cd "$BASELINE" && pwd)"
  SERVERS=("before-small $BASELINE ${BASELINE_SMALL_URL:?}" "before-large $BASELINE ${BASELINE_LARGE_URL:?}" "${SERVERS[@]}")
fi
declare -A PID BASE COOKIE PRODUCT PROJECT URL

cleanup() {
  local name
  for name in "${!PID[@]}"; do
    if kill -0 "${PID[$name]}" 2>/dev/null; then
      kill -TERM "${PID[$name]}"
      wait "${PID[$name]}" 2>/dev/null || true
    fi
  done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

cookie_value() { sed -n "s/^[Ss]et-[Cc]ookie: $1=\([^;]*\).*/\1/p" "$2" | tail -n 1; }

start_server() {  # name project url port
  local name="$1" project="$2" url="$3" port="$4" python="$2/.venv/bin/python"
  local environment=(env "DATABASE_URL=$url" "STATIC_ROOT=$project/bench/out/staticfiles")
  echo "::: $name: ${url%%://*} database, $project"
  (cd "$project" && "${environment[@]}" "$python" manage.py migrate --verbosity 0 --no-input)
  (cd "$project" && "${environment[@]}" "$python" manage.py collectstatic --verbosity 0 --no-input)
  PRODUCT[$name]="$(cd "$project" && "${environment[@]}" BENCH_PASSWORD="$PASSWORD" \
    "$python" manage.py shell --no-imports -c "
import os
from django.contrib.auth import get_user_model
user, _ = get_user_model().objects.get_or_create(username='$USERNAME')
user.is_staff = user.is_superuser = user.is_active = True
user.set_password(os.environ['BENCH_PASSWORD'])
user.save()
from catalog.models import Product
count = Product.objects.count()
print(Product.objects.order_by('sku').values_list('pk', flat=True)[count // 2])
" 2>/dev/null | tail -n 1)"
  (cd "$project" && exec "${environment[@]}" "$project/.venv/bin/gunicorn" \
    --config gunicorn.conf.py backoffice.wsgi:application --bind "127.0.0.1:$port" \
    --workers "$WORKERS" --access-logfile /dev/null) >"$WORK/$name.log" 2>&1 &
  PID[$name]=$!
  BASE[$name]="http://127.0.0.1:$port"
  PROJECT[$name]="$project"
  URL[$name]="$url"
}

log_in() {  # name: like a browser, GET the form (CSRF cookie + token), POST it
  local name="$1" base="${BASE[$1]}"
  for _ in $(seq 1 120); do
    curl -fs -o /dev/null "$base${ADMIN}login/" && break
    sleep 0.5
  done
  curl -fs -D "$WORK/$name.form" -o "$WORK/$name.html" "$base${ADMIN}login/" \
    || { cat "$WORK/$name.log"; exit 1; }
  local csrf_cookie csrf_token session
  csrf_cookie="$(cookie_value csrftoken "$WORK/$name.form")"
  csrf_token="$(sed -n 's/.*name="csrfmiddlewaretoken" value="\([^"]*\)".*/\1/p' "$WORK/$name.html" | head -n 1)"
  curl -s -D "$WORK/$name.login" -o /dev/null -H "Cookie: csrftoken=$csrf_cookie" \
    --data-urlencode "csrfmiddlewaretoken=$csrf_token" --data-urlencode "username=$USERNAME" \
    --data-urlencode "password=$PASSWORD" --data-urlencode "next=${ADMIN}" "$base${ADMIN}login/"
  session="$(cookie_value sessionid "$WORK/$name.login")"
  [[ -n "$session" ]] || { echo "$name: login failed"; cat "$WORK/$name.login"; exit 1; }
  # Login rotates the CSRF token.
  csrf_cookie="$(cookie_value csrftoken "$WORK/$name.login")"
  csrf_cookie="${csrf_cookie:-$(cookie_value csrftoken "$WORK/$name.form")}"
  COOKIE[$name]="Cookie: sessionid=$session; csrftoken=$csrf_cookie"
  # The second step production requires of superusers: a code from the bench user's
  # authenticator app, computed with django_otp.oath (a checkout without it answers 404).
  local verify="$base${ADMIN}two-factor/verify/" status code
  status="$(curl -s -o /dev/null -w '%{http_code}' -H "${COOKIE[$name]}" "$verify")"
  [[ "$status" != 404 ]] || return 0
  code="$(cd "${PROJECT[$name]}" && DATABASE_URL="${URL[$name]}" .venv/bin/python manage.py shell \
    --no-imports -c "
from django.contrib.auth import get_user_model
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
user = get_user_model().objects.get(username='$USERNAME')
device, _ = TOTPDevice.objects.get_or_create(user=user, name='bench', confirmed=True)
TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
print(f'{TOTP(device.bin_key).token():06d}')
" 2>/dev/null | tail -n 1)"
  curl -fs -o "$WORK/$name.verify" -H "${COOKIE[$name]}" "$verify"
  csrf_token="$(sed -n 's/.*name="csrfmiddlewaretoken" value="\([^"]*\)".*/\1/p' "$WORK/$name.verify" | head -n 1)"
  status="$(curl -s -o /dev/null -w '%{http_code}' -H "${COOKIE[$name]}" \
    --data-urlencode "csrfmiddlewaretoken=$csrf_token" --data-urlencode "code=$code" "$verify")"
  [[ "$status" == 302 ]] || { echo "$name: the second login step answered $status"; exit 1; }
}

worker_cpu_ticks() {  # CPU of a gunicorn's workers in clock ticks, recycled ones included
  # The master's cutime + cstime: the workers it has reaped (max_requests recycles them).
  local master="$1" total pid
  total="$(sed 's/.*) //' "/proc/$master/stat" | awk '{print $14 + $15}')"
  for pid in $(pgrep -P "$master"); do
    # Fields after "pid (comm) ": the title gunicorn gives its workers holds spaces.
    total=$(( total + $(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{print $12 + $13}') ))
  done
  echo "$total"
}
TICKS_PER_SECOND="$(getconf CLK_TCK)"

port="$PORT"
for server in "${SERVERS[@]}"; do
  read -r name project url <<<"$server"
  start_server "$name" "$project" "$url" "$port"
  port=$((port + 1))
done
for server in "${SERVERS[@]}"; do
  read -r name _ <<<"$server"
  log_in "$name"
done

PAGES=(
  "dashboard|"
  "deletion records|alerts/deletionrecord/"
  "low stock|catalog/product/?stock_state=low"
  "article list|catalog/article/"
  "product list|catalog/product/"
  "stock alerts|alerts/stockalert/"
  "change form|catalog/product/{product}/change/"
  "sku search|catalog/product/?q=TEA-00"
)
if [[ -n "${PAGES_ONLY:-}" ]]; then
  chosen=()
  for page in "${PAGES[@]}"; do
    [[ ",$PAGES_ONLY," == *",${page%%|*},"* ]] && chosen+=("$page")
  done
  (( ${#chosen[@]} )) || { echo "PAGES_ONLY=$PAGES_ONLY names none of the pages"; exit 2; }
  PAGES=("${chosen[@]}")
fi

echo "::: gunicorn ${WORKERS} workers per database on 127.0.0.1; wrk ${THREADS} threads," \
  "${CONNECTIONS} connections, ${DURATION} s per page and database (two halves, ABBA);" \
  "load average $(cut -d' ' -f1 /proc/loadavg)"
echo "::: $("$ROOT/.venv/bin/python" bench/_django.py calibration)"
printf '%-17s %-13s %8s %7s %7s %7s %7s %6s\n' page server "req/s" "p50 ms" "p90 ms" \
  "p99 ms" "errors" "cpu ms"
failures=0
declare -A RPS
# One wrk run against a server: sets requests, rps, p50_ms, p90_ms, p99_ms, errors, ticks.
measure() {  # name path seconds
  local name="$1" path="$2" seconds="$3" line ticks_before ticks_after
  ticks_before="$(worker_cpu_ticks "${PID[$name]}")"
  line="$(wrk --threads "$THREADS" --connections "$CONNECTIONS" --duration "${seconds}s" \
    --timeout 10s --script bench/wrk_status.lua -H "${COOKIE[$name]}" \
    "${BASE[$name]}$path" | grep '^RESULT')"
  ticks_after="$(worker_cpu_ticks "${PID[$name]}")"
  eval "$(echo "${line#RESULT }" | tr ' ' '\n' | sed 's/^5xx=/server_errors=/')"
  errors=$(( not_2xx + server_errors + socket_errors ))
  ticks=$(( ticks_after - ticks_before ))
}
# Each page is measured on every server in two halves, in ABBA order (small, large, large,
# small), so that load from other processes that rises or falls during a page weighs on both
# sizes alike; req/s is the requests of both halves over their time, p50 and p90 the mean of
# the halves', p99 the larger one.
HALF=$(( (DURATION + 1) / 2 ))  # wrk takes whole seconds
WARMUP="${WARMUP:-2}"
if (( WARMUP > 0 )); then
  for page in "${PAGES[@]}"; do
    for server in "${SERVERS[@]}"; do
      read -r name _ <<<"$server"
      path="${ADMIN}${page#*|}"
      wrk --threads "$THREADS" --connections "$CONNECTIONS" --duration "${WARMUP}s" \
        -H "${COOKIE[$name]}" "${BASE[$name]}${path//\{product\}/${PRODUCT[$name]}}" >/dev/null
    done
  done
fi
for page in "${PAGES[@]}"; do
  label="${page%%|*}"
  declare -A TOTAL=() SECONDS_=() P50=() P90=() P99=() ERRORS=() TICKS=()
  order=()
  for server in "${SERVERS[@]}"; do read -r name _ <<<"$server"; order+=("$name"); done
  reversed=()
  for (( i=${#order[@]}-1; i>=0; i-- )); do reversed+=("${order[$i]}"); done
  for name in "${order[@]}" "${reversed[@]}"; do
    path="${ADMIN}${page#*|}"
    path="${path//\{product\}/${PRODUCT[$name]}}"
    measure "$name" "$path" "$HALF"
    TOTAL[$name]=$(( ${TOTAL[$name]:-0} + requests ))
    SECONDS_[$name]="$(awk -v a="${SECONDS_[$name]:-0}" -v n="$requests" -v r="$rps" \
      'BEGIN { printf "%.3f", a + (r > 0 ? n / r : 0) }')"
    P50[$name]="$(awk -v a="${P50[$name]:-0}" -v b="$p50_ms" 'BEGIN { print a + b / 2 }')"
    P90[$name]="$(awk -v a="${P90[$name]:-0}" -v b="$p90_ms" 'BEGIN { print a + b / 2 }')"
    P99[$name]="$(awk -v a="${P99[$name]:-0}" -v b="$p99_ms" 'BEGIN { print (b > a ? b : a) }')"
    ERRORS[$name]=$(( ${ERRORS[$name]:-0} + errors ))
    TICKS[$name]=$(( ${TICKS[$name]:-0} + ticks ))
  done
  for name in "${order[@]}"; do
    rps="$(awk -v n="${TOTAL[$name]}" -v s="${SECONDS_[$name]}" \
      'BEGIN { printf "%.1f", (s > 0 ? n / s : 0) }')"
    cpu_ms="$(awk -v t="${TICKS[$name]}" -v hz="$TICKS_PER_SECOND" -v n="${TOTAL[$name]}" \
      'BEGIN { printf "%.1f", (n > 0 ? t * 1000 / hz / n : 0) }')"
    printf '%-17s %-13s %8s %7.1f %7.1f %7.1f %7s %6s\n' "$label" "$name" "$rps" \
      "${P50[$name]}" "${P90[$name]}" "${P99[$name]}" "${ERRORS[$name]}" "$cpu_ms"
    RPS["$label $name"]="$rps"
    if (( ${ERRORS[$name]} > 0 )); then failures=$((failures + 1)); fi
  done
done

echo
echo "req/s at the large size / req/s at the small size (target >= $RATIO_TARGET):"
sides=(after)
[[ -n "${BASELINE:-}" ]] && sides=(before after)
for page in "${PAGES[@]}"; do
  label="${page%%|*}"
  row="$(printf '%-17s' "$label")"
  for side in "${sides[@]}"; do
    read -r ratio verdict < <(awk -v l="${RPS["$label $side-large"]}" \
      -v s="${RPS["$label $side-small"]}" -v t="$RATIO_TARGET" \
      'BEGIN { r = (s > 0 ? l / s : 0); printf "%.2f %s\n", r, (r >= t ? "ok" : "MISSED") }')
    row+="$(printf '  %s %7s -> %7s = %s %-6s' "$side" "${RPS["$label $side-small"]}" \
      "${RPS["$label $side-large"]}" "$ratio" "$verdict")"
    if [[ "$side" == after && "$verdict" == MISSED ]]; then failures=$((failures + 1)); fi
  done
  echo "$row"
done

echo "::: load average at the end $(cut -d' ' -f1 /proc/loadavg) (other processes share the CPUs)"
echo "::: $("$ROOT/.venv/bin/python" bench/_django.py calibration)"
for server in "${SERVERS[@]}"; do
  read -r name _ <<<"$server"
  if grep -q "Traceback\|CRITICAL\|ERROR" "$WORK/$name.log"; then
    echo "::: $name: gunicorn logged errors:"
    grep -m 20 "Traceback\|CRITICAL\|ERROR" "$WORK/$name.log"
    failures=$((failures + 1))
  fi
done
exit $(( failures > 0 ))
