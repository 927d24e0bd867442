"""Management commands: sync_stock_alerts and send_alert_digest."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from alerts.models import StockAlert
from catalog.models import Product
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def run(command: str) -> str:
    out = StringIO()
    call_command(command, stdout=out)
    return out.getvalue()


def test_sync_stock_alerts_reports_what_it_did():
    Product.objects.bulk_create(
        [Product(sku="CMD-1", name="Cmd", price=1, stock=0, low_stock_threshold=5)]
    )
    assert "1 raised, 0 refreshed, 0 resolved" in run("sync_stock_alerts")
    assert StockAlert.objects.unresolved().count() == 1
    assert "0 raised, 0 refreshed, 0 resolved" in run("sync_stock_alerts")
    Product.objects.update(stock=2)
    assert "0 raised, 1 refreshed, 0 resolved" in run("sync_stock_alerts")
    assert StockAlert.objects.get().stock == 2


def test_send_alert_digest_sends_nothing_in_immediate_mode(settings):
    settings.BACKOFFICE_ALERT_EMAILS = "immediate"
    UserFactory(groups=["Inventory managers"])
    assert "Nothing sent" in run("send_alert_digest")
    assert mail.outbox == []


def test_send_alert_digest_sends_one_summary_in_digest_mode(settings):
    settings.BACKOFFICE_ALERT_EMAILS = "digest"
    manager = UserFactory(groups=["Inventory managers"])
    Product.objects.bulk_create(
        Product(sku=f"DG-{n}", name="Dg", price=1, stock=0, low_stock_threshold=5) for n in range(3)
    )
    call_command("sync_stock_alerts", verbosity=0)
    assert "Digest sent." in run("send_alert_digest")
    [email] = mail.outbox
    assert email.to == [manager.email]
    assert "3 alerts" in email.subject
