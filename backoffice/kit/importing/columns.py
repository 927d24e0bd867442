"""An importer's columns, and how a file's header row maps onto them."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Model

from .checks import printable
from .errors import ImportFileError
from .parsing import cell_text

# A header of hundreds of unknown names gets the first few listed, not all of them.
UNKNOWN_LISTED = 10


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[Any], Any]
    required: bool = False
    # An empty cell in an optional column means "leave as is" (new rows get the default).
    empty_means_unset: bool = True


@dataclass
class ParsedRow:
    number: int
    values: dict[str, Any]
    instance: Model | None = None


def header_positions(
    header: list[Any], *, known: Sequence[str], required: Sequence[str], refused: dict[str, str]
) -> dict[str, int]:
    """Column name -> position in the row; ImportFileError naming every problem."""
    names = [cell_text(cell).lstrip("\ufeff").strip().lower() for cell in header]
    while names and not names[-1]:
        names.pop()  # spreadsheets pad the header with empty cells
    expected = f"Expected columns: {', '.join(known)}."
    problems = []
    unknown = []
    for name in names:
        if name in refused:
            problems.append(f"Column '{name}' cannot be imported: {refused[name]}")
        elif name not in known:
            unknown.append(printable(name[:100]))
    for name in unknown[:UNKNOWN_LISTED]:
        problems.append(f"Unknown column '{name}'. {expected}")
    if len(unknown) > UNKNOWN_LISTED:
        problems.append(f"… and {len(unknown) - UNKNOWN_LISTED} more unknown columns.")
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    duplicates = sorted(printable(name[:100]) for name, count in counts.items() if count > 1)
    problems += [f"Column '{name}' appears more than once." for name in duplicates]
    missing = [name for name in required if name not in names]
    if missing:
        problems.append(f"Missing required column(s): {', '.join(missing)}. {expected}")
    if problems:
        raise ImportFileError(" ".join(problems))
    return {name: position for position, name in enumerate(names)}
