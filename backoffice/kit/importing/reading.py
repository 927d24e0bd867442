"""Reading an uploaded file: checks by name and size, then CSV or XLSX rows of raw cells.

ImportFileError and megabytes are defined in errors.py and used from here by the rest.
"""

import codecs
import csv
import io
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from .errors import ImportFileError, megabytes
from .prices import DECIMAL_MARK_NAMES, PriceReading, file_decimal_mark
from .source import FileSource, as_source, first_undecodable
from .xlsx import read_xlsx

__all__ = ["ImportFileError", "Table", "check_upload", "format_for", "megabytes", "read_table"]

ACCEPTED_ENCODINGS = (
    "UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark, "
    "Windows-1252 (Latin-1)"
)
SAVE_AS_UTF8 = "In Excel use 'Save as → CSV UTF-8'."
DELIMITER_NAMES = {",": "comma-separated", ";": "semicolon-separated", "\t": "tab-separated"}
# The header row is looked for in this many characters at the start of the file.
SNIFF_CHARACTERS = 65536


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


@dataclass
class Table:
    """Numbered rows of raw cells (the header is row 1), and how the file was read."""

    rows: Iterator[tuple[int, list[Any]]]
    notes: list[str] = field(default_factory=list)
    prices: PriceReading = field(default_factory=PriceReading)


def read_table(
    *,
    data: "bytes | FileSource",
    file_format: str,
    known: Sequence[str] = (),
    price_columns: Sequence[str] = (),
) -> Table:
    """The file's rows; for CSV its encoding, delimiter (the one that splits the header into
    the most `known` column names) and the decimal mark of its `price_columns` are found
    first. Fully empty rows may be left out. The file is read as a stream, pass by pass."""
    source = as_source(data)
    if not source.size:
        raise ImportFileError("The file is empty.")
    if file_format == "xlsx":
        return Table(rows=read_xlsx(source))
    encoding, encoding_note = _encoding(source)
    with _text(source, encoding) as text:
        delimiter = _delimiter(text, known)
    prices = PriceReading()
    mark = file_decimal_mark(
        _price_cells(source, encoding, delimiter, price_columns),
        lone_point_is_decimal=delimiter == ",",
    )
    how = [DELIMITER_NAMES[delimiter]]
    if mark is not None:
        prices.decimal_mark, prices.decimal_mark_found = mark, True
        how.append(DECIMAL_MARK_NAMES[mark])
    notes = [f"Read as {', '.join(how)}."]
    if encoding_note:
        notes.append(encoding_note)
    rows = enumerate(_read_csv(source, encoding, delimiter), start=1)
    return Table(rows=rows, notes=notes, prices=prices)


def _encoding(source: FileSource) -> tuple[str, str | None]:
    """The codec to read the CSV with, and a note for the preview when it is not UTF-8."""
    head = source.head(8192)
    if head.startswith(b"PK\x03\x04"):
        raise ImportFileError("This is not a CSV file (it looks like XLSX): choose XLSX.")
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise ImportFileError(
            f"The file is UTF-32 text, which cannot be read. Accepted encodings: "
            f"{ACCEPTED_ENCODINGS}. {SAVE_AS_UTF8}"
        )
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        error = first_undecodable(source, "utf-16")
        if error is not None:
            raise ImportFileError(
                f"The file starts as UTF-16 text but its bytes {error.offset}-"
                f"{error.offset + 1} cannot be read as UTF-16. {SAVE_AS_UTF8}"
            )
        return "utf-16", "The file is UTF-16 text; it was read as such."
    if b"\x00" in head:
        if head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4:
            raise ImportFileError(
                f"The file looks like UTF-16 text without a byte-order mark, which cannot be "
                f"read. Accepted encodings: {ACCEPTED_ENCODINGS}. {SAVE_AS_UTF8}"
            )
        raise ImportFileError("This is not a CSV text file: only CSV and XLSX can be imported.")
    utf8_error = first_undecodable(
        source, "utf-8", skip=len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
    )
    if utf8_error is None:
        return "utf-8-sig", None
    error = first_undecodable(source, "cp1252")
    if error is not None:
        raise ImportFileError(
            f"The file is neither UTF-8 nor Windows-1252 (Latin-1) text: byte "
            f"0x{error.byte:02x} on line {error.line} cannot be read in either. Accepted "
            f"encodings: {ACCEPTED_ENCODINGS}. {SAVE_AS_UTF8}"
        )
    return "cp1252", (
        f"The file is not UTF-8 text (byte 0x{utf8_error.byte:02x} on line {utf8_error.line}): "
        f"it was read as Windows-1252 (Latin-1), what older Excel saves. Check accented letters "
        f"in the preview; 'Save as → CSV UTF-8' avoids the guess."
    )


def _text(source: FileSource, encoding: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(source.open(), encoding=encoding, newline="")


def _header_names(sample: str, delimiter: str) -> list[str]:
    try:
        header = next(csv.reader(io.StringIO(sample), delimiter=delimiter), [])
    except csv.Error:
        return []
    return [cell.lstrip("\ufeff").strip().lower() for cell in header]


def _delimiter(text: io.TextIOWrapper, known: Sequence[str]) -> str:
    """The delimiter that splits the header into the most known column names; without a
    known name in it, csv.Sniffer's guess among the three, else a comma."""
    sample = text.read(SNIFF_CHARACTERS)
    known_names = set(known)
    scores = {
        delimiter: sum(name in known_names for name in _header_names(sample, delimiter))
        for delimiter in DELIMITER_NAMES
    }
    best = max(scores, key=lambda delimiter: scores[delimiter])  # a tie keeps the comma
    if scores[best]:
        return best
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITER_NAMES)).delimiter
    except csv.Error:
        return ","


def _price_cells(
    source: FileSource, encoding: str, delimiter: str, price_columns: Sequence[str]
) -> Iterator[tuple[int, str, str]]:
    if not price_columns:
        return
    rows = enumerate(_read_csv(source, encoding, delimiter), start=1)
    _number, header = next(rows, (1, []))
    names = [cell.lstrip("\ufeff").strip().lower() for cell in header]
    positions = [(name, names.index(name)) for name in price_columns if name in names]
    for number, cells in rows:
        for name, position in positions:
            if position < len(cells) and cells[position].strip():
                yield number, name, cells[position].strip()


def _read_csv(source: FileSource, encoding: str, delimiter: str) -> Iterator[list[str]]:
    try:
        with _text(source, encoding) as text:
            yield from csv.reader(text, delimiter=delimiter)
    except csv.Error as error:
        raise ImportFileError(f"The CSV file cannot be read: {error}.") from None
