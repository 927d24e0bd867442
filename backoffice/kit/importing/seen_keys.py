"""The keys a file has shown so far and the row each first appeared on: how the engine finds
a duplicate key, exactly, whatever the file's length (docs/architecture.md#the-import-engine).

The keys live in a private SQLite database of Python's sqlite3 module, opened on a temporary
file that SQLite deletes when it is closed: its page cache is bounded (CACHE_KIB), and what
does not fit is spilled to that file. A 1M-row file's keys cost the worker a few MB of memory
instead of the ~110 MB of a dict of strings, at ~3 µs a key. Keys compare by their exact
bytes (the importer's match_key has already folded them, e.g. SKUs to upper case).
"""

import sqlite3
from typing import Any

# The page cache's upper bound; SQLite spills the rest to its temporary file.
CACHE_KIB = 8 * 1024


def key_bytes(key: Any) -> bytes:
    """Keys compare by their text (one importer's keys are all of one type)."""
    if isinstance(key, bytes):
        return key
    return (key if isinstance(key, str) else repr(key)).encode("utf-8", "surrogatepass")


class SeenKeys:
    """`with SeenKeys() as seen:` … `seen.first_row(key, row)`; closing removes the file."""

    def __init__(self) -> None:
        # "" is SQLite's private temporary database on disk (not ":memory:", which would
        # hold every page in memory).
        self._db = sqlite3.connect("")
        self._db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute("CREATE TABLE seen (key BLOB PRIMARY KEY, row INTEGER) WITHOUT ROWID")
        self._count = 0

    def __enter__(self) -> "SeenKeys":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def __len__(self) -> int:
        return self._count

    def first_row(self, key: Any, row: int) -> int:
        """The row the key was first seen on; `row` (and it is remembered) if it is new."""
        data = key_bytes(key)
        if self._db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (data, row)).rowcount:
            self._count += 1
            return row
        return self._db.execute("SELECT row FROM seen WHERE key = ?", (data,)).fetchone()[0]
