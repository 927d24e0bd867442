"""The generic import engine: read → validate → compare → write, one model per Importer.

A file is read once, validated in Python, compared with existing rows loaded a chunk at a
time, and written with bulk inserts/updates inside one transaction. Any invalid row
rejects the whole file. A dry run (the preview, `import_catalog --dry-run`) does the same
reading, validation and classification but no write: no row, alert or email can follow
from it. Classification never depends on the file's own earlier writes (a key appears
once per file), so the preview's totals are what the confirm does; anything the database
still refuses at the confirm (a concurrent insert of the same key) rolls the whole file
back and is reported as an error (docs/architecture.md#the-import-engine).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import Any, ClassVar

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from backoffice.kit.db import transaction_lock_try

from .columns import Column, ParsedRow, headers_read
from .keys import file_key_chunks
from .parsing import parse_price
from .prices import prices_read_as

__all__ = ["CHUNK_SIZE", "Column", "Importer", "ParsedRow", "file_import"]
from .reading import ImportFileError, check_upload, format_for, read_table
from .report import (
    ImportReport,
)
from .rows import CHUNK_SIZE, RowPipeline
from .source import FileSource, as_source
from .writing import insert_rows, update_rows

logger = logging.getLogger(__name__)


class Importer(RowPipeline):
    """Upsert one model's rows by a key column. Subclasses describe columns and writes."""

    model: ClassVar[type[Model]]
    key: ClassVar[str]
    columns: ClassVar[tuple[Column, ...]]
    refused_columns: ClassVar[dict[str, str]] = {}
    # How long a confirm waits for another confirm of the same model to finish.
    lock_wait_seconds: ClassVar[float] = 5.0

    def __init__(self, *, user: Any = None) -> None:
        self.user = user  # None: a system job (command line) acting with full rights
        # The imported file's name (file_import sets it) and the job it runs in, if any
        # (backoffice.kit.jobs sets it), for what the importer records.
        self.source_name = ""
        self.reference = ""
        # {column: the file's header} a person chose for a file whose headers are not ours
        # (docs/architecture.md#column-mapping); empty: the headers must be ours.
        self.column_mapping: dict[str, str] = {}

    @classmethod
    def column_names(cls) -> list[str]:
        return [column.name for column in cls.columns]

    @classmethod
    def load_fields(cls) -> list[str]:
        """Model fields compared with the file; loading only these keeps re-imports fast."""
        return cls.column_names()

    @classmethod
    def price_columns(cls) -> list[str]:
        """Columns read as prices: the file's decimal mark is found from these."""
        return [column.name for column in cls.columns if column.parse is parse_price]

    @classmethod
    def required_columns(cls) -> list[str]:
        return [column.name for column in cls.columns if column.required]

    # hooks --------------------------------------------------------------------------
    def match_key(self, key: Any) -> Any:
        """What makes two keys the same row (the file's duplicates, the upsert's match)."""
        return key

    def duplicate_keys(self, keys: list[Any]) -> list[Any] | None:
        """What two rows of one file may not share besides match_key's, for a chunk's keys,
        when the table's unique index folds keys together that match_key keeps apart (users:
        the database's LOWER); None: match_key's only."""
        return None

    def existing(self, keys: list[Any]) -> Iterable[Model]:
        """The stored rows matching these keys (as match_key sees them), with load_fields."""
        rows = self.model.objects.filter(**{f"{self.key}__in": keys})
        return rows.only(*self.load_fields()).order_by()

    def prepare(self, rows: list[ParsedRow], report: ImportReport) -> list[ParsedRow]:
        """Resolve references for a chunk; return the rows that are still valid."""
        return rows

    def new_instance(self, values: dict[str, Any]) -> Any:
        """A new row for write(): its values (insert_rows), or an unsaved instance."""
        return values

    def changes(self, instance: Model, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
        # The key matched (match_key): a stored key is never rewritten, e.g. in its case.
        return {
            name: (getattr(instance, name), value)
            for name, value in values.items()
            if name != self.key and getattr(instance, name) != value
        }

    def shown(self, name: str, value: Any) -> tuple[str, str]:
        """How the preview names a field and shows a value (e.g. a username for an id)."""
        return name, str(value)

    def apply(self, instance: Model, changes: dict[str, tuple[Any, Any]]) -> None:
        for name, (_old, new) in changes.items():
            setattr(instance, name, new)

    def lock_stored(self, key_chunks: Iterator[list[Any]]) -> None:
        """A real import, before its first write: lock the stored rows of these keys (every
        key of the file, in lists) in the order other writers of several rows lock them, so
        that none of them waits for another in a circle. Default: nothing."""

    def finish(self) -> None:
        """Called once after the last write, still inside the import's transaction."""

    def writing(self, *, dry_run: bool) -> AbstractContextManager[object]:
        """Wraps the whole import, inside its transaction (set-up and clean-up of writes)."""
        return nullcontext()

    def write(self, created: list[Any], updated: list[Model], fields: set[str]) -> None:
        insert_rows(model=self.model, rows=created)
        if updated:
            self._stamp_auto_now(updated, fields)
            update_rows(model=self.model, instances=updated, fields=fields)

    def _stamp_auto_now(self, updated: list[Model], fields: set[str]) -> None:
        """Give the updated rows' auto_now fields one timestamp (no save() runs pre_save)."""
        auto_now = [
            field.attname
            for field in self.model._meta.concrete_fields
            if getattr(field, "auto_now", False)
        ]
        if not auto_now:
            return
        now = timezone.now()
        for instance in updated:
            for attname in auto_now:
                setattr(instance, attname, now)
        fields.update(auto_now)

    # the loop -----------------------------------------------------------------------
    def run(
        self,
        *,
        data: bytes | FileSource,
        file_format: str,
        dry_run: bool,
        progress: Callable[[int], None] | None = None,
    ) -> ImportReport:
        report = ImportReport(model_name=self._plural(), dry_run=dry_run)
        # A dry run writes nothing, so it needs no transaction; outside one it also holds no
        # SQLite write lock while a worker records its progress on the job row
        # (docs/architecture.md#background-jobs).
        try:
            with nullcontext() if dry_run else transaction.atomic():
                # One confirm per model at a time: two files updating the same rows in
                # different orders would deadlock on PostgreSQL. Previews take no row locks.
                if not dry_run:
                    self._serialize()
                    self.lock_stored(self._key_chunks(data, file_format))
                table = read_table(
                    data=data,
                    file_format=file_format,
                    known=headers_read(self, self.column_names()),
                    price_columns=headers_read(self, self.price_columns()),
                )
                report.notes.extend(table.notes)
                with self.writing(dry_run=dry_run), prices_read_as(table.prices):
                    self._run(table.rows, report, progress)
                report.notes.extend(table.prices.notes())
                report.written = not (dry_run or report.has_errors)
                if not dry_run:
                    # A file rejected part-way is rolled back, and transaction.on_commit
                    # callbacks (email) are discarded with the rollback.
                    transaction.set_rollback(not report.written)
        except ImportFileError as error:
            report.written = False
            report.add_file_error(str(error))
        except IntegrityError:
            logger.warning("Import of %s refused by a constraint", self._plural(), exc_info=True)
            report.written = False
            report.add_file_error(
                "The database refused the file: some of its rows were added or changed by "
                "someone else while it was imported. Nothing was written; upload it again."
            )
        except DatabaseError:
            # The database's own text (process ids, SQL) is for the log, not for the user.
            logger.exception("Import of %s failed in the database", self._plural())
            report.written = False
            report.add_file_error(
                "The database refused the file; nothing was written. Try again in a moment, "
                "and tell an administrator if it happens again."
            )
        return report

    def _plural(self) -> str:
        return str(self.model._meta.verbose_name_plural)

    @classmethod
    def lock_name(cls) -> str:
        """The lock a confirmed import of this model holds for its whole transaction."""
        return f"backoffice.kit.importing:{cls.model._meta.label_lower}"

    def _key_chunks(self, data: bytes | FileSource, file_format: str) -> Iterator[list[Any]]:
        return file_key_chunks(
            data=data,
            file_format=file_format,
            known=headers_read(self, self.column_names()),
            key_position=lambda header: self._read_header(header).positions.get(self.key),
            parse=next(column.parse for column in self.columns if column.name == self.key),
            size=self.chunk_size,
        )

    def _serialize(self) -> None:
        if not transaction_lock_try(name=self.lock_name(), wait_seconds=self.lock_wait_seconds):
            raise ImportFileError(
                f"Another import of {self._plural()} is running, try again in a moment."
            )


def file_import(
    *,
    importer: Importer,
    data: bytes | FileSource,
    name: str,
    dry_run: bool,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check, read and import one uploaded file; the admin and the command both use this.
    `data` is the file's bytes or a FileSource, read as a stream (never held whole)."""
    source = as_source(data)
    try:
        check_upload(name=name, size=source.size)
    except ImportFileError as error:
        model_name = str(importer.model._meta.verbose_name_plural)
        report = ImportReport(model_name=model_name, dry_run=dry_run)
        report.add_file_error(str(error))
        return report
    importer.source_name = name
    return importer.run(
        data=source, file_format=format_for(name), dry_run=dry_run, progress=progress
    )
