"""Load the demo data into an empty database; with --reset, load it again over what is there.

The demo is two weeks of a running shop (fixtures/generate_demo.py): stock movements, the
alerts they raised and resolved, deletions and restores, Recent actions, moved to end now.

Never overwrites staff's work by default: a database holding any product, article or user
is left as it is (docs/architecture.md#the-demo-data).
"""

from datetime import UTC, datetime

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from alerts.models import DeletionRecord, StockAlert
from alerts.services import stock_alerts_resolve
from catalog.models import Article, Product, StockMovement

DEMO_SUPERUSER = ("admin", "backoffice-demo")
DEMO_STAFF = ["inventory", "editor", "useradmin", "viewer"]
DEMO_PASSWORD = "backoffice-demo"


# Where fixtures/generate_demo.py ends the demo's stock history (its LEDGER_END).
DEMO_LEDGER_END = datetime(2026, 11, 15, 9, 0, tzinfo=UTC)
# (model, the field that says a row is the fixture's, the date fields moved with it)
DEMO_DATES = [
    (StockMovement, "created_at", ["created_at"]),
    (StockAlert, "raised_at", ["raised_at", "acknowledged_at", "resolved_at"]),
    (DeletionRecord, "deleted_at", ["deleted_at", "restored_at"]),
    (LogEntry, "action_time", ["action_time"]),
    (Product, "updated_at", ["created_at", "updated_at"]),
    (Article, "updated_at", ["created_at", "updated_at", "published_at"]),
    (get_user_model(), "date_joined", ["date_joined"]),
]


class Command(BaseCommand):
    help = (
        "Load fixtures/demo.json and a demo superuser into an empty database and bring "
        "alerts in line; --reset loads the demo again over existing data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/admin/")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Load the demo rows again even if the database holds data: demo products, "
            "articles and users get their demo values back (rows staff added stay).",
        )

    def handle(self, *args, url: str, reset: bool, **options) -> None:
        if reset or self._database_is_empty():
            self._load_demo()
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
            self._print_logins(url)
        else:
            self.stdout.write(
                "The database already holds data: kept as it is, demo not loaded "
                "(scripts/serve.sh --reset-demo loads it again over it)."
            )
            self.stdout.write(f"  Admin:      {url}")

    def _database_is_empty(self) -> bool:
        models = (Product, Article, get_user_model())
        return not any(model._default_manager.exists() for model in models)

    def _load_demo(self) -> None:
        with transaction.atomic():
            # Loading again over a running demo: the fixture's unresolved alerts come back,
            # so the alerts raised since are resolved first (one unresolved alert per
            # product); sync_stock_alerts below raises what the restored stock calls for.
            stock_alerts_resolve(alerts=StockAlert.objects.all())
            call_command("loaddata", "fixtures/demo.json", verbosity=0)
            username, password = DEMO_SUPERUSER
            User = get_user_model()
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"email": "admin@shop.example", "is_staff": True, "is_superuser": True},
            )
            if created:
                user.set_password(password)
                user.save(update_fields=["password"])
            self._bring_stock_history_up_to_date()
        # loaddata saves raw rows, which receivers skip on purpose; sync alerts set-wise now
        # (and the stock ledger's balance: staff's own movements after a --reset).
        call_command("sync_stock_alerts", verbosity=0)

    def _bring_stock_history_up_to_date(self) -> None:
        """The fixture's two weeks of shop life end at DEMO_LEDGER_END: move the rows just
        loaded (stock movements, alerts, deletion records, Recent actions, the catalog's and
        staff's dates) so they end now, and the dashboard shows a running shop. Rows written
        since the demo was loaded are later than DEMO_LEDGER_END and stay as they are."""
        shift = timezone.now() - DEMO_LEDGER_END
        for model, anchor, fields in DEMO_DATES:
            model.objects.filter(**{f"{anchor}__lte": DEMO_LEDGER_END}).update(
                **{field: F(field) + shift for field in fields}
            )

    def _print_logins(self, url: str) -> None:
        username, password = DEMO_SUPERUSER
        self.stdout.write(f"  Admin:      {url}")
        self.stdout.write(f"  Superuser:  {username} / {password}")
        self.stdout.write(
            f"  Staff (one per role, password {DEMO_PASSWORD}): " + ", ".join(DEMO_STAFF)
        )
