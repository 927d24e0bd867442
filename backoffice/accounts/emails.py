"""Emails to staff about their own account: invitations, password resets, address changes
(docs/architecture.md#the-staff-lifecycle). Rendered in the request, handed to a Celery
worker after the transaction commits (backoffice.accounts.tasks)."""

from django.db import transaction
from django.template.loader import render_to_string


def account_email_send(*, to: str, template: str, context: dict) -> None:
    """Render accounts/emails/<template>_subject.txt and .txt and have a worker send them to
    `to` once the current transaction commits (a rolled-back import sends nothing). The
    request only enqueues, so a reset page answers as fast whether or not an email goes
    out, and a failing mail server is retried by the worker, never shown."""
    subject = " ".join(render_to_string(f"accounts/emails/{template}_subject.txt", context).split())
    body = render_to_string(f"accounts/emails/{template}.txt", context)
    from .tasks import account_email_send as task

    def enqueue() -> None:
        task.delay(to, subject, body)

    transaction.on_commit(enqueue, robust=True)
