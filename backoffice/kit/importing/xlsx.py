"""XLSX rows through openpyxl's read-only mode, bounded before anything is inflated.

An XLSX file is a zip: a few KB can claim gigabytes. Before openpyxl opens it, the sizes the
zip declares are checked (a member inflating past its declared size fails its CRC check in
zipfile, so the declaration bounds what is read): the parts openpyxl reads whole (shared
strings, styles, workbook, manifest) may unpack to at most the upload limit each, the whole
file to UNPACKED_FACTOR times it, and no member over a megabyte may unpack to more than
MAX_RATIO times its compressed size (real sheets and shared strings compress about 5 to 20
to 1; a bomb over 1,000 to 1), whatever the upload limit. The sheet's <dimension> is
ignored (openpyxl would pad every row to the claimed width and height): only rows present
in the file are yielded, and a row wider than MAX_COLUMNS is refused
(docs/architecture.md#the-import-engine).
"""

import re
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any, BinaryIO

from django.conf import settings
from openpyxl import load_workbook
from openpyxl.packaging.manifest import Manifest
from openpyxl.utils import get_column_letter
from openpyxl.xml.functions import fromstring

from .errors import ImportFileError, megabytes
from .source import FileSource

MAX_COLUMNS = 256
UNPACKED_FACTOR = 8
MAX_RATIO = 100
RATIO_FROM_BYTES = 1024 * 1024
INVALID = "This is not a valid XLSX file."
MANIFEST = "[Content_Types].xml"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
SHEET_PART = re.compile(r"xl/worksheets/sheet\d+\.xml")
# What openpyxl raises on a damaged or hostile package (defusedxml's errors are ValueErrors,
# ElementTree's ParseError a SyntaxError, a CRC mismatch a BadZipFile).
BROKEN = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    AttributeError,
    SyntaxError,
)


def read_xlsx(source: FileSource) -> Iterator[tuple[int, list[Any]]]:
    """Yield (row number, cells) for the rows present in the first sheet."""
    with source.open() as handle:
        yield from _sheet_rows(handle)


def _sheet_rows(handle: BinaryIO) -> Iterator[tuple[int, list[Any]]]:
    try:
        with zipfile.ZipFile(handle) as archive:
            check_unpacked_sizes(archive)
        handle.seek(0)
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except BROKEN:
        raise ImportFileError(INVALID) from None
    try:
        try:
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()  # <dimension> is a claim, not what the sheet holds
            rows = sheet.iter_rows(values_only=True)
        except BROKEN:
            raise ImportFileError(INVALID) from None
        number = 0
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except BROKEN:
                raise ImportFileError(INVALID) from None
            number += 1
            if not row:
                continue  # a row the sheet leaves out (openpyxl yields it empty)
            if len(row) > MAX_COLUMNS:
                raise ImportFileError(
                    f"Row {number} has a cell in column {get_column_letter(len(row))}: "
                    f"at most {MAX_COLUMNS} columns are read."
                )
            yield number, ["" if cell is None else cell for cell in row]
    finally:
        workbook.close()


def check_unpacked_sizes(archive: zipfile.ZipFile) -> None:
    limit = settings.BACKOFFICE_IMPORT_MAX_BYTES
    members = archive.infolist()
    total = sum(member.file_size for member in members)
    if total > UNPACKED_FACTOR * limit:
        raise ImportFileError(
            f"This XLSX file unpacks to {megabytes(total)}; at most "
            f"{megabytes(UNPACKED_FACTOR * limit)} are read. Split it or save it as CSV."
        )
    _check_part(archive.getinfo(MANIFEST), limit)
    streamed = _streamed_sheets(archive.read(MANIFEST))
    for member in members:
        if member.filename not in streamed:
            _check_part(member, limit)
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_FROM_BYTES and ratio > MAX_RATIO:
            raise ImportFileError(
                f"The part '{member.filename[:100]}' of this XLSX file unpacks to "
                f"{megabytes(member.file_size)} from {megabytes(member.compress_size)} "
                f"({ratio:,.0f} to 1); spreadsheets compress far less, so this file is not read."
            )


def _check_part(member: zipfile.ZipInfo, limit: int) -> None:
    if member.file_size > limit:
        raise ImportFileError(
            f"The part '{member.filename[:100]}' of this XLSX file (its shared text, styles "
            f"or workbook) unpacks to {megabytes(member.file_size)}; at most "
            f"{megabytes(limit)} are read."
        )


def _streamed_sheets(manifest: bytes) -> set[str]:
    """Members openpyxl streams rather than reads whole: worksheets, and nothing else."""
    types: dict[str, set[str]] = {}
    for part in Manifest.from_tree(fromstring(manifest)).Override:
        types.setdefault(part.PartName.lstrip("/"), set()).add(part.ContentType)
    return {
        name
        for name, content_types in types.items()
        if SHEET_PART.fullmatch(name) and content_types == {WORKSHEET_TYPE}
    }
