"""Send the daily low-stock summary email when BACKOFFICE_ALERT_EMAILS=digest (run from cron)."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from alerts.notifications import stock_alerts_digest_send


class Command(BaseCommand):
    help = "Email Inventory managers one summary of the alerts raised in the last day."

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours", type=int, default=24, help="Summarise alerts raised in this many hours."
        )

    def handle(self, *args, hours: int, **options) -> None:
        if settings.BACKOFFICE_ALERT_EMAILS != "digest":
            self.stdout.write(
                "Nothing sent: BACKOFFICE_ALERT_EMAILS is "
                f"“{settings.BACKOFFICE_ALERT_EMAILS}”, so alerts are emailed as they are raised."
            )
            return
        sent = stock_alerts_digest_send(since=timezone.now() - timedelta(hours=hours))
        if sent:
            self.stdout.write(self.style.SUCCESS("Digest sent."))
        else:
            self.stdout.write("Nothing sent: no alerts raised, or no recipient with an email.")
