"""The mapping step of an import: a file whose headers are not ours (`Article number`,
`Qty`, `Unit price`) gets, for each of our columns, the file's column offered by name
similarity (difflib), or the one the person chose last time
(docs/architecture.md#column-mapping)."""

import codecs
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from .columns import Column, header_key, header_titles, own_names, verbose_name
from .errors import ImportFileError
from .parsing import cell_text
from .reading import SNIFF_CHARACTERS, read_table
from .xlsx import MAX_COLUMNS

# How alike a header and one of a column's names must be (difflib's ratio) to be offered.
SIMILAR_ENOUGH = 0.6
EXAMPLE_CHARACTERS = 40


@dataclass(frozen=True)
class FileHeader:
    """A file's column titles as written, and the first data row's value under each."""

    titles: list[str]
    examples: list[str]


def file_header_read(*, data: bytes, file_format: str, known: Sequence[str]) -> FileHeader:
    """The header and first data row, from the start of the file only for a CSV file
    (ImportFileError if it cannot be read: the job's validation then says why)."""
    if file_format == "csv" and len(data) > SNIFF_CHARACTERS:
        data = _whole_lines(data[:SNIFF_CHARACTERS])
    table = read_table(data=data, file_format=file_format, known=known)
    # The first row is the header, as the engine reads it; the example skips blank rows.
    header = header_titles(next(table.rows, (1, []))[1])
    if len(header) > MAX_COLUMNS:
        # As an XLSX row: a header of thousands of columns would be offered for each field
        # (difflib over every pair, a select of every header): no step, validation says why.
        raise ImportFileError(
            f"The header has {len(header):,} columns; at most {MAX_COLUMNS} columns are read."
        )
    first = next((cells for _n, cells in table.rows if "".join(map(str, cells)).strip()), [])
    examples = [
        cell_text(first[position])[:EXAMPLE_CHARACTERS] if position < len(first) else ""
        for position in range(len(header))
    ]
    return FileHeader(titles=header, examples=examples)


def _whole_lines(head: bytes) -> bytes:
    """The head of a file cut after its last line break, so no character is cut in two
    (UTF-16's line break is two bytes, in the byte order its mark says)."""
    breaks = {codecs.BOM_UTF16_LE: b"\n\x00", codecs.BOM_UTF16_BE: b"\x00\n"}
    line_break = next((b for bom, b in breaks.items() if head.startswith(bom)), b"\n")
    end = head.rfind(line_break)
    while line_break != b"\n" and end > 0 and end % 2:  # a break inside a character
        end = head.rfind(line_break, 0, end)
    return head[: end + len(line_break)] if end > 0 else head


def header_of_upload(*, data: bytes, file_format: str, importer: object) -> FileHeader | None:
    """The file's header for the mapping step, or None when it cannot be read."""
    ours = list(own_names(importer.model, importer.columns))
    try:
        return file_header_read(data=data, file_format=file_format, known=ours)
    except ImportFileError:
        return None


def mapping_needed(
    titles: Sequence[str], *, model: type, columns: Sequence[Column], refused: Mapping[str, str]
) -> bool:
    """A file needs the mapping step when a required column is not among its headers and
    it has headers that are not ours (one of which may hold it). A file of our headers that
    lacks one is refused as before, by name."""
    ours = own_names(model, columns)
    found = {ours[header_key(title)] for title in titles if header_key(title) in ours}
    known = set(ours) | set(refused)
    strangers = [title for title in titles if title and header_key(title) not in known]
    return bool(strangers) and any(
        column.required and column.name not in found for column in columns
    )


def column_names_compared(model: type, column: Column) -> list[str]:
    """What a header is compared with for this column: its name, spelt with spaces, its
    field's verbose name and the aliases suppliers write."""
    names = [column.name, column.name.replace("_", " "), verbose_name(model, column.name)]
    return [header_key(name) for name in (*names, *column.aliases) if name]


def mapping_suggest(
    *,
    titles: Sequence[str],
    model: type,
    columns: Sequence[Column],
    remembered: Mapping[str, str],
) -> dict[str, str]:
    """{column: the file's header} to pre-fill the mapping form with: the person's last
    choice where that header is in this file, then our own names, then the most similar
    header (difflib's ratio, at least SIMILAR_ENOUGH), each header offered once."""
    by_key = {header_key(title): title for title in reversed(titles) if title}
    chosen: dict[str, str] = {}

    def choose(name: str, key: str) -> None:
        if name not in chosen and key in by_key and by_key[key] not in chosen.values():
            chosen[name] = by_key[key]

    for column in columns:
        choose(column.name, header_key(remembered.get(column.name, "")))
    for key, name in own_names(model, columns).items():
        choose(name, key)
    # Every (header, column name) pair by difflib's ratio, best first; on a tie the column
    # listed first (required ones lead) wins.
    pairs = sorted(
        (
            (SequenceMatcher(None, key, name).ratio(), order, key, column.name)
            for order, column in enumerate(columns)
            for key in by_key
            for name in column_names_compared(model, column)
        ),
        key=lambda item: (-item[0], item[1]),
    )
    for ratio, _order, key, name in pairs:
        if ratio < SIMILAR_ENOUGH:
            break
        choose(name, key)
    return chosen
