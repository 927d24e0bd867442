"""`manage.py purge_import_files [--hours N]`: delete uploads of previews nobody confirmed."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from backoffice.kit.importing.storage import import_uploads_purge


class Command(BaseCommand):
    help = "Delete import uploads waiting for a confirmation that never came."

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours",
            type=int,
            default=settings.BACKOFFICE_IMPORT_UPLOAD_MAX_AGE_HOURS,
            help="Delete uploads older than this (default: %(default)s).",
        )

    def handle(self, *args, hours: int, **options):
        removed = import_uploads_purge(older_than=timedelta(hours=hours))
        self.stdout.write(f"Removed {removed} abandoned import upload(s).")
