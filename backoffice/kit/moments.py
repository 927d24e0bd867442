"""Moments as the admin shows them: in the shop's one date format, or as an age ("just now",
"5 minutes ago") (docs/architecture.md#dates-and-prices)."""

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timesince import timesince

JUST_NOW = "just now"


def moment_display(moment: datetime) -> str:
    """The moment in the current time zone, in settings.DATETIME_FORMAT: "30 Nov 2026, 14:05"."""
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def moment_ago(moment: datetime, *, now: datetime | None = None) -> str:
    """ "just now" within a minute (timesince would say "0 minutes"), else "2 hours ago"."""
    now = now or timezone.now()
    if now - moment < timedelta(minutes=1):
        return JUST_NOW
    return f"{timesince(moment, now)} ago"
