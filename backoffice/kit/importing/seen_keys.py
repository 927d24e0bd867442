"""The keys a file has shown so far and the row each first appeared on: how the engine finds
a duplicate key, exactly, in ~35 bytes per key instead of the ~110 of a dict of strings
(1M SKUs: ~35 MB instead of ~110 MB; docs/architecture.md#the-import-engine).

An open-addressing hash table over flat arrays: per key its hash, first row and the end of
its bytes in one shared bytearray; slots hold entry numbers. A hash match is confirmed by
comparing the bytes, so two different keys are never taken for the same.
"""

from array import array
from typing import Any

FIRST_SLOTS = 1024
EMPTY = -1


def key_bytes(key: Any) -> bytes:
    """Keys compare by their text (one importer's keys are all of one type)."""
    if isinstance(key, bytes):
        return key
    return (key if isinstance(key, str) else repr(key)).encode("utf-8", "surrogatepass")


class SeenKeys:
    def __init__(self) -> None:
        self._slots = array("i", [EMPTY]) * FIRST_SLOTS
        self._hashes = array("q")
        self._rows = array("I")
        self._ends = array("Q")
        self._keys = bytearray()

    def __len__(self) -> int:
        return len(self._rows)

    def first_row(self, key: Any, row: int) -> int:
        """The row the key was first seen on; `row` (and it is remembered) if it is new."""
        data = key_bytes(key)
        digest = hash(data)
        slots, hashes, mask = self._slots, self._hashes, len(self._slots) - 1
        slot = digest & mask
        while (entry := slots[slot]) != EMPTY:
            if hashes[entry] == digest and self._key(entry) == data:
                return self._rows[entry]
            slot = (slot + 1) & mask
        slots[slot] = len(self._rows)
        hashes.append(digest)
        self._rows.append(row)
        self._keys += data
        self._ends.append(len(self._keys))
        if len(self._rows) * 10 > len(slots) * 7:  # keep probe runs short
            self._grow()
        return row

    def _key(self, entry: int) -> bytearray:
        start = self._ends[entry - 1] if entry else 0
        return self._keys[start : self._ends[entry]]

    def _grow(self) -> None:
        slots = array("i", [EMPTY]) * (2 * len(self._slots))
        mask = len(slots) - 1
        for entry, digest in enumerate(self._hashes):
            slot = digest & mask
            while slots[slot] != EMPTY:
                slot = (slot + 1) & mask
            slots[slot] = entry
        self._slots = slots
