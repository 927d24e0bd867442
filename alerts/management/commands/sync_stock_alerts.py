"""Bring every stock alert in line with current stock, set-wise (after loaddata, SQL, restore)."""

from django.core.management.base import BaseCommand

from alerts.services import stock_alerts_sync_all


class Command(BaseCommand):
    help = "Raise, refresh and resolve every product's low-stock alerts, under the stock lock."

    def handle(self, *args, verbosity: int, **options) -> None:
        result = stock_alerts_sync_all()
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Stock alerts in line: {result.raised} raised, {result.refreshed} "
                    f"refreshed, {result.resolved} resolved."
                )
            )
