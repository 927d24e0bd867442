"""manage.py reset_two_factor USERNAME: remove a user's authenticator app and recovery codes
(a superuser who lost both has no other way back in)."""

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from backoffice.accounts.two_factor import two_factor_reset


class Command(BaseCommand):
    help = "Remove a user's two-factor devices; they enrol again at their next login."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        removed = two_factor_reset(user=user)
        self.stdout.write(
            f"Two-factor login reset for {user.username} ({removed} device"
            f"{'s' if removed != 1 else ''} removed): they set up an authenticator app again "
            "at their next login."
        )
