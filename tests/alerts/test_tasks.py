"""alerts.tasks: the Celery beat digest and its schedule in settings."""

from datetime import timedelta

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core import mail
from django.utils import timezone

from alerts.models import StockAlert
from alerts.tasks import alert_digest_send
from backoffice.celery import app
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_beat_runs_the_digest_task_daily_from_settings():
    entry = settings.CELERY_BEAT_SCHEDULE["alert-digest"]
    assert entry["task"] in app.tasks
    assert app.tasks[entry["task"]].name == alert_digest_send.name
    assert entry["schedule"] == crontab(hour=7, minute=0)


def test_the_digest_task_sends_one_summary_in_digest_mode(settings):
    settings.BACKOFFICE_ALERT_EMAILS = "digest"
    UserFactory(username="keeper", groups=["Inventory managers"])
    ProductFactory(sku="DIG-1", stock=0)
    ProductFactory(sku="DIG-2", stock=1)
    old = ProductFactory(sku="DIG-OLD", stock=2)
    StockAlert.objects.filter(sku=old.sku).update(raised_at=timezone.now() - timedelta(days=2))

    assert alert_digest_send.delay().get() == 1

    [email] = mail.outbox
    assert email.subject == "[Backoffice] Daily low-stock summary: 2 alerts"
    assert "DIG-1" in email.body
    assert "DIG-2" in email.body
    assert "DIG-OLD" not in email.body


def test_the_digest_task_sends_nothing_in_immediate_mode(settings):
    settings.BACKOFFICE_ALERT_EMAILS = "immediate"
    UserFactory(username="keeper", groups=["Inventory managers"])
    ProductFactory(stock=0)
    mail.outbox.clear()
    assert alert_digest_send.delay().get() == 0
    assert mail.outbox == []
