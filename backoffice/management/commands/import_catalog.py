"""`manage.py import_catalog {products,articles,users} FILE [--dry-run] [--map FIELD=COLUMN]`.

The same checks and bulk writes as the admin's import pages, with a progress bar. Headers
must be ours (column names or verbose names) unless --map names the file's column for each
field, as the admin's mapping step does (docs/importing.md).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext
from tqdm import tqdm

from backoffice.accounts.importers import UserImporter
from backoffice.kit.importing.engine import Importer
from backoffice.kit.importing.source import FileSource
from backoffice.kit.jobs.imports import import_job_record
from catalog.importers import ArticleImporter, ProductImporter

IMPORTERS: dict[str, type[Importer]] = {
    "products": ProductImporter,
    "articles": ArticleImporter,
    "users": UserImporter,
}


class Command(BaseCommand):
    help = (
        "Import a CSV or XLSX file of products, articles or users through the same checks "
        "and bulk writes as the admin. Any invalid row rejects the whole file."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(IMPORTERS))
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and count; write nothing."
        )
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar.")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FIELD=COLUMN",
            help="Read FIELD from the file's column COLUMN (repeat for each field; a file with "
            "--map is read by these choices only, like the admin's column mapping).",
        )

    def handle(self, *args, kind: str, file: Path, dry_run: bool, no_progress: bool, **options):
        importer = IMPORTERS[kind]()
        importer.column_mapping = self._mapping(options["map"], importer)
        try:
            file.open("rb").close()
            data = FileSource.from_path(file)  # read as a stream, never whole
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        with tqdm(unit=" rows", disable=no_progress, file=self.stderr._out, leave=False) as bar:
            # Recorded as an import job (Import jobs in the admin), like the admin's imports.
            job, report = import_job_record(
                user=None,
                importer=importer,
                data=data,
                name=file.name,
                dry_run=dry_run,
                progress=bar.update,
            )
        if report.has_errors:
            for error in report.errors:
                self.stderr.write(str(error))
            if report.errors_not_shown:
                self.stderr.write(f"… and {report.errors_not_shown} more errors.")
            errors = ngettext("%d error", "%d errors", report.error_count) % report.error_count
            raise CommandError(
                f"{file.name} was rejected ({errors}); nothing was written (import job {job.pk})."
            )
        outcome = "Dry run, nothing written" if dry_run else "Imported"
        self.stdout.write(self.style.SUCCESS(f"{outcome}: {report.summary()} {report.model_name}."))
        self.stdout.write(f"Recorded as import job {job.pk}.")

    def _mapping(self, choices: list[str], importer: Importer) -> dict[str, str]:
        mapping: dict[str, str] = {}
        names = importer.column_names()
        for choice in choices:
            field, equals, column = choice.partition("=")
            if not equals or field.strip() not in names or not column.strip():
                raise CommandError(
                    f"--map {choice!r}: write FIELD=COLUMN with FIELD one of {', '.join(names)}."
                )
            if field.strip() in mapping:
                raise CommandError(
                    f"--map {choice!r}: {field.strip()} is mapped to "
                    f"{mapping[field.strip()]!r} already; give each field one column."
                )
            mapping[field.strip()] = column.strip()
        return mapping
