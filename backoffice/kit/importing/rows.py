"""The engine's row loop: header, each row parsed and checked, duplicates, chunks compared
with stored rows and classified new / updated / unchanged / invalid
(docs/architecture.md#the-import-engine).

`RowPipeline` is the base of `engine.Importer`, and works through the hooks Importer
declares (key, columns, match_key, duplicate_keys, existing, prepare, new_instance, changes,
apply, shown, write, finish); it holds no state of its own beyond the header's layout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from django.db.models import Model

from backoffice.kit.db import IDS_PER_QUERY

from .checks import cell_check, printable
from .columns import HeaderLayout, ParsedRow, header_layout
from .parsing import cell_text
from .reading import ImportFileError
from .report import (
    INVALID,
    NEW,
    SKIP,
    UPDATE,
    ImportReport,
    RowError,
    describe_changes,
    describe_new,
)
from .seen_keys import SeenKeys, key_bytes

# Rows per chunk: keys are looked up with one IN (...) list per chunk.
CHUNK_SIZE = IDS_PER_QUERY


class RowPipeline:
    # Rows per chunk (tests make it small to cross chunk boundaries).
    chunk_size: int = CHUNK_SIZE

    def _run(
        self,
        table: Iterator[tuple[int, list[Any]]],
        report: ImportReport,
        progress: Callable[[int], None] | None,
    ) -> None:
        first = next(table, None)
        if first is None:
            raise ImportFileError("The file is empty.")
        layout = self._read_header(first[1])
        report.notes.extend(layout.notes(plural=self._plural()))
        with SeenKeys() as seen:
            parsed: list[ParsedRow] = []
            data_rows = 0
            for number, cells in table:
                if not "".join(map(str, cells)).strip():
                    continue  # blank lines (a trailing newline, spreadsheet padding)
                data_rows += 1
                row = self._parse(number, cells, report)
                if row is None:
                    report.totals[INVALID] += 1
                    continue
                parsed.append(row)
                if len(parsed) == self.chunk_size:
                    self._process_unseen(parsed, seen, report, progress)
                    parsed = []
            if parsed:
                self._process_unseen(parsed, seen, report, progress)
        # In row order: a chunk's cells are checked as read, its keys and rules after.
        report.errors.sort(key=lambda error: error.row or 0)
        if not (report.has_errors or report.dry_run):
            self.finish()
        if not data_rows:
            raise ImportFileError("The file has a header row but no data rows.")

    def _read_header(self, header: list[Any]) -> HeaderLayout:
        layout = header_layout(
            header,
            model=self.model,
            columns=self.columns,
            refused=self.refused_columns,
            mapping=self.column_mapping,
        )
        self._layout = [
            (column, layout.positions[column.name], cell_check(self.model, column.name))
            for column in self.columns
            if column.name in layout.positions
        ]
        self._width = layout.width
        return layout

    def _parse(self, number: int, cells: list[Any], report: ImportReport) -> ParsedRow | None:
        values: dict[str, Any] = {}
        valid = True
        width = len(cells)
        for column, position, check in self._layout:
            raw = cells[position] if position < width else ""
            text = cell_text(raw)
            if not text:
                if column.required:
                    report.add_error(RowError(number, column.name, text, "This value is required."))
                    valid = False
                    continue
                if column.empty_means_unset:
                    continue
            try:
                value = column.parse(raw)
                check(value)
            except ValueError as error:
                report.add_error(RowError(number, column.name, printable(text), str(error)))
                valid = False
            else:
                values[column.name] = value
        if width > self._width and "".join(map(str, cells[self._width :])).strip():
            report.add_error(RowError(number, None, None, "More cells than header columns."))
            valid = False
        return ParsedRow(number, values) if valid else None

    def _process_unseen(
        self,
        parsed: list[ParsedRow],
        seen: SeenKeys,
        report: ImportReport,
        progress: Callable[[int], None] | None,
    ) -> None:
        """Processes the rows whose key no earlier row of the file had (the others are
        duplicates, named with the row that had it first): neither as match_key folds it (two
        such rows would both match one stored row) nor as duplicate_keys does."""
        keys = [row.values[self.key] for row in parsed]
        duplicate_keys = self.duplicate_keys(keys)
        chunk = []
        for index, (row, key) in enumerate(zip(parsed, keys, strict=True)):
            first_row = seen.first_row(self.match_key(key), row.number)
            if first_row == row.number and duplicate_keys is not None:
                # Kept apart from the match keys: b"\0" starts no key's text.
                first_row = seen.first_row(b"\0" + key_bytes(duplicate_keys[index]), row.number)
            if first_row != row.number:
                message = f"Duplicate: the same {self.key} is on row {first_row}."
                report.add_error(RowError(row.number, self.key, key, message))
                report.totals[INVALID] += 1
                continue
            chunk.append(row)
        if chunk:
            self._process(chunk, report)
            if progress:
                progress(len(chunk))

    def _process(self, chunk: list[ParsedRow], report: ImportReport) -> None:
        keys = [row.values[self.key] for row in chunk]
        match = self.match_key
        loaded = self.existing(keys)
        existing = {match(getattr(instance, self.key)): instance for instance in loaded}
        for row in chunk:
            row.instance = existing.get(match(row.values[self.key]))
        rows = self.prepare(chunk, report)
        report.totals[INVALID] += len(chunk) - len(rows)
        created: list[Any] = []
        updated: list[Model] = []
        fields: set[str] = set()
        for row in rows:
            key = str(row.values[self.key])
            if row.instance is None:
                created.append(self.new_instance(row.values))
                report.count(NEW, row.number, key, partial(describe_new, row.values, self.shown))
                continue
            changes = self.changes(row.instance, row.values)
            if not changes:
                report.count(SKIP, row.number, key, str)
                continue
            self.apply(row.instance, changes)
            fields.update(changes)
            updated.append(row.instance)
            report.count(UPDATE, row.number, key, partial(describe_changes, changes, self.shown))
        # A rejected file is still validated to the end, not written; a dry run only counts.
        if not (report.has_errors or report.dry_run):
            self.write(created, updated, fields)
