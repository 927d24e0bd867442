"""What the databases and the export formats accept, checked on every parsed cell.

The preview refuses what the confirm's database would refuse, the same on SQLite and
PostgreSQL: integers outside their column's portable range (SQLite stores 64-bit integers
where PostgreSQL's integer stops at 2,147,483,647) and text with control characters that
PostgreSQL (NUL) or XLSX (C0 controls but tab, newline and carriage return) cannot hold
(docs/architecture.md#the-import-engine).
"""

import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import Model

# The characters openpyxl refuses to write (its ILLEGAL_CHARACTERS_RE), NUL among them.
ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def printable(text: str) -> str:
    """Text with its control characters spelt out (\\x00), for messages."""
    return ILLEGAL_CHARACTERS.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def check_text(text: str) -> None:
    match = ILLEGAL_CHARACTERS.search(text)
    if match:
        raise ValueError(
            f"Contains the control character \\x{ord(match.group()):02x}, which the database "
            "or a spreadsheet cannot store; remove it."
        )


def cell_check(model: type[Model], name: str) -> Callable[[Any], None]:
    """A check of one column's parsed values against what its model field can store."""
    try:
        internal_type = model._meta.get_field(name).get_internal_type()
    except FieldDoesNotExist:
        internal_type = None
    # The base ranges are the portable ones (SQLite's own operations widen them to 64 bits).
    low, high = BaseDatabaseOperations.integer_field_ranges.get(internal_type, (None, None))

    def check(value: Any) -> None:
        if type(value) is str:
            check_text(value)
        elif type(value) is int and low is not None:
            if value > high:
                raise ValueError(f"At most {high:,} (the largest number this column holds).")
            if value < low:
                raise ValueError(f"At least {low:,} (the smallest number this column holds).")
        elif isinstance(value, frozenset):
            for item in value:
                check_text(item)

    return check
