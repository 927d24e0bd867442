"""Email tasks record what they sent (backoffice.kit.jobs.emails): a second delivery of the
same message (late acknowledgement after a worker died) sends nothing; a send that failed
records nothing, so its retry sends."""

import re

import pytest
from django.core import mail

from alerts.models import StockAlert
from alerts.tasks import alert_digest_send, alert_email_send
from backoffice.accounts.tasks import account_email_send
from backoffice.kit.jobs.emails import email_send_once, sent_emails_purge
from backoffice.kit.jobs.models import SentEmail
from backoffice.kit.jobs.tasks import import_job_email_task
from tests.factories import ProductFactory, UserFactory
from tests.jobs.factories import ImportJobFactory
from tests.workers import celery_worker, wait_for

pytestmark = pytest.mark.django_db


def delivered_twice(task, *args) -> list[int]:
    """The task run twice from one message (the same task id), as a re-delivery runs it."""
    return [task.apply(args=args, task_id="the-same-message").get() for _ in range(2)]


def test_an_account_email_is_sent_once_per_message():
    assert delivered_twice(account_email_send, "jane@example.com", "Welcome", "Body") == [1, 0]
    assert [email.to for email in mail.outbox] == [["jane@example.com"]]
    assert SentEmail.objects.filter(
        key="backoffice.accounts.tasks.account_email_send:the-same-message"
    ).exists()
    # Another message (a second invitation) is another email.
    account_email_send.delay("jane@example.com", "Welcome again", "Body")
    assert len(mail.outbox) == 2


def test_alert_emails_and_the_digest_are_sent_once_per_message(settings):
    settings.BACKOFFICE_ALERT_EMAILS = "digest"
    UserFactory(username="keeper", groups=["Inventory managers"])
    ProductFactory(sku="ONCE-1", stock=0)
    raised_at = StockAlert.objects.get().raised_at.isoformat()

    assert delivered_twice(alert_digest_send) == [1, 0]
    assert [alert_email_send.apply(args=[[raised_at]], task_id="alert").get() for _ in "12"] == [
        1,
        0,
    ]
    assert len(mail.outbox) == 2


def test_an_import_jobs_notice_is_sent_once_however_often_it_is_enqueued():
    author = UserFactory(username="importer", email="importer@example.com")
    job = ImportJobFactory(created_by=author, status="done")
    assert [import_job_email_task.delay(job.pk).get() for _ in range(3)] == [1, 0, 0]
    assert len(mail.outbox) == 1


def test_a_failed_send_records_nothing_so_the_retry_sends():
    calls = []

    def refused_then_sent() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionRefusedError("[Errno 111] Connection refused")
        return 1

    with pytest.raises(ConnectionRefusedError):
        email_send_once(key="retry-me", send=refused_then_sent)
    assert not SentEmail.objects.filter(key="retry-me").exists()
    assert email_send_once(key="retry-me", send=refused_then_sent) == 1
    assert email_send_once(key="retry-me", send=refused_then_sent) == 0
    assert len(calls) == 2
    assert email_send_once(key=None, send=refused_then_sent) == 1  # called outside a worker


def test_records_older_than_a_week_are_purged():
    from datetime import timedelta

    from django.utils import timezone

    old, recent = SentEmail.objects.create(key="old"), SentEmail.objects.create(key="recent")
    SentEmail.objects.filter(pk=old.pk).update(sent_at=timezone.now() - timedelta(days=8))
    assert sent_emails_purge() == 1
    assert list(SentEmail.objects.values_list("key", flat=True)) == [recent.key]


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_after_sending_does_not_send_again_on_redelivery(tmp_path):
    crashed = tmp_path / "crashed"
    task = "backoffice.accounts.tasks.account_email_send"
    environment = {"TEST_WORKER_CRASH_AFTER": task, "TEST_WORKER_CRASH_MARKER": str(crashed)}
    with celery_worker(tmp_path, environment=environment) as worker:
        message = account_email_send.delay("jane@example.com", "Your invitation", "Body")
        # The first delivery sends, records, and its process is SIGKILLed before the
        # acknowledgement; the message goes back to the queue and is delivered again.
        wait_for(crashed.exists, timeout=60, message=worker.log_text())
        # (The pool logs "succeeded" before task_postrun: the first run's line, then the
        # re-delivery's, which sent nothing.)
        wait_for(
            lambda: worker.log_text().count(f"{task}[{message.id}] succeeded") == 2,
            timeout=90,
            message=worker.log_text(),
        )
        log = worker.log_text()
    assert "WorkerLostError" in log
    assert log.count(f"Task {task}[{message.id}] received") == 2, log
    assert re.search(rf"{re.escape(task)}\[{message.id}\] succeeded in [0-9.]+s: 0\n", log)
    sent = "".join(path.read_text() for path in worker.email_dir.iterdir())
    assert sent.count("Subject: Your invitation") == 1, sent
    assert SentEmail.objects.filter(key=f"{task}:{message.id}").count() == 1
