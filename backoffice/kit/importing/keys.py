"""A file's keys, read on their own before a real import writes anything.

An importer that locks the stored rows it will update takes them all first, in one global
order, instead of chunk by chunk in the file's order (docs/architecture.md#the-stock-lock).
"""

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .errors import ImportFileError
from .parsing import cell_text
from .reading import read_table
from .source import FileSource


def file_key_chunks(
    *,
    data: "bytes | FileSource",
    file_format: str,
    known: Sequence[str],
    key_position: Callable[[list[Any]], int | None],
    parse: Callable[[Any], Any],
    size: int,
) -> Iterator[list[Any]]:
    """Every readable key of the file, parsed as its column parses it, in lists of at most
    `size` (the keys the importer's `existing` hook is given, chunk by chunk, later).

    `key_position` reads the header as the import does (its column mapping included).
    Cells the import would refuse are left out, and a file or header it refuses yields
    nothing: the import's own pass reports them and writes nothing.
    """
    try:
        rows = read_table(data=data, file_format=file_format, known=known).rows
        first = next(rows, None)
        position = None if first is None else key_position(first[1])
        if position is None:
            return
        chunk: list[Any] = []
        for _number, cells in rows:
            raw = cells[position] if position < len(cells) else ""
            if not cell_text(raw):
                continue
            try:
                chunk.append(parse(raw))
            except ValueError:
                continue
            if len(chunk) == size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk
    except ImportFileError:
        return
