"""Production readiness: an unreachable mail server does not break the save that raised an
alert (the email is sent after commit, robustly, and the failure is logged)."""

import logging

import pytest
from django.core.mail.backends.base import BaseEmailBackend

from alerts.models import StockAlert
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


class RefusingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("[Errno 111] Connection refused")


def test_a_failing_mail_server_is_logged_and_the_save_stands(
    settings, django_capture_on_commit_callbacks, caplog
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingEmailBackend"
    settings.BACKOFFICE_ALERT_EMAILS = "immediate"
    UserFactory(username="stock-keeper", groups=["Inventory managers"])

    with (
        caplog.at_level(logging.ERROR, logger="django.db.backends.base"),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        product = ProductFactory(stock=1, low_stock_threshold=5)

    assert len(callbacks) == 1
    assert StockAlert.objects.filter(product=product).exists()
    assert "Connection refused" in caplog.text
