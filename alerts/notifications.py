"""Alert emails: one per transaction that raised alerts, and the daily digest.

Every alert raised in one transaction (a save, a list edit, a whole import) is listed in one
email sent after the commit (docs/architecture.md#low-stock-alerts). Product names are
staff's text: subjects and lines are built from a one-line version of it, so no alert goes
unsent because of what its product is called.
"""

import threading
import unicodedata
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet

from .models import StockAlert

ALERT_RECIPIENTS_GROUP = "Inventory managers"
# How many alerts one email lists before it says "and N more".
EMAIL_LIST_LIMIT = 50
# Product names are cut to this many characters in a subject.
SUBJECT_NAME_LIMIT = 80

# raised_at of each alert-raising call whose email is still to be sent, per thread (a
# thread's connection runs one transaction at a time).
_pending = threading.local()


def one_line(text: str, *, limit: int | None = None) -> str:
    """Text safe in a header and in a list line: line breaks and other control or format
    characters become spaces, runs of white space one space; cut to `limit` with an ellipsis.
    """
    cleaned = "".join(" " if unicodedata.category(char)[0] in "CZ" else char for char in str(text))
    cleaned = " ".join(cleaned.split())
    if limit is not None and len(cleaned) > limit:
        cleaned = cleaned[: limit - 1].rstrip() + "…"
    return cleaned


def stock_alerts_notify_after_commit(*, raised_at: datetime) -> None:
    """Email the alerts raised at this moment once the transaction commits.

    After commit only, so a rolled-back (dry-run) import sends nothing. Several calls in one
    transaction (an import syncs its alerts batch by batch) share one email: the first
    callback to run after the commit sends every pending moment, the others find none.
    """
    if settings.BACKOFFICE_ALERT_EMAILS != "immediate":
        return
    pending = _pending.__dict__.setdefault("raised_at", [])
    pending.append(raised_at)
    transaction.on_commit(_send_pending, robust=True)


def _send_pending() -> None:
    # A function, not functools.partial: Django logs a failing robust callback by its
    # __qualname__, which a partial lacks (the logging itself would raise).
    raised = _pending.__dict__.pop("raised_at", [])
    if raised:
        # Sent by a Celery worker (alerts.tasks, retried while the mail server is down), so
        # the request that raised the alerts never waits for SMTP. A moment whose
        # transaction rolled back matches no alert: it lists nothing.
        from .tasks import alert_email_send

        alert_email_send.delay([moment.isoformat() for moment in raised])


def alert_recipients() -> list[str]:
    """Email addresses of the active members of the Inventory managers group."""
    return list(
        get_user_model()
        .objects.filter(groups__name=ALERT_RECIPIENTS_GROUP, is_active=True)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )


def stock_alerts_notify(*, raised_at: datetime | list[datetime]) -> int:
    """Email the alerts raised at this moment (or these): one email, however many alerts."""
    moments = raised_at if isinstance(raised_at, list) else [raised_at]
    alerts = StockAlert.objects.filter(raised_at__in=moments)
    return _send_alert_email(alerts=alerts, digest=False)


def stock_alerts_digest_send(*, since: datetime) -> int:
    """Email one summary of the alerts raised since then; returns the number of emails sent."""
    return _send_alert_email(alerts=StockAlert.objects.filter(raised_at__gte=since), digest=True)


def _send_alert_email(*, alerts: QuerySet[StockAlert], digest: bool) -> int:
    recipients = alert_recipients()
    if not recipients:
        return 0
    listed = list(alerts.order_by("sku", "pk")[: EMAIL_LIST_LIMIT + 1])
    if not listed:
        return 0
    total = len(listed) if len(listed) <= EMAIL_LIST_LIMIT else alerts.count()
    listed = listed[:EMAIL_LIST_LIMIT]
    if total == 1 and not digest:
        alert = listed[0]
        name = one_line(alert.product_name, limit=SUBJECT_NAME_LIMIT)
        subject = f"Low stock: {one_line(alert.sku)} {name} ({alert.stock} left)"
    elif digest:
        subject = f"Daily low-stock summary: {total} alert{'s' if total != 1 else ''}"
    else:
        subject = f"Low stock: {total} new alerts"
    lines = [
        f"- {one_line(alert.sku)} {one_line(alert.product_name)}: {alert.stock} in stock, "
        f"threshold {alert.threshold} ({alert.get_status_display().lower()})"
        for alert in listed
    ]
    if total > len(listed):
        lines.append(f"… and {total - len(listed)} more.")
    body = "\n".join(["Products below their low-stock threshold:", "", *lines, ""])
    return send_mail(f"[Backoffice] {subject}", body, settings.DEFAULT_FROM_EMAIL, recipients)
