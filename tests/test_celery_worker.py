"""A real Celery worker process, on Redis when it answers and on the no-server broker
otherwise, sharing the test database: the path production takes."""

import pytest
from django.db import transaction

from alerts.models import StockAlert
from tests.factories import ProductFactory, UserFactory
from tests.workers import TEST_REDIS_URL, celery_worker, redis_answers, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def sent_email(worker) -> str:
    """The one email the file backend wrote, once complete (it ends with a dashed line)."""
    files = list(worker.email_dir.iterdir())
    assert len(files) <= 1
    text = files[0].read_text() if files else ""
    return text if text.rstrip().endswith("-" * 79) else ""


def test_an_alert_email_is_sent_by_the_worker_after_the_commit(settings, tmp_path):
    settings.BACKOFFICE_ALERT_EMAILS = "immediate"
    UserFactory(username="keeper", email="keeper@shop.example", groups=["Inventory managers"])
    with celery_worker(tmp_path) as worker:
        assert worker.broker_url == (TEST_REDIS_URL if redis_answers() else "filesystem://")
        with transaction.atomic():
            ProductFactory(sku="WORKER-1", name="Sent by the worker", stock=1)
            # Nothing is queued before the commit: the worker never sees uncommitted rows.
            assert list(worker.email_dir.iterdir()) == []
        text = wait_for(lambda: sent_email(worker), timeout=20, message=worker.log_text())
    assert "Subject: [Backoffice] Low stock: WORKER-1 Sent by the worker (1 left)" in text
    assert "To: keeper@shop.example" in text
    assert StockAlert.objects.get().sku == "WORKER-1"
    assert "alerts.tasks.alert_email_send" in worker.log_text()
