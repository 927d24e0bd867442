"""Celery tasks of the accounts app: emails to staff about their own account, sent by a
worker so the request (a password reset above all) never waits for the mail server
(docs/architecture.md#background-jobs)."""

import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail

# As alerts.tasks: a refusing or unreachable mail server is retried after 1, 2, 4 … minutes.
EMAIL_RETRY = {
    "autoretry_for": (smtplib.SMTPException, OSError),
    "retry_backoff": 60,
    "retry_backoff_max": 60 * 60,
    "retry_jitter": False,
    "max_retries": 7,
}


@shared_task(**EMAIL_RETRY)
def account_email_send(to: str, subject: str, body: str) -> int:
    """Send one rendered email (plain values: the worker needs no request to build links)."""
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
