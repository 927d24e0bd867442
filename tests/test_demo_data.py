"""Demo data: the fixture loads, loads again without duplicates, setup_demo loads it into an
empty database only (--reset over existing data), and scripts/serve.sh asks for that."""

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from catalog.models import Article, Product

pytestmark = pytest.mark.django_db


def _counts():
    return (Product.objects.count(), Article.objects.count(), User.objects.count())


def test_demo_fixture_loads_twice_without_duplicates():
    call_command("loaddata", "fixtures/demo.json", verbosity=0)
    first = _counts()
    call_command("loaddata", "fixtures/demo.json", verbosity=0)
    assert _counts() == first
    products, articles, users = first
    assert products == 50
    assert articles == 10
    assert users == 4
    assert 3 <= Product.objects.low_on_stock().count() <= 10
    assert Product.objects.out_of_stock().exists()


def test_demo_staff_have_one_role_each():
    call_command("loaddata", "fixtures/demo.json", verbosity=0)
    roles = {u.username: [g.name for g in u.groups.all()] for u in User.objects.all()}
    assert roles == {
        "inventory": ["Inventory managers"],
        "editor": ["Editors"],
        "useradmin": ["User admins"],
        "viewer": ["Viewers"],
    }
    assert User.objects.get(username="editor").check_password("backoffice-demo")


def test_setup_demo_is_idempotent_and_prints_the_login(capsys):
    call_command("setup_demo")
    first = _counts()
    call_command("setup_demo")
    assert _counts() == first
    out = capsys.readouterr().out
    assert "admin / backoffice-demo" in out
    assert "http://127.0.0.1:8000/admin/" in out
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.check_password("backoffice-demo")


def test_sample_csv_files_have_the_contract_headers():
    with open("fixtures/sample_products.csv", encoding="utf-8") as f:
        assert f.readline().strip() == (
            "sku,name,price,stock,low_stock_threshold,is_active,description"
        )
    with open("fixtures/sample_articles.csv", encoding="utf-8") as f:
        assert f.readline().strip() == "slug,title,body,status,author,published_at"


def test_setup_demo_keeps_what_staff_changed_since(capsys):
    call_command("setup_demo")
    renamed = Product.objects.order_by("pk").first()
    renamed.name = "Renamed by staff"
    renamed.save()
    deleted_pk = Product.objects.order_by("pk").last().pk
    Product.objects.filter(pk=deleted_pk).delete()
    capsys.readouterr()

    call_command("setup_demo", url="http://0.0.0.0:9000/admin/")  # scripts/serve.sh again

    renamed.refresh_from_db()
    assert renamed.name == "Renamed by staff"
    assert not Product.objects.filter(pk=deleted_pk).exists()
    out = capsys.readouterr().out
    assert "already holds data: kept as it is, demo not loaded" in out
    assert "--reset-demo" in out
    assert "http://0.0.0.0:9000/admin/" in out


def test_setup_demo_reset_loads_the_demo_again_over_it():
    call_command("setup_demo")
    renamed, deleted = Product.objects.order_by("pk")[:2]
    demo_name, deleted_pk = renamed.name, deleted.pk
    renamed.name = "Renamed by staff"
    renamed.save()
    deleted.delete()
    call_command("setup_demo", reset=True)
    assert Product.objects.get(pk=renamed.pk).name == demo_name
    assert Product.objects.filter(pk=deleted_pk).exists()
    assert Product.objects.count() == 50


def test_setup_demo_leaves_a_database_holding_only_users_alone():
    User.objects.create_user("first-staff", password="pw-first-staff-1")
    call_command("setup_demo")
    assert _counts() == (0, 0, 1)


SERVE_SCRIPTS = ("serve.sh", "_venv.sh")


def run_serve(tmp_path, *arguments, bind=None):
    """Run scripts/serve.sh in a copy of the project whose .venv python and celery only log
    their arguments: what the script asks manage.py to do, without serving anything."""
    (tmp_path / "scripts").mkdir(exist_ok=True)
    for name in SERVE_SCRIPTS:
        shutil.copy(Path("scripts") / name, tmp_path / "scripts" / name)
    (tmp_path / "requirements.txt").write_text("django\n")
    venv_bin = tmp_path / ".venv" / "bin"
    venv_bin.mkdir(parents=True, exist_ok=True)
    for program in ("python", "celery"):  # the worker's calls go to a log of their own
        stand_in = venv_bin / program
        stand_in.write_text(f'#!/bin/sh\necho "$@" >> "$(dirname "$0")/../{program}.log"\n')
        stand_in.chmod(0o755)
    digest = hashlib.sha256(b"django\n").hexdigest()
    (tmp_path / ".venv" / ".installed-requirements.txt").write_text(digest + "\n")
    log = tmp_path / ".venv" / "python.log"
    log.unlink(missing_ok=True)
    environment = {key: value for key, value in os.environ.items() if key != "BIND"}
    if bind is not None:
        environment["BIND"] = bind
    completed = subprocess.run(
        ["bash", str(tmp_path / "scripts" / "serve.sh"), *arguments],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    calls = log.read_text().splitlines() if log.exists() else []
    return completed, calls


def test_serve_sh_loads_the_demo_only_into_an_empty_database_and_shows_bind(tmp_path):
    completed, calls = run_serve(tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert calls == [
        "manage.py migrate --noinput",
        "manage.py setup_demo --url http://127.0.0.1:8000/admin/",
        "manage.py runserver 127.0.0.1:8000",
    ]
    completed, calls = run_serve(tmp_path, "--reset-demo", bind="0.0.0.0:8123")
    assert calls[1:] == [
        "manage.py setup_demo --reset --url http://0.0.0.0:8123/admin/",
        "manage.py runserver 0.0.0.0:8123",
    ]
    completed, calls = run_serve(tmp_path, bind="9000")  # runserver's port-only form
    assert calls[1:] == [
        "manage.py setup_demo --url http://127.0.0.1:9000/admin/",
        "manage.py runserver 9000",
    ]
    worker = (tmp_path / ".venv" / "celery.log").read_text()
    assert "-A backoffice worker -B" in worker
    completed, calls = run_serve(tmp_path, "--flush")
    assert completed.returncode == 2
    assert "usage" in completed.stderr
    assert calls == []


def test_the_demo_carries_two_weeks_of_stock_history_ending_now():
    from datetime import timedelta

    from django.utils import timezone

    from alerts.models import StockAlert
    from alerts.selectors import dashboard_get
    from catalog.ledger import products_out_of_balance
    from catalog.models import StockMovement

    call_command("setup_demo")
    now = timezone.now()
    movements = StockMovement.objects.all()
    assert movements.count() > 10 * Product.objects.count()
    assert not products_out_of_balance().exists()
    assert not movements.filter(reason="system").exists()  # the fixture balances by itself
    assert not movements.filter(delta=0).exists()  # like the ledger: no change, no movement
    oldest = movements.order_by("created_at").first().created_at
    newest = movements.order_by("-created_at").first().created_at
    assert timedelta(days=12) < now - oldest < timedelta(days=16)
    assert now - newest < timedelta(hours=1)
    assert {"created", "list_edit", "edited", "import"} <= set(
        movements.values_list("reason", flat=True)
    )
    dashboard = dashboard_get(user=User.objects.get(username="inventory"))
    assert len(dashboard.stock_drops) >= 3
    assert StockAlert.objects.filter(movement__isnull=False).exists()


def test_the_demo_is_two_weeks_of_a_running_shop():
    """Issue 17, item 12: alerts raised and resolved on different days, deletions and
    restores, Recent actions, all consistent with the rules, the ledger and the kept counts."""
    from datetime import timedelta

    from django.db.models import Sum
    from django.utils import timezone

    from alerts import dashboard_counts, services
    from alerts.models import DashboardCount, DeletionRecord, StockAlert
    from alerts.selectors import dashboard_get
    from backoffice.kit.admin_log import admin_log_recent
    from catalog.ledger import products_out_of_balance

    call_command("setup_demo")
    now = timezone.now()
    superuser = User.objects.get(username="admin")

    # The rules would leave exactly these alerts, and the ledger is in balance.
    assert services.stock_alerts_sync_all() == services.StockAlertSyncResult()
    assert not products_out_of_balance().exists()
    alerts = StockAlert.objects.all()
    raised_days = {
        timezone.localtime(moment).date() for moment in alerts.values_list("raised_at", flat=True)
    }
    resolved = alerts.filter(status=StockAlert.Status.RESOLVED)
    resolved_days = {timezone.localtime(a.resolved_at).date() for a in resolved}
    assert len(raised_days) >= 5
    assert len(resolved_days) >= 4
    assert all(a.stock_at_resolution is not None and a.stock_at_resolution >= 0 for a in resolved)
    assert alerts.filter(status=StockAlert.Status.ACKNOWLEDGED).exists()
    assert alerts.filter(status=StockAlert.Status.OPEN).exists()
    assert now - alerts.order_by("raised_at").first().raised_at < timedelta(days=14)
    # A product deleted for good: its alert says "(deleted)" and keeps its ID.
    assert alerts.filter(product__isnull=True, deleted_product_pk__isnull=False).exists()

    # The dashboard reads the same numbers from its kept counts.
    dashboard = dashboard_get(user=superuser)
    assert (
        dashboard.unresolved_alert_count == alerts.filter(status__in=StockAlert.UNRESOLVED).count()
    )
    assert dashboard.acknowledged_alert_count == alerts.filter(status="acknowledged").count()
    kept = DashboardCount.objects.filter(name=DashboardCount.Name.ALERTS_RAISED)
    assert kept.aggregate(total=Sum("value"))["total"] == alerts.count()
    assert len([day for day in dashboard.chart if day.count]) >= 5
    since, _until = dashboard_counts._past_7_days()
    records = DeletionRecord.objects.all()
    assert dashboard.deletions_past_7_days == records.filter(deleted_at__gte=since).count() >= 2

    # Deletions and restores: restored objects are back, the others can still come back.
    restored, waiting = records.filter(restored_at__isnull=False), records.filter(restored_at=None)
    assert restored.count() >= 2
    assert waiting.count() >= 2
    for record in restored:
        model = record.content_type.model_class()
        assert model.objects.filter(pk=record.object_pk).exists()
        assert record.restored_at > record.deleted_at
    for record in waiting:
        assert not record.content_type.model_class().objects.filter(pk=record.object_pk).exists()
    product_record = waiting.get(content_type__model="product")
    product = services.deletion_record_restore(record=product_record, user=superuser)
    assert not StockAlert.objects.filter(deleted_product_pk=product.pk).exists()
    assert StockAlert.objects.filter(product=product).count() == 2  # its old one and a new one

    # Nothing reads "just now" everywhere: the lists show a shop that has been running.
    ages = {item.raised_ago for item in dashboard.open_alerts}
    ages |= {item.deleted_ago for item in dashboard.recent_deletions}
    assert len(ages) >= 4
    assert "just now" not in ages
    actions = admin_log_recent(user=superuser)
    assert len(actions) == 8
    assert len({action.ago for action in actions}) >= 3
    assert {action.username for action in actions} <= {"inventory", "editor"}
