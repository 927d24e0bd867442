"""Views outside the admin: the health check, and the login page shown to a locked-out pair."""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from kombu.exceptions import OperationalError

from .celery import app as celery_app

# Once every migration is applied it stays so for the life of the process (a deploy
# migrates before it starts new workers), so the migration graph is read only until then.
_migrations_known_applied = False


def _database_reachable() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


def _migrations_applied() -> bool:
    global _migrations_known_applied
    if not _migrations_known_applied:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        _migrations_known_applied = not plan
    return _migrations_known_applied


def _broker_reachable() -> bool:
    try:
        with celery_app.connection_for_write(connect_timeout=1) as broker:
            broker.ensure_connection(max_retries=0)
        return True
    except (OperationalError, OSError):
        return False


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers and every migration is applied, else 503. No login.

    The Celery broker is reported too, but a web host whose broker is down still serves
    every page (jobs wait to be queued), so it stays in the load balancer.
    """
    checks = {"database": _database_reachable()}
    checks["migrations"] = checks["database"] and _migrations_applied()
    healthy = all(checks.values())
    checks["broker"] = _broker_reachable()
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable"}
        | {name: "ok" if passed else "failing" for name, passed in checks.items()},
        status=200 if healthy else 503,
    )


def login_locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """django-axes' lockout response: the admin login page with the lockout message.

    The message is the same whether or not the username exists, and axes locks unknown
    usernames exactly like known ones, so the page reveals nothing about accounts.
    """
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {
        **admin.site.each_context(request),
        "title": "Log in",
        "app_path": request.get_full_path(),
        "form": AdminAuthenticationForm(request),
        "lockout_message": (
            f"Too many failed login attempts. Logging in with this username from your "
            f"address is blocked for {minutes} minutes. Try again later, or ask an "
            f"administrator to unlock it."
        ),
    }
    return render(request, "admin/login.html", context, status=429)
