"""An importer's columns, and how a file's header row maps onto them: by our column names
or the fields' verbose names (any case), or by a mapping a person chose; other columns are
ignored with a note (docs/architecture.md#column-mapping)."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
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
    # Headers suppliers write for this column ("Qty" for stock); the mapping step's
    # suggestions compare a file's headers with these as well as with the column's names.
    aliases: tuple[str, ...] = ()


@dataclass
class ParsedRow:
    number: int
    values: dict[str, Any]
    instance: Model | None = None


@dataclass
class HeaderLayout:
    """Where each imported column is in the file, and the file's columns nobody reads."""

    positions: dict[str, int]
    width: int
    ignored: list[str] = field(default_factory=list)
    mapped: dict[str, str] = field(default_factory=dict)  # column -> the file's header

    def notes(self, *, plural: str) -> list[str]:
        notes = []
        if self.mapped:
            chosen = ", ".join(f"'{header}' as {name}" for name, header in self.mapped.items())
            notes.append(f"Read with your column mapping: {chosen}.")
        notes += [
            f"Ignored column '{name}': no field of {plural} is read from it."
            for name in self.ignored[:UNKNOWN_LISTED]
        ]
        if len(self.ignored) > UNKNOWN_LISTED:
            notes.append(f"… and {len(self.ignored) - UNKNOWN_LISTED} more ignored columns.")
        return notes


def header_key(text: Any) -> str:
    """How two headers are compared: trimmed, without a byte-order mark, any case."""
    return cell_text(text).lstrip("\ufeff").strip().lower()


def header_titles(header: Sequence[Any]) -> list[str]:
    """The header's cells as the file writes them, without the empty cells that
    spreadsheets pad it with."""
    titles = [cell_text(cell).lstrip("\ufeff").strip() for cell in header]
    while titles and not titles[-1]:
        titles.pop()
    return titles


def verbose_name(model: type[Model], name: str) -> str | None:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return None


def own_names(model: type[Model], columns: Sequence[Column]) -> dict[str, str]:
    """Header (compared by header_key) -> column, for the headers that are ours: the
    column names, then the fields' verbose names ("SKU", "Active")."""
    names: dict[str, str] = {}
    for column in columns:
        names[header_key(column.name)] = column.name
    for column in columns:
        verbose = verbose_name(model, column.name)
        if verbose:
            names.setdefault(header_key(verbose), column.name)
    return names


def header_layout(
    header: Sequence[Any],
    *,
    model: type[Model],
    columns: Sequence[Column],
    refused: Mapping[str, str],
    mapping: Mapping[str, str] | None = None,
) -> HeaderLayout:
    """Which file column each imported column reads: the mapping's choice when there is a
    mapping, else the header that is ours; ImportFileError naming every problem."""
    titles = header_titles(header)
    keys = [header_key(title) for title in titles]
    problems = [
        f"Column '{printable(key[:100])}' cannot be imported: {refused[key]}"
        for key in keys
        if key in refused
    ]
    positions: dict[str, int] = {}
    mapped: dict[str, str] = {}
    chosen = {name for name, header in (mapping or {}).items() if header}
    if mapping:
        for column in columns:
            header = mapping.get(column.name)
            if not header:
                continue
            if header_key(header) not in keys:
                problems.append(
                    f"The column '{printable(header[:100])}' chosen for {column.name} is not in "
                    f"the file."
                )
                continue
            positions[column.name] = keys.index(header_key(header))
            mapped[column.name] = printable(titles[positions[column.name]][:100])
        # One column read as two fields (the mapping form refuses it; --map reaches here).
        fields_at: dict[int, list[str]] = {}
        for name, position in positions.items():
            fields_at.setdefault(position, []).append(name)
        problems += [
            f"The column '{printable(titles[position][:100])}' is chosen for "
            f"{' and '.join(names)}; choose it for one of them only."
            for position, names in fields_at.items()
            if len(names) > 1
        ]
    else:
        ours = own_names(model, columns)
        for position, key in enumerate(keys):
            name = ours.get(key)
            if name is None:
                continue
            if name in positions:
                first = titles[positions[name]]
                if header_key(first) != key:  # the same header twice is reported below
                    problems.append(
                        f"Columns '{printable(first[:100])}' and "
                        f"'{printable(titles[position][:100])}' both hold {name}; keep one."
                    )
                continue
            positions[name] = position
    problems += [
        f"Column '{printable(keys[position][:100])}' appears more than once."
        for position in positions.values()
        if keys.count(keys[position]) > 1
    ]
    required = [column.name for column in columns if column.required]
    # A mapped column missing from the file is reported above, by the header chosen.
    missing = [name for name in required if name not in positions and name not in chosen]
    if missing:
        known = ", ".join(column.name for column in columns)
        problems.append(
            f"Missing required column(s): {', '.join(missing)}. Expected columns: {known}."
        )
    if problems:
        raise ImportFileError(" ".join(dict.fromkeys(problems)))
    used = set(positions.values())
    ignored = [
        printable(title[:100]) if title else f"#{position + 1} (no header)"
        for position, title in enumerate(titles)
        if position not in used and keys[position] not in refused
    ]
    return HeaderLayout(positions=positions, width=len(titles), ignored=ignored, mapped=mapped)


def headers_read(importer: Any, names: Sequence[str]) -> list[str]:
    """The file headers (as header_key compares them) an importer reads these columns from:
    its column mapping's choices, or our own names (for the delimiter and decimal mark)."""
    mapping = importer.column_mapping
    if mapping:
        return [header_key(mapping[name]) for name in names if mapping.get(name)]
    ours = own_names(importer.model, importer.columns)
    return [header for header, name in ours.items() if name in names]
