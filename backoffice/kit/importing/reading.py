"""Reading an uploaded file: checks by name and size, then CSV or XLSX rows of raw cells.

ImportFileError and megabytes are defined in errors.py and used from here by the rest.
"""

import csv
import io
import os
from collections.abc import Iterator
from typing import Any

from django.conf import settings

from .errors import ImportFileError, megabytes
from .xlsx import read_xlsx

__all__ = ["ImportFileError", "check_upload", "format_for", "megabytes", "read_table"]

ACCEPTED_ENCODINGS = "UTF-8 (with or without a byte-order mark)"


def too_large_message(*, name: str, size: int) -> str:
    limit = settings.BACKOFFICE_IMPORT_MAX_BYTES
    return f"'{name}' is {megabytes(size)}; the limit is {megabytes(limit)}."


def check_upload(*, name: str, size: int) -> None:
    """Reject a file by name and size before anything reads it."""
    extension = os.path.splitext(name)[1].lower()
    if extension not in (".csv", ".xlsx"):
        raise ImportFileError(
            f"'{name}' is not a CSV or XLSX file: only .csv and .xlsx files can be imported."
        )
    if size == 0:
        raise ImportFileError(f"'{name}' is empty.")
    if size > settings.BACKOFFICE_IMPORT_MAX_BYTES:
        raise ImportFileError(too_large_message(name=name, size=size))


def format_for(name: str) -> str:
    return "xlsx" if name.lower().endswith(".xlsx") else "csv"


def read_table(*, data: bytes, file_format: str) -> Iterator[tuple[int, list[Any]]]:
    """Yield (row number, raw cells): the header is row 1; fully empty rows may be left out."""
    if not data:
        raise ImportFileError("The file is empty.")
    if file_format == "xlsx":
        yield from read_xlsx(data)
    else:
        yield from enumerate(_read_csv(data), start=1)


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
    try:
        yield from csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline=""))
    except csv.Error as error:
        raise ImportFileError(f"The CSV file cannot be read: {error}.") from None
