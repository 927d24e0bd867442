"""Emails to staff about their own account: invitations, password resets, address changes
(docs/architecture.md#the-staff-lifecycle). Sent after the transaction commits."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def account_email_send(*, to: str, template: str, context: dict) -> None:
    """Render accounts/emails/<template>_subject.txt and .txt and send them to `to` once the
    current transaction commits. A failing mail server is logged, never shown: the page
    answering a reset request must look the same whether or not an email went out."""
    subject = "".join(
        render_to_string(f"accounts/emails/{template}_subject.txt", context).split("\n")
    )
    body = render_to_string(f"accounts/emails/{template}.txt", context)

    def send() -> None:
        try:
            send_mail(subject.strip(), body, settings.DEFAULT_FROM_EMAIL, [to])
        except Exception:
            logger.exception("Could not send the %s email to %s", template, to)

    transaction.on_commit(send)
