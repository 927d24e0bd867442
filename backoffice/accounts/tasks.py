"""Celery tasks of the accounts app: emails to staff about their own account, sent by a
worker so the request (a password reset above all) never waits for the mail server
(docs/architecture.md#background-jobs)."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail

from backoffice.kit.email_retry import EMAIL_RETRY
from backoffice.kit.jobs.emails import email_send_once, task_email_key


@shared_task(bind=True, **EMAIL_RETRY)
def account_email_send(self, to: str, subject: str, body: str) -> int:
    """Send one rendered email (plain values: the worker needs no request to build links),
    once per message however often it is delivered."""
    return email_send_once(
        key=task_email_key(self),
        send=lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to]),
    )
