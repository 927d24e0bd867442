"""Exports written row by row: CSV as a streamed response, XLSX through a write-only
workbook in a temporary file, instead of import-export's whole tablib dataset in memory.

An export never fails on stored data: control characters XLSX cannot hold (rows stored
before the import refused them, or written elsewhere) are left out of XLSX cells; CSV
carries them as they are.
"""

import csv
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from import_export.formats.base_formats import XLSX, Format
from import_export.resources import ModelResource
from openpyxl import Workbook

from .checks import ILLEGAL_CHARACTERS


def export_response(
    *,
    resource: ModelResource,
    queryset: QuerySet,
    file_format: Format,
    selected_fields: list[str] | None,
    filename: str,
) -> FileResponse | StreamingHttpResponse:
    """The resource's columns and cells (its export_field, so formula escaping included)."""
    queryset = resource.filter_export(queryset)
    headers = resource.get_export_headers(selected_fields=selected_fields)
    fields = resource.get_export_fields(selected_fields=selected_fields)
    native = isinstance(file_format, XLSX)

    def rows() -> Iterator[list[Any]]:
        yield headers
        for instance in resource.iter_queryset(queryset):
            row = [
                resource.export_field(field, instance, force_native_type=native) for field in fields
            ]
            if native:  # XLSX cannot hold C0 control characters that older rows may carry
                row = [_xlsx_safe(value) for value in row]
            yield row

    content_type = file_format.get_content_type()
    if native:
        response = FileResponse(xlsx_file(rows()), content_type=content_type)
    else:
        response = StreamingHttpResponse(csv_lines(rows()), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _xlsx_safe(value: Any) -> Any:
    if type(value) is str and ILLEGAL_CHARACTERS.search(value):
        return ILLEGAL_CHARACTERS.sub("", value)
    return value


class _LineBuffer:
    """A file-like target for csv.writer that hands back each written line."""

    def write(self, line: str) -> str:
        return line


def csv_lines(rows: Iterator[list[Any]]) -> Iterator[bytes]:
    writer = csv.writer(_LineBuffer())
    for row in rows:
        yield writer.writerow(row).encode("utf-8")


def xlsx_file(rows: Iterator[list[Any]]) -> IO[bytes]:
    """Write rows to a write-only workbook in a temporary file, rewound for streaming."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(row)
    # Not a with-block: FileResponse closes the file (and so deletes it) once it is sent.
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    try:
        workbook.save(handle)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle
