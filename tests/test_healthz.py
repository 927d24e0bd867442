"""/healthz: database reachable and migrations applied, no login, fit for a load balancer;
the Celery broker is reported without taking the host out of the balancer."""

import pytest
from django.db import DatabaseError
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from backoffice import views
from backoffice.celery import app as celery_app
from tests.production_settings import load_production_settings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def forget_migration_state(monkeypatch):
    monkeypatch.setattr(views, "_migrations_known_applied", False)


def test_healthy_without_login():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "migrations": "ok",
        "broker": "ok",
    }
    assert "no-cache" in response["Cache-Control"]


def test_an_unreachable_broker_shows_but_keeps_the_host_in_the_balancer(monkeypatch):
    # Nothing listens on port 1: the connection is refused at once.
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "migrations": "ok",
        "broker": "failing",
    }


def test_unapplied_migrations_make_it_unavailable(monkeypatch):
    monkeypatch.setattr(
        MigrationExecutor, "migration_plan", lambda self, targets: [("catalog", "9999_new")]
    )
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "migrations": "failing",
        "broker": "ok",
    }


def test_an_unreachable_database_makes_it_unavailable(monkeypatch):
    class BrokenCursor:
        def __enter__(self):
            raise DatabaseError("connection refused")

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(views.connection, "cursor", BrokenCursor)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "failing"


def test_once_migrations_are_known_applied_the_graph_is_not_read_again(
    monkeypatch, django_assert_num_queries
):
    Client().get("/healthz")
    monkeypatch.setattr(MigrationExecutor, "__init__", None)  # would fail if constructed
    with django_assert_num_queries(1):  # SELECT 1
        assert Client().get("/healthz").status_code == 200


def test_only_reads_are_allowed():
    assert Client().post("/healthz").status_code == 405


def test_exempt_from_the_https_redirect_so_plain_http_probes_work(settings, monkeypatch):
    production = load_production_settings(monkeypatch)
    settings.SECURE_SSL_REDIRECT = production.SECURE_SSL_REDIRECT
    settings.SECURE_REDIRECT_EXEMPT = production.SECURE_REDIRECT_EXEMPT
    assert Client().get("/healthz").status_code == 200
    assert Client().get("/admin/login/").status_code == 301
