"""What an import found: totals per kind, a few samples of each, and every error kept."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SAMPLES_PER_KIND = 10
# A value in a sample is shortened to about this many characters, between words.
VALUE_CHARACTERS = 60
# A single word longer than this (no text of a column this project imports) is cut anyway.
LONGEST_WORD = 200
MAX_ERRORS_KEPT = 1000

NEW, UPDATE, SKIP, INVALID = "new", "update", "skip", "invalid"
KIND_LABELS = {NEW: "new", UPDATE: "updated", SKIP: "unchanged", INVALID: "invalid"}


@dataclass(frozen=True)
class RowError:
    row: int | None  # 1 is the header row; None for problems with the file as a whole
    column: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"Row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        if self.value is not None:
            where.append(f"value '{self.value}'")
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass(frozen=True)
class RowSample:
    row: int
    key: str
    details: str  # the values of a new row, or "field: old → new" for an updated one


@dataclass
class ImportReport:
    model_name: str
    dry_run: bool
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KIND_LABELS, 0))
    samples: dict[str, list[RowSample]] = field(
        default_factory=lambda: {kind: [] for kind in KIND_LABELS}
    )
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how the file was read, for the preview
    error_count: int = 0
    written: bool = False

    @property
    def has_errors(self) -> bool:
        return self.error_count > 0

    @property
    def errors_not_shown(self) -> int:
        return self.error_count - len(self.errors)

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(error)

    def add_file_error(self, message: str) -> None:
        """A problem with the file as a whole: no row, column or value to name."""
        self.add_error(RowError(None, None, None, message))

    def count(self, kind: str, row: int, key: str, details: Callable[[], str]) -> None:
        """Count a row; describe it (details() is only called) while samples are wanted."""
        self.totals[kind] += 1
        if len(self.samples[kind]) < SAMPLES_PER_KIND:
            self.samples[kind].append(RowSample(row, key, details()))

    def summary(self) -> str:
        return ", ".join(f"{self.totals[kind]} {label}" for kind, label in KIND_LABELS.items())

    def kinds(self) -> list[tuple[str, str, int, list[RowSample]]]:
        """(kind, label, total, samples) for templates."""
        return [
            (kind, label, self.totals[kind], self.samples[kind])
            for kind, label in KIND_LABELS.items()
        ]


# (field name, value) -> (the name and the text the preview shows); Importer.shown.
Shown = Callable[[str, Any], tuple[str, str]]


def shorten(text: str, limit: int = VALUE_CHARACTERS) -> str:
    """The text, or its first words within `limit` characters and '…': never cut mid-word
    (a first word over `limit` stays whole up to LONGEST_WORD characters)."""
    text = " ".join(text.split())  # line breaks and runs of spaces read as one space
    if len(text) <= limit:
        return text
    cut = max((match.start() for match in re.finditer(" ", text[: limit + 1])), default=0)
    if cut == 0:
        word = text.split(" ", 1)[0]
        return word if len(word) <= LONGEST_WORD else word[:LONGEST_WORD] + "…"
    return text[:cut] + " …"


def describe_new(values: dict[str, Any], shown: Shown) -> str:
    return ", ".join("{}={}".format(*_shown(shown, name, value)) for name, value in values.items())


def describe_changes(changes: dict[str, tuple[Any, Any]], shown: Shown) -> str:
    parts = []
    for name, (old, new) in changes.items():
        label, old_text = _shown(shown, name, old)
        _label, new_text = _shown(shown, name, new)
        parts.append(f"{label}: {old_text} → {new_text}")
    return "; ".join(parts)


def _shown(shown: Shown, name: str, value: Any) -> tuple[str, str]:
    label, text = shown(name, value)
    return label, shorten(text)
