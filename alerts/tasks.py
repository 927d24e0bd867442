"""Celery tasks of the alerts app: thin wrappers that call alerts.services
(docs/architecture.md#background-jobs)."""

from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from backoffice.kit.email_retry import EMAIL_RETRY
from backoffice.kit.jobs.emails import email_send_once, task_email_key

from .notifications import stock_alerts_digest_send, stock_alerts_notify


@shared_task(bind=True, **EMAIL_RETRY)
def alert_email_send(self, raised_at: str | list[str]) -> int:
    """Email the alerts raised at these moments (ISO 8601 times; one transaction's) in one
    email, once per message however often it is delivered; returns emails sent."""
    moments = [raised_at] if isinstance(raised_at, str) else raised_at
    return email_send_once(
        key=task_email_key(self),
        send=lambda: stock_alerts_notify(
            raised_at=[datetime.fromisoformat(moment) for moment in moments]
        ),
    )


@shared_task(bind=True, **EMAIL_RETRY)
def alert_digest_send(self, hours: int = 24) -> int:
    """Celery beat's daily summary; sends nothing unless BACKOFFICE_ALERT_EMAILS=digest."""
    if settings.BACKOFFICE_ALERT_EMAILS != "digest":
        return 0
    since = timezone.now() - timedelta(hours=hours)
    return email_send_once(
        key=task_email_key(self), send=lambda: stock_alerts_digest_send(since=since)
    )
