"""Emails a task sends at most once per key, whatever its deliveries
(docs/architecture.md#background-jobs).

Tasks are acknowledged late, so a worker that dies after sending but before the
acknowledgement gets its message delivered again. The sent email is recorded (SentEmail)
right after the mail server accepts it, under a key naming what was sent (the task's
message id, which a re-delivery and Celery's own retries keep), and a delivery that finds
the record sends nothing. What is left is the instant between the server's acceptance and
the record's commit. A send that fails records nothing, so the retry sends.
"""

import logging
from collections.abc import Callable
from datetime import timedelta

from celery import Task
from django.utils import timezone

from .models import SentEmail

logger = logging.getLogger(__name__)
# Records outlive every re-delivery and retry (7 retries, at most ~2 h; Redis re-delivers
# after CELERY_VISIBILITY_TIMEOUT, 6 h), then are purged by beat.
SENT_EMAILS_KEPT = timedelta(days=7)


def email_send_once(*, key: str | None, send: Callable[[], int]) -> int:
    """Call `send` (returns the emails sent) unless `key` was sent already; None: no key
    (a direct call outside a worker), always send."""
    if key is None:
        return send()
    if SentEmail.objects.filter(key=key).exists():
        logger.info("Email %s was sent already; not sending it again", key)
        return 0
    sent = send()
    SentEmail.objects.get_or_create(key=key)
    return sent


def task_email_key(task: Task) -> str | None:
    """The key of what this delivery of the task sends: its message id."""
    return f"{task.name}:{task.request.id}" if task.request.id else None


def sent_emails_purge(*, older_than: timedelta = SENT_EMAILS_KEPT) -> int:
    deleted, _ = SentEmail.objects.filter(sent_at__lt=timezone.now() - older_than).delete()
    return deleted
