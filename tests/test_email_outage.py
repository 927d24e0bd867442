"""Production readiness: an unreachable mail server does not break the save that raised an
alert. The email is a Celery task (alerts.tasks) enqueued after commit; it is retried with a
growing back-off while the server refuses, and the failure is logged, never raised into the
request."""

import logging

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as MemoryEmailBackend

from alerts import tasks
from alerts.models import StockAlert
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

attempts: list[int] = []


class RefusingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        attempts.append(len(email_messages))
        raise ConnectionRefusedError("[Errno 111] Connection refused")


class RefusingOnceEmailBackend(MemoryEmailBackend):
    def send_messages(self, email_messages):
        attempts.append(len(email_messages))
        if len(attempts) == 1:
            raise ConnectionRefusedError("[Errno 111] Connection refused")
        return super().send_messages(email_messages)


@pytest.fixture(autouse=True)
def immediate_emails(settings):
    settings.BACKOFFICE_ALERT_EMAILS = "immediate"
    attempts.clear()
    UserFactory(username="stock-keeper", groups=["Inventory managers"])


@pytest.fixture
def retry_delays(monkeypatch):
    """The countdown of each retry the task schedules (eager runs retry at once)."""
    delays: list[int] = []
    retry = tasks.alert_email_send.retry

    def recording_retry(*args, **kwargs):
        delays.append(kwargs.get("countdown"))
        return retry(*args, **kwargs)

    monkeypatch.setattr(tasks.alert_email_send, "retry", recording_retry)
    return delays


def test_a_failing_mail_server_is_retried_with_back_off_then_logged_and_the_save_stands(
    settings, django_capture_on_commit_callbacks, caplog, retry_delays
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingEmailBackend"

    with (
        caplog.at_level(logging.ERROR),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        product = ProductFactory(stock=1, low_stock_threshold=5)

    assert len(callbacks) == 1
    assert StockAlert.objects.filter(product=product).exists()
    # The first try and every retry reached the (refusing) server, each one minute, two,
    # four … later, capped at an hour; then the task gave up and the failure was logged.
    max_retries = tasks.EMAIL_RETRY["max_retries"]
    assert len(attempts) == max_retries + 1
    # (The last attempt asks for one more retry too; past max_retries that raises instead.)
    assert retry_delays == [min(60 * 2**n, 3600) for n in range(max_retries + 1)]
    assert "Connection refused" in caplog.text
    assert mail.outbox == []


def test_the_email_goes_out_on_the_retry_once_the_server_answers(
    settings, django_capture_on_commit_callbacks, retry_delays
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingOnceEmailBackend"

    with django_capture_on_commit_callbacks(execute=True):
        product = ProductFactory(sku="LOW-1", stock=1, low_stock_threshold=5)

    assert len(attempts) == 2
    assert retry_delays == [60]
    assert [message.subject for message in mail.outbox] == [
        f"[Backoffice] Low stock: LOW-1 {product.name} (1 left)"
    ]


def test_the_request_only_enqueues_the_email(settings, django_capture_on_commit_callbacks):
    # Outside the test settings' eager mode the callback hands the task to the broker and
    # returns: the mail server is not contacted by the request.
    settings.EMAIL_BACKEND = f"{__name__}.RefusingEmailBackend"
    queued = []
    original = tasks.alert_email_send.delay
    tasks.alert_email_send.delay = lambda *args: queued.append(args)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            ProductFactory(stock=1, low_stock_threshold=5)
    finally:
        tasks.alert_email_send.delay = original
    assert attempts == []
    assert len(queued) == 1
    # One task per transaction, with every moment at which it raised alerts.
    assert queued[0][0] == [StockAlert.objects.get().raised_at.isoformat()]
