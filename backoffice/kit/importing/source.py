"""An import file read as a stream: opened anew for each pass the reading needs (encoding,
delimiter, decimal mark, rows), never held whole in memory. A 55 MB upload costs a worker a
few buffers, not 55 MB (docs/architecture.md#the-import-engine).
"""

import codecs
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

# Bytes read at a time by the passes that look at the raw file (encoding, row estimate).
CHUNK_BYTES = 1024 * 1024


class FileSource:
    """A file the engine may read several times: bytes in memory, a path, or an opener."""

    def __init__(self, *, opener: Callable[[], BinaryIO], size: int) -> None:
        self._opener = opener
        self.size = size

    @classmethod
    def from_bytes(cls, data: bytes) -> "FileSource":
        return cls(opener=lambda: io.BytesIO(data), size=len(data))

    @classmethod
    def from_path(cls, path: Path) -> "FileSource":
        """A file on disk (`manage.py import_catalog`); OSError if it cannot be read."""
        return cls(opener=lambda: path.open("rb"), size=path.stat().st_size)

    def open(self) -> BinaryIO:
        """A new binary handle at the start of the file; the caller closes it."""
        return self._opener()

    def head(self, size: int) -> bytes:
        with self.open() as handle:
            return handle.read(size)

    def chunks(self, size: int = CHUNK_BYTES) -> Iterator[bytes]:
        with self.open() as handle:
            while chunk := handle.read(size):
                yield chunk


def as_source(data: "bytes | FileSource") -> FileSource:
    return data if isinstance(data, FileSource) else FileSource.from_bytes(data)


@dataclass(frozen=True)
class Undecodable:
    """The first byte a codec cannot read: its offset in the file, value and line."""

    offset: int
    byte: int
    line: int


def first_undecodable(source: FileSource, encoding: str, *, skip: int = 0) -> Undecodable | None:
    """Where the file stops being `encoding` text (after its first `skip` bytes, e.g. a
    byte-order mark), decoded chunk by chunk; None if it is that text throughout."""
    decoder = codecs.getincrementaldecoder(encoding)()
    position = 0  # file offset of the next byte to decode
    lines = 0  # line breaks before it
    for index, chunk in enumerate(source.chunks()):
        if index == 0:
            chunk = chunk[skip:]
            position = skip
        pending = decoder.getstate()[0]  # the previous chunk's unfinished character
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as error:
            return _undecodable(error, pending, chunk, position, lines)
        position += len(chunk)
        lines += chunk.count(b"\n")
    pending = decoder.getstate()[0]
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        return _undecodable(error, pending, b"", position, lines)
    return None


def _undecodable(
    error: UnicodeDecodeError, pending: bytes, chunk: bytes, position: int, lines: int
) -> Undecodable:
    # The codec saw the pending bytes (already counted in `lines`), then the chunk, which
    # starts at file offset `position`.
    seen = pending + chunk
    return Undecodable(
        offset=position - len(pending) + error.start,
        byte=seen[error.start],
        line=lines + chunk.count(b"\n", 0, max(error.start - len(pending), 0)) + 1,
    )
