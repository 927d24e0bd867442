"""Two people at once on one record (PostgreSQL threads, tests/threads.py): a deletion record
restored from several sessions comes back once, by one of them, and the others are told;
an alert acknowledged from several sessions is acknowledged once. No request answers 500."""

from django.contrib.admin.models import LogEntry
from django.urls import reverse

from alerts.models import DeletionRecord, StockAlert
from catalog.models import Product, StockMovement
from tests.factories import ProductFactory
from tests.threads import CONCURRENT_WRITERS, THREADS, role_clients, run_at_once

pytestmark = CONCURRENT_WRITERS


def test_one_record_restored_from_every_session_at_once_comes_back_once():
    product = ProductFactory(sku="BACK-1", stock=7)
    pk = product.pk
    product.delete()
    record = DeletionRecord.objects.get()
    sessions = role_clients("Inventory managers")
    url = reverse("admin:alerts_deletionrecord_restore", args=[record.pk])
    statuses = []

    def restore(start, n):
        start.wait()
        statuses.append(sessions[n].post(url).status_code)

    assert run_at_once(restore) == []

    assert statuses == [302] * THREADS
    record.refresh_from_db()
    assert record.restored_at is not None
    assert record.restored_by.username.startswith("staff-")
    assert Product.objects.filter(pk=pk, stock=7).count() == 1
    restores = StockMovement.objects.filter(product_id=pk, reason="restore")
    assert restores.count() == 1
    assert LogEntry.objects.count() == 1  # Recent actions: one restore


def test_one_alert_acknowledged_from_every_session_at_once_is_acknowledged_once():
    product = ProductFactory(sku="LOW-1", stock=1, low_stock_threshold=5)
    alert = StockAlert.objects.get(product=product)
    sessions = role_clients("Inventory managers")
    url = reverse("admin:alerts_stockalert_acknowledge", args=[alert.pk])
    statuses = []

    def acknowledge(start, n):
        start.wait()
        statuses.append(sessions[n].post(url).status_code)

    assert run_at_once(acknowledge) == []

    assert statuses == [302] * THREADS
    alert.refresh_from_db()
    assert alert.status == StockAlert.Status.ACKNOWLEDGED
    assert alert.acknowledged_by.username.startswith("staff-")
    assert LogEntry.objects.count() == 1  # Recent actions: one acknowledge
