"""The fast bulk import behind the admin's import pages and `manage.py import_catalog`.

A file is read once, validated in Python, compared with existing rows loaded a chunk at a
time, and written with bulk_create/bulk_update inside one transaction. Any invalid row
rejects the whole file. A dry run (the preview, `import_catalog --dry-run`) does the same
reading, validation and classification but no write: no row, alert or email can follow from
it. Classification never depends on the file's own earlier writes (a key appears once per
file), so the preview's totals are what the confirm does; anything the database still
refuses at the confirm (a concurrent insert of the same key) rolls the whole file back and
is reported as an error.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.core.validators import validate_email, validate_slug
from django.db import DatabaseError, connection, transaction
from django.db.models import Model
from django.utils import timezone
from import_export.tmp_storages import MediaStorage

from . import search, services
from .models import Article, Product

# Lookups use IN (...) lists; 500 stays well under SQLite's bound-parameter limit.
CHUNK_SIZE = 500
SAMPLES_PER_KIND = 10
# Products whose alerts are synced per call: fewer, larger set-wise syncs.
ALERT_SYNC_BATCH = 5000
MAX_ERRORS_KEPT = 1000
ACCEPTED_ENCODINGS = "UTF-8 (with or without a byte-order mark)"
# A spreadsheet runs a cell starting with one of these as a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
UPLOAD_FOLDER = "import-uploads"

NEW, UPDATE, SKIP, INVALID = "new", "update", "skip", "invalid"
KIND_LABELS = {NEW: "new", UPDATE: "updated", SKIP: "unchanged", INVALID: "invalid"}


class ImportFileError(Exception):
    """The file as a whole cannot be read: wrong type, encoding, size or header."""


# --------------------------------------------------------------------------------------
# Cell parsers: each takes a raw cell (str from CSV; str, number, datetime or None from
# XLSX) and returns a Python value or raises ValueError with a message a person can act on.


def cell_text(value: Any) -> str:
    if type(value) is not str:
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        value = str(value)
    text = value.strip()
    # Undo the export's formula escaping so an exported file imports back unchanged.
    if text[:1] == "'" and text[1:2] and text[1:2] in FORMULA_PREFIXES:
        text = text[1:]
    return text


def escape_formula(value: Any) -> Any:
    """Prefix text a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def parse_text(max_length: int | None = None, required: bool = True) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = cell_text(value)
        if required and not text:
            raise ValueError("This value is required.")
        if max_length is not None and len(text) > max_length:
            raise ValueError(f"At most {max_length} characters (this has {len(text)}).")
        return text

    return parse


def _finite_decimal(text: str) -> Decimal:
    number = Decimal(text)  # InvalidOperation is an ArithmeticError, caught below
    if not number.is_finite():
        raise ValueError(text)
    return number


def _parse_non_negative(value: Any, convert: Callable[[str], Any], example: str) -> Any:
    try:
        number = convert(cell_text(value))
    except (ValueError, ArithmeticError):
        raise ValueError(f"Enter {example}.") from None
    if number < 0:
        raise ValueError("Must be 0 or more.")
    return number


def parse_whole_number(value: Any) -> int:
    return _parse_non_negative(value, int, "a whole number, e.g. 12")


def parse_price(value: Any) -> Decimal:
    number = _parse_non_negative(value, _finite_decimal, "a number, e.g. 12.50")
    if number >= Decimal("1e10"):
        raise ValueError("At most 10 digits before the decimal point.")
    if number != number.quantize(Decimal("0.01")):
        raise ValueError("At most 2 decimal places.")
    return number.quantize(Decimal("0.01"))


_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f"}


def parse_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = cell_text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("Enter true or false (1/0 and yes/no work too).")


def parse_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    else:
        try:
            moment = datetime.fromisoformat(cell_text(value))
        except ValueError:
            raise ValueError("Enter a date and time like 2026-01-31 14:30 (ISO 8601).") from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _django_validated(validator: Callable[[str], None], max_length: int) -> Callable[[Any], str]:
    base = parse_text(max_length)

    def parse(value: Any) -> str:
        text = base(value)
        try:
            validator(text)
        except ValidationError as error:
            raise ValueError(" ".join(error.messages)) from None
        return text

    return parse


def parse_status(value: Any) -> str:
    text = cell_text(value).lower()
    if text in Article.Status.values:
        return text
    raise ValueError(f"Enter one of: {', '.join(Article.Status.values)}.")


def parse_names(value: Any) -> frozenset[str]:
    """A comma-separated list of names (groups)."""
    return frozenset(name.strip() for name in cell_text(value).split(",") if name.strip())


def parse_optional_email(value: Any) -> str:
    text = parse_text(254, required=False)(value)
    if text:
        try:
            validate_email(text)
        except ValidationError:
            raise ValueError("Enter a valid email address.") from None
    return text


# --------------------------------------------------------------------------------------
# Reports


@dataclass(frozen=True)
class RowError:
    row: int | None  # 1 is the header row; None for problems with the file as a whole
    column: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"Row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        if self.value is not None:
            where.append(f"value '{self.value}'")
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass(frozen=True)
class RowSample:
    row: int
    key: str
    details: str  # the values of a new row, or "field: old → new" for an updated one


@dataclass
class ImportReport:
    model_name: str
    dry_run: bool
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KIND_LABELS, 0))
    samples: dict[str, list[RowSample]] = field(
        default_factory=lambda: {kind: [] for kind in KIND_LABELS}
    )
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    written: bool = False

    @property
    def has_errors(self) -> bool:
        return self.error_count > 0

    @property
    def rows(self) -> int:
        return sum(self.totals.values())

    @property
    def errors_not_shown(self) -> int:
        return self.error_count - len(self.errors)

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(error)

    def count(self, kind: str, row: int, key: str, details: Callable[[], str]) -> None:
        """Count a row; describe it (details() is only called) while samples are wanted."""
        self.totals[kind] += 1
        if len(self.samples[kind]) < SAMPLES_PER_KIND:
            self.samples[kind].append(RowSample(row, key, details()))

    def summary(self) -> str:
        return ", ".join(f"{self.totals[kind]} {label}" for kind, label in KIND_LABELS.items())

    def kinds(self) -> list[tuple[str, str, int, list[RowSample]]]:
        """(kind, label, total, samples) for templates."""
        return [
            (kind, label, self.totals[kind], self.samples[kind])
            for kind, label in KIND_LABELS.items()
        ]


# --------------------------------------------------------------------------------------
# Reading files


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def check_upload(*, name: str, size: int) -> None:
    """Reject a file by name and size before anything reads it."""
    extension = os.path.splitext(name)[1].lower()
    if extension not in (".csv", ".xlsx"):
        raise ImportFileError(
            f"'{name}' is not a CSV or XLSX file: only .csv and .xlsx files can be imported."
        )
    if size == 0:
        raise ImportFileError(f"'{name}' is empty.")
    limit = settings.BACKOFFICE_IMPORT_MAX_BYTES
    if size > limit:
        raise ImportFileError(f"'{name}' is {megabytes(size)}; the limit is {megabytes(limit)}.")


def format_for(name: str) -> str:
    return "xlsx" if name.lower().endswith(".xlsx") else "csv"


def read_table(*, data: bytes, file_format: str) -> Iterator[list[Any]]:
    """Yield the header and then each row as a list of raw cells."""
    if not data:
        raise ImportFileError("The file is empty.")
    if file_format == "xlsx":
        yield from _read_xlsx(data)
    else:
        yield from _read_csv(data)


def _read_csv(data: bytes) -> Iterator[list[str]]:
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError("This is not a CSV file (it looks like XLSX): choose XLSX.")
    if b"\x00" in data[:8192]:
        raise ImportFileError("This is not a CSV text file: only CSV and XLSX can be imported.")
    try:
        data.decode("utf-8-sig")  # validate up front; the text itself is read streaming
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ImportFileError(
            f"The file is not UTF-8 text: byte 0x{data[error.start]:02x} on line {line} "
            f"cannot be read. Accepted encodings: {ACCEPTED_ENCODINGS}. In Excel use "
            f"'Save as → CSV UTF-8'."
        ) from None
    yield from csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline=""))


def _read_xlsx(data: bytes) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ImportFileError("This is not a valid XLSX file.") from None
    try:
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            yield ["" if cell is None else cell for cell in row]
    finally:
        workbook.close()


# --------------------------------------------------------------------------------------
# Importers: one per model, sharing the read → validate → compare → write loop.


# Values of these field types need no conversion when the parsers already produced the
# Python type (str, int, bool); everything else goes through get_db_prep_save.
_STORED_AS_IS = {
    "CharField": str,
    "SlugField": str,
    "TextField": str,
    "EmailField": str,
    "IntegerField": int,
    "PositiveIntegerField": int,
    "BooleanField": bool,
}


def insert_rows(*, model: type[Model], rows: list[dict[str, Any]]) -> None:
    """INSERT new rows (field attname -> value) with one executemany, no model instances.

    bulk_create builds an instance per row, compiles a multi-row INSERT per ~100 rows on
    SQLite and converts every value through the field API: at 100k rows most of the import's
    time. Here the statement is built once; a missing field gets its default,
    auto_now/auto_now_add fields one timestamp for the batch, and values already of their
    column's Python type are passed as they are. Returns nothing: no primary keys.
    """
    if not rows:
        return
    fields = [
        field for field in model._meta.concrete_fields if not (field.primary_key or field.generated)
    ]
    now = timezone.now()
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )

    def prepare(field: Any) -> Callable[[dict[str, Any]], Any]:
        attname = field.attname
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            stamp = field.get_db_prep_save(now, connection)
            return lambda row: stamp
        as_is = _STORED_AS_IS.get(field.get_internal_type())

        def value(row: dict[str, Any]) -> Any:
            raw = row[attname] if attname in row else field.get_default()
            if raw is None or (as_is is not None and type(raw) is as_is):
                return raw
            return field.get_db_prep_save(raw, connection)

        return value

    getters = [prepare(field) for field in fields]
    with connection.cursor() as cursor:
        cursor.executemany(sql, [tuple(get(row) for get in getters) for row in rows])


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[Any], Any]
    required: bool = False
    # An empty cell in an optional column means "leave as is" (new rows get the default).
    empty_means_unset: bool = True


@dataclass
class ParsedRow:
    number: int
    values: dict[str, Any]
    instance: Model | None = None


class Importer:
    """Upsert one model's rows by a key column. Subclasses describe columns and writes."""

    model: ClassVar[type[Model]]
    key: ClassVar[str]
    columns: ClassVar[tuple[Column, ...]]
    refused_columns: ClassVar[dict[str, str]] = {}

    def __init__(self, *, user: User | None = None) -> None:
        self.user = user  # None: a system job (command line) acting with full rights

    @classmethod
    def column_names(cls) -> list[str]:
        return [column.name for column in cls.columns]

    @classmethod
    def load_fields(cls) -> list[str]:
        """Model fields compared with the file; loading only these keeps re-imports fast."""
        return cls.column_names()

    @classmethod
    def required_columns(cls) -> list[str]:
        return [column.name for column in cls.columns if column.required]

    # hooks --------------------------------------------------------------------------
    def prepare(self, rows: list[ParsedRow], report: ImportReport) -> list[ParsedRow]:
        """Resolve references for a chunk; return the rows that are still valid."""
        return rows

    def new_instance(self, values: dict[str, Any]) -> Any:
        """A new row for write(): its values (insert_rows), or an unsaved instance."""
        return values

    def changes(self, instance: Model, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
        return {
            name: (getattr(instance, name), value)
            for name, value in values.items()
            if getattr(instance, name) != value
        }

    def apply(self, instance: Model, changes: dict[str, tuple[Any, Any]]) -> None:
        for name, (_old, new) in changes.items():
            setattr(instance, name, new)

    def finish(self) -> None:
        """Called once after the last write, still inside the import's transaction."""

    def writing(self, *, dry_run: bool) -> AbstractContextManager[object]:
        """Wraps the whole import, inside its transaction (set-up and clean-up of writes)."""
        return nullcontext()

    def write(self, created: list[Any], updated: list[Model], fields: set[str]) -> None:
        insert_rows(model=self.model, rows=created)
        if updated:
            self._stamp_auto_now(updated, fields)
            self.model.objects.bulk_update(updated, sorted(fields), batch_size=CHUNK_SIZE)

    def _stamp_auto_now(self, updated: list[Model], fields: set[str]) -> None:
        """bulk_update skips auto_now fields: give the updated rows one timestamp."""
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
        data: bytes,
        file_format: str,
        dry_run: bool,
        progress: Callable[[int], None] | None = None,
    ) -> ImportReport:
        report = ImportReport(model_name=str(self.model._meta.verbose_name_plural), dry_run=dry_run)
        try:
            with transaction.atomic():
                with self.writing(dry_run=dry_run):
                    self._run(read_table(data=data, file_format=file_format), report, progress)
                report.written = not (dry_run or report.has_errors)
                # A dry run writes nothing; a file rejected part-way is rolled back, and
                # transaction.on_commit callbacks (email) are discarded with the rollback.
                transaction.set_rollback(not report.written)
        except ImportFileError as error:
            report.written = False
            report.add_error(RowError(None, None, None, str(error)))
        except csv.Error as error:
            report.written = False
            report.add_error(RowError(None, None, None, f"The CSV file cannot be read: {error}."))
        except DatabaseError as error:
            report.written = False
            report.add_error(RowError(None, None, None, f"The database refused the file: {error}"))
        return report

    def _run(
        self,
        table: Iterator[list[Any]],
        report: ImportReport,
        progress: Callable[[int], None] | None,
    ) -> None:
        header = next(table, None)
        if header is None:
            raise ImportFileError("The file is empty.")
        positions = self._read_header(header)
        seen: dict[str, int] = {}
        chunk: list[ParsedRow] = []
        data_rows = 0
        for number, cells in enumerate(table, start=2):
            if not "".join(map(str, cells)).strip():
                continue  # blank lines (a trailing newline, spreadsheet padding)
            data_rows += 1
            row = self._parse(number, cells, positions, report)
            if row is None:
                report.totals[INVALID] += 1
                continue
            key = row.values[self.key]
            if key in seen:
                report.add_error(
                    RowError(
                        number,
                        self.key,
                        key,
                        f"Duplicate: the same {self.key} is on row {seen[key]}.",
                    )
                )
                report.totals[INVALID] += 1
                continue
            seen[key] = number
            chunk.append(row)
            if len(chunk) == CHUNK_SIZE:
                self._process(chunk, report)
                if progress:
                    progress(len(chunk))
                chunk = []
        if chunk:
            self._process(chunk, report)
            if progress:
                progress(len(chunk))
        if not (report.has_errors or report.dry_run):
            self.finish()
        if not data_rows:
            raise ImportFileError("The file has a header row but no data rows.")

    def _read_header(self, header: list[Any]) -> dict[str, int]:
        names = [cell_text(cell).lstrip("\ufeff").strip().lower() for cell in header]
        while names and not names[-1]:
            names.pop()  # spreadsheets pad the header with empty cells
        known = set(self.column_names())
        problems = []
        for name in names:
            if name in self.refused_columns:
                problems.append(f"Column '{name}' cannot be imported: {self.refused_columns[name]}")
            elif name not in known:
                problems.append(
                    f"Unknown column '{name}'. Expected columns: {', '.join(self.column_names())}."
                )
        duplicates = sorted({name for name in names if names.count(name) > 1})
        problems += [f"Column '{name}' appears more than once." for name in duplicates]
        missing = [name for name in self.required_columns() if name not in names]
        if missing:
            problems.append(
                f"Missing required column(s): {', '.join(missing)}. "
                f"Expected columns: {', '.join(self.column_names())}."
            )
        if problems:
            raise ImportFileError(" ".join(problems))
        positions = {name: position for position, name in enumerate(names)}
        self._layout = [
            (column, positions[column.name]) for column in self.columns if column.name in positions
        ]
        return positions

    def _parse(
        self, number: int, cells: list[Any], positions: dict[str, int], report: ImportReport
    ) -> ParsedRow | None:
        values: dict[str, Any] = {}
        valid = True
        width = len(cells)
        for column, position in self._layout:
            raw = cells[position] if position < width else ""
            text = cell_text(raw)
            if not text:
                if column.required:
                    report.add_error(RowError(number, column.name, text, "This value is required."))
                    valid = False
                    continue
                if column.empty_means_unset:
                    continue
            try:
                values[column.name] = column.parse(raw)
            except ValueError as error:
                report.add_error(RowError(number, column.name, text, str(error)))
                valid = False
        if width > len(positions) and "".join(map(str, cells[len(positions) :])).strip():
            report.add_error(RowError(number, None, None, "More cells than header columns."))
            valid = False
        return ParsedRow(number, values) if valid else None

    def _process(self, chunk: list[ParsedRow], report: ImportReport) -> None:
        keys = [row.values[self.key] for row in chunk]
        existing = {
            getattr(instance, self.key): instance
            for instance in self.model.objects.filter(**{f"{self.key}__in": keys}).only(
                *self.load_fields()
            )
        }
        for row in chunk:
            row.instance = existing.get(row.values[self.key])
        rows = self.prepare(chunk, report)
        report.totals[INVALID] += len(chunk) - len(rows)
        created: list[Any] = []
        updated: list[Model] = []
        fields: set[str] = set()
        for row in rows:
            key = str(row.values[self.key])
            if row.instance is None:
                instance = self.new_instance(row.values)
                created.append(instance)
                report.count(NEW, row.number, key, partial(_describe_new, row.values))
                continue
            changes = self.changes(row.instance, row.values)
            if not changes:
                report.count(SKIP, row.number, key, str)
                continue
            self.apply(row.instance, changes)
            fields.update(changes)
            updated.append(row.instance)
            report.count(UPDATE, row.number, key, partial(_describe_changes, changes))
        # A rejected file is still validated to the end, not written; a dry run only counts.
        if not (report.has_errors or report.dry_run):
            self.write(created, updated, fields)


def _describe_new(values: dict[str, Any]) -> str:
    return ", ".join(f"{name}={value}" for name, value in values.items())


def _describe_changes(changes: dict[str, tuple[Any, Any]]) -> str:
    return "; ".join(f"{name}: {old} → {new}" for name, (old, new) in changes.items())


class ProductImporter(Importer):
    model = Product
    key = "sku"
    _changed_ids: list[int]
    columns = (
        Column("sku", parse_text(64), required=True),
        Column("name", parse_text(200), required=True),
        Column("price", parse_price, required=True),
        Column("stock", parse_whole_number, required=True),
        Column("low_stock_threshold", parse_whole_number),
        Column("is_active", parse_boolean),
        Column("description", parse_text(required=False), empty_means_unset=False),
    )

    def __init__(self, *, user: User | None = None) -> None:
        super().__init__(user=user)
        self._changed_ids = []
        self._name_index = search.NameIndexBulkWrites()

    @contextmanager
    def writing(self, *, dry_run: bool) -> Iterator[None]:
        # SQLite's name index is brought up to date once, after the last write, instead of
        # by a trigger per row (catalog.search.product_name_index_bulk_writes).
        if dry_run:
            yield
            return
        with search.product_name_index_bulk_writes() as self._name_index:
            yield

    def apply(self, instance: Model, changes: dict[str, tuple[Any, Any]]) -> None:
        if "name" in changes:
            self._name_index.renamed(instance.pk, changes["name"][0])
        super().apply(instance, changes)

    def write(self, created: list[Any], updated: list[Model], fields: set[str]) -> None:
        super().write(created, updated, fields)
        if created:  # inserted without RETURNING: one indexed lookup for the new ids
            new_ids = list(
                Product.objects.filter(sku__in=[row["sku"] for row in created]).values_list(
                    "pk", flat=True
                )
            )
            self._name_index.inserted(new_ids)
            self._changed_ids.extend(new_ids)
        self._changed_ids.extend(product.pk for product in updated)
        if len(self._changed_ids) >= ALERT_SYNC_BATCH:
            self.finish()

    def finish(self) -> None:
        # Bulk writes send no post_save: the alert rules run set-wise, in the same
        # transaction, a few thousand products at a time.
        ids, self._changed_ids = self._changed_ids, []
        services.products_changed_in_bulk(product_ids=ids)


class ArticleImporter(Importer):
    model = Article
    key = "slug"
    columns = (
        Column("slug", _django_validated(validate_slug, 200), required=True),
        Column("title", parse_text(200), required=True),
        Column("body", parse_text(required=False), empty_means_unset=False),
        Column("status", parse_status),
        Column("author", parse_text(150)),
        Column("published_at", parse_datetime),
    )

    def prepare(self, rows: list[ParsedRow], report: ImportReport) -> list[ParsedRow]:
        usernames = {row.values["author"] for row in rows if "author" in row.values}
        authors = dict(User.objects.filter(username__in=usernames).values_list("username", "pk"))
        valid = []
        for row in rows:
            username = row.values.pop("author", None)
            if username is not None:
                if username not in authors:
                    report.add_error(
                        RowError(row.number, "author", username, "No user has this username.")
                    )
                    continue
                row.values["author_id"] = authors[username]
            # Publishing stamps published_at once, as in the admin (article_stamp_published).
            probe = Article(
                status=row.values.get("status", getattr(row.instance, "status", "draft")),
                published_at=row.values.get(
                    "published_at", getattr(row.instance, "published_at", None)
                ),
            )
            services.article_stamp_published(article=probe)
            if probe.published_at is not None:
                row.values.setdefault("published_at", probe.published_at)
            valid.append(row)
        return valid


class UserImporter(Importer):
    model = User
    key = "username"
    columns = (
        Column("username", _django_validated(UnicodeUsernameValidator(), 150), required=True),
        Column("email", parse_optional_email, empty_means_unset=False),
        Column("first_name", parse_text(150, required=False), empty_means_unset=False),
        Column("last_name", parse_text(150, required=False), empty_means_unset=False),
        Column("is_active", parse_boolean),
        Column("is_staff", parse_boolean),
        Column("groups", parse_names, empty_means_unset=False),
    )
    refused_columns = {
        "is_superuser": "superuser status is never imported; a superuser grants it in the form.",
        "password": "imported users get an unusable password; they use password reset.",
        "user_permissions": "permissions are given through groups.",
    }

    @classmethod
    def load_fields(cls) -> list[str]:
        return [name for name in cls.column_names() if name != "groups"] + ["is_superuser"]

    def __init__(self, *, user: User | None = None) -> None:
        super().__init__(user=user)
        self._groups: dict[str, Group] | None = None
        self._allowed_groups: set[str] = set()

    def _load_groups(self) -> dict[str, Group]:
        if self._groups is None:
            groups = Group.objects.prefetch_related("permissions__content_type")
            self._groups = {group.name: group for group in groups}
            if self.user is None or self.user.is_superuser:
                self._allowed_groups = set(self._groups)
            else:
                held = self.user.get_all_permissions()
                self._allowed_groups = {
                    name
                    for name, group in self._groups.items()
                    if {
                        f"{perm.content_type.app_label}.{perm.codename}"
                        for perm in group.permissions.all()
                    }
                    <= held
                }
        return self._groups

    def prepare(self, rows: list[ParsedRow], report: ImportReport) -> list[ParsedRow]:
        groups = self._load_groups()
        existing_ids = [row.instance.pk for row in rows if row.instance is not None]
        memberships: dict[int, set[str]] = {}
        names_by_id = {group.pk: name for name, group in groups.items()}
        for user_id, group_id in User.groups.through.objects.filter(
            user_id__in=existing_ids
        ).values_list("user_id", "group_id"):
            memberships.setdefault(user_id, set()).add(names_by_id[group_id])
        acting_superuser = self.user is None or self.user.is_superuser
        valid = []
        for row in rows:
            instance = row.instance
            if instance is not None:
                instance.group_names = frozenset(memberships.get(instance.pk, ()))
                if instance.is_superuser and not acting_superuser:
                    report.add_error(
                        RowError(
                            row.number,
                            "username",
                            instance.username,
                            "This user is a superuser; only a superuser can change them.",
                        )
                    )
                    continue
            wanted = row.values.get("groups")
            if wanted is not None and self._group_errors(row, wanted, instance, report):
                continue
            valid.append(row)
        return valid

    def _group_errors(
        self, row: ParsedRow, wanted: frozenset[str], instance: User | None, report: ImportReport
    ) -> bool:
        unknown = sorted(wanted - set(self._groups or ()))
        if unknown:
            report.add_error(
                RowError(row.number, "groups", ", ".join(unknown), "No group has this name.")
            )
            return True
        current = instance.group_names if instance is not None else frozenset()
        refused = sorted((wanted ^ current) - self._allowed_groups)
        if refused:
            report.add_error(
                RowError(
                    row.number,
                    "groups",
                    ", ".join(refused),
                    "You cannot add users to or remove them from a group with permissions "
                    "you do not hold yourself.",
                )
            )
            return True
        return False

    def new_instance(self, values: dict[str, Any]) -> User:
        fields = {name: value for name, value in values.items() if name != "groups"}
        user = User(**fields, password=make_password(None))
        user.group_names = values.get("groups", frozenset())
        return user

    def changes(self, instance: Model, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
        changes = super().changes(
            instance, {name: value for name, value in values.items() if name != "groups"}
        )
        wanted = values.get("groups")
        instance.pending_groups = wanted
        if wanted is not None and wanted != instance.group_names:
            changes["groups"] = (
                ", ".join(sorted(instance.group_names)) or "—",
                ", ".join(sorted(wanted)) or "—",
            )
        return changes

    def apply(self, instance: Model, changes: dict[str, tuple[Any, Any]]) -> None:
        group_change = changes.pop("groups", None)
        super().apply(instance, changes)
        if group_change is not None:
            changes["groups"] = group_change  # still reported and counted as a change
            instance.wanted_groups = instance.pending_groups

    def write(self, created: list[Model], updated: list[Model], fields: set[str]) -> None:
        fields.discard("groups")
        self.model.objects.bulk_create(created, batch_size=CHUNK_SIZE)
        if fields:
            self.model.objects.bulk_update(updated, sorted(fields), batch_size=CHUNK_SIZE)
        regrouped = [user for user in updated if hasattr(user, "wanted_groups")]
        through = User.groups.through
        through.objects.filter(user_id__in=[user.pk for user in regrouped]).delete()
        groups = self._load_groups()
        links = [
            through(user_id=user.pk, group_id=groups[name].pk)
            for user in created
            for name in user.group_names
        ] + [
            through(user_id=user.pk, group_id=groups[name].pk)
            for user in regrouped
            for name in user.wanted_groups
        ]
        through.objects.bulk_create(links, batch_size=CHUNK_SIZE)


IMPORTERS: dict[str, type[Importer]] = {
    "products": ProductImporter,
    "articles": ArticleImporter,
    "users": UserImporter,
}


def file_import(
    *,
    importer: Importer,
    data: bytes,
    name: str,
    dry_run: bool,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check, read and import one uploaded file; the admin and the command both use this."""
    try:
        check_upload(name=name, size=len(data))
    except ImportFileError as error:
        report = ImportReport(
            model_name=str(importer.model._meta.verbose_name_plural), dry_run=dry_run
        )
        report.add_error(RowError(None, None, None, str(error)))
        return report
    return importer.run(data=data, file_format=format_for(name), dry_run=dry_run, progress=progress)


# --------------------------------------------------------------------------------------
# The uploaded file between preview and confirm


class ImportUploadStorage(MediaStorage):
    """django-import-export's MediaStorage, but saving the upload in chunks.

    Default storage works with several app servers (shared volume or S3-like backend);
    import-export's own admin concatenates chunks (`data += chunk`), quadratic in size.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs["MEDIA_FOLDER"] = UPLOAD_FOLDER
        super().__init__(**kwargs)

    def save(self, data: bytes | File) -> None:
        if not self.name:
            self.name = os.urandom(16).hex()
        content = data if isinstance(data, File) else ContentFile(data)
        self.name = os.path.basename(self._storage.save(self.get_full_path(), content))

    def remove(self) -> None:
        if self._storage.exists(self.get_full_path()):
            self._storage.delete(self.get_full_path())


def import_uploads_purge(*, older_than: timedelta | None = None) -> int:
    """Delete uploads left behind by previews nobody confirmed; return how many."""
    if older_than is None:
        older_than = timedelta(hours=settings.BACKOFFICE_IMPORT_UPLOAD_MAX_AGE_HOURS)
    cutoff = timezone.now() - older_than
    try:
        _folders, files = default_storage.listdir(UPLOAD_FOLDER)
    except FileNotFoundError:
        return 0
    removed = 0
    for name in files:
        path = f"{UPLOAD_FOLDER}/{name}"
        if default_storage.get_modified_time(path) < cutoff:
            default_storage.delete(path)
            removed += 1
    return removed
