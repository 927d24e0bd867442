"""Exports written row by row: CSV as a streamed response, XLSX through a write-only
workbook in a temporary file, instead of import-export's whole tablib dataset in memory.

An export never fails on stored data: control characters XLSX cannot hold (rows stored
before the import refused them, or written elsewhere) are left out of XLSX cells; CSV
carries them as they are.
"""

import csv
import tempfile
from collections.abc import Callable, Iterator
from typing import IO, Any

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from import_export.formats.base_formats import XLSX, Format
from import_export.resources import ModelResource
from openpyxl import Workbook

from .checks import ILLEGAL_CHARACTERS
from .parsing import escape_formula

# An export job's progress is counted this many rows at a time.
PROGRESS_EVERY = 1000


def export_rows(
    *,
    resource: ModelResource,
    queryset: QuerySet,
    selected_fields: list[str] | None,
    native: bool,
    progress: Callable[[int], None] | None = None,
) -> Iterator[list[Any]]:
    """The header, then the resource's cells per row (its export_field: formulas escaped)."""
    queryset = resource.filter_export(queryset)
    yield resource.get_export_headers(selected_fields=selected_fields)
    fields = resource.get_export_fields(selected_fields=selected_fields)
    for count, instance in enumerate(resource.iter_queryset(queryset), start=1):
        row = [resource.export_field(field, instance, force_native_type=native) for field in fields]
        if native:  # XLSX cannot hold C0 control characters that older rows may carry
            row = [_xlsx_safe(value) for value in row]
        yield row
        if progress and count % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY)


def export_response(
    *,
    resource: ModelResource,
    queryset: QuerySet,
    file_format: Format,
    selected_fields: list[str] | None,
    filename: str,
) -> FileResponse | StreamingHttpResponse:
    native = isinstance(file_format, XLSX)
    rows = export_rows(
        resource=resource, queryset=queryset, selected_fields=selected_fields, native=native
    )
    content_type = file_format.get_content_type()
    if native:
        response = FileResponse(xlsx_file(rows), content_type=content_type)
    else:
        response = StreamingHttpResponse(csv_lines(rows), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _xlsx_safe(value: Any) -> Any:
    if type(value) is str and ILLEGAL_CHARACTERS.search(value):
        # Escaped again: the characters dropped may have hidden a formula from the escaping
        # ("\x01=HYPERLINK(...)" would become a live formula cell).
        return escape_formula(ILLEGAL_CHARACTERS.sub("", value))
    return value


class _LineBuffer:
    """A file-like target for csv.writer that hands back each written line."""

    def write(self, line: str) -> str:
        return line


def csv_lines(rows: Iterator[list[Any]]) -> Iterator[bytes]:
    writer = csv.writer(_LineBuffer())
    for row in rows:
        yield writer.writerow(row).encode("utf-8")


def xlsx_write(rows: Iterator[list[Any]], handle: IO[bytes]) -> None:
    """Write rows to a write-only workbook saved into an open binary file."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(row)
    workbook.save(handle)


def xlsx_file(rows: Iterator[list[Any]]) -> IO[bytes]:
    """Write rows to a write-only workbook in a temporary file, rewound for streaming."""
    # Not a with-block: FileResponse closes the file (and so deletes it) once it is sent.
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    try:
        xlsx_write(rows, handle)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle
