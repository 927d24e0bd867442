"""Load the demo data and ensure a demo superuser; safe to run any number of times."""

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

DEMO_SUPERUSER = ("admin", "backoffice-demo")
DEMO_STAFF = ["inventory", "editor", "useradmin", "viewer"]
DEMO_PASSWORD = "backoffice-demo"


class Command(BaseCommand):
    help = "Load fixtures/demo.json, ensure the demo superuser, bring alerts in line."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/admin/")

    def handle(self, *args, url: str, **options) -> None:
        with transaction.atomic():
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
        # loaddata saves raw rows, which receivers skip on purpose; sync alerts set-wise now.
        call_command("sync_stock_alerts", verbosity=0)

        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"  Admin:      {url}")
        self.stdout.write(f"  Superuser:  {username} / {password}")
        self.stdout.write(
            f"  Staff (one per role, password {DEMO_PASSWORD}): " + ", ".join(DEMO_STAFF)
        )
