"""Celery tasks of the alerts app: thin wrappers that call alerts.services
(docs/architecture.md#background-jobs)."""

import smtplib
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .notifications import stock_alerts_digest_send, stock_alerts_notify

# An unreachable or refusing mail server (SMTPException, or an OSError such as "connection
# refused" or a timeout) is retried after 1, 2, 4 … minutes, up to about 2 hours in all.
EMAIL_RETRY = {
    "autoretry_for": (smtplib.SMTPException, OSError),
    "retry_backoff": 60,
    "retry_backoff_max": 60 * 60,
    "retry_jitter": False,
    "max_retries": 7,
}


@shared_task(**EMAIL_RETRY)
def alert_email_send(raised_at: str | list[str]) -> int:
    """Email the alerts raised at these moments (ISO 8601 times; one transaction's) in one
    email; returns emails sent."""
    moments = [raised_at] if isinstance(raised_at, str) else raised_at
    return stock_alerts_notify(raised_at=[datetime.fromisoformat(moment) for moment in moments])


@shared_task(**EMAIL_RETRY)
def alert_digest_send(hours: int = 24) -> int:
    """Celery beat's daily summary; sends nothing unless BACKOFFICE_ALERT_EMAILS=digest."""
    if settings.BACKOFFICE_ALERT_EMAILS != "digest":
        return 0
    return stock_alerts_digest_send(since=timezone.now() - timedelta(hours=hours))
