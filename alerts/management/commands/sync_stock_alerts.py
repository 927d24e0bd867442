"""Bring every stock alert in line with current stock, set-wise (after loaddata, SQL, restore);
the stock ledger gets a `system` movement where such a change left it out of balance."""

from django.core.management.base import BaseCommand

from alerts.services import stock_alerts_sync_all


class Command(BaseCommand):
    help = (
        "Raise, refresh and resolve every product's low-stock alerts, under the stock lock; "
        "record a system stock movement where the ledger is out of balance."
    )

    def handle(self, *args, verbosity: int, **options) -> None:
        result = stock_alerts_sync_all()
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Stock alerts in line: {result.raised} raised, {result.refreshed} "
                    f"refreshed, {result.resolved} resolved; {result.balanced} stock "
                    "movements added to balance the ledger."
                )
            )
