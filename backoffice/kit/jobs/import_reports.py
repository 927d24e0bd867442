"""An import job's report on its row (totals, samples, the first errors), written from the
engine's ImportReport and read back as one for the import page; the row estimate of a CSV
file (docs/architecture.md#background-jobs)."""

from dataclasses import asdict
from typing import Any

from backoffice.kit.importing.reading import format_for
from backoffice.kit.importing.report import (
    INVALID,
    KIND_LABELS,
    NEW,
    SKIP,
    UPDATE,
    ImportReport,
    RowError,
    RowSample,
)
from backoffice.kit.importing.source import FileSource, as_source

from .models import ImportJob

UNEXPECTED = "The import stopped on an unexpected error; nothing was written."
_TOTAL_FIELDS = {
    NEW: "total_new",
    UPDATE: "total_updated",
    SKIP: "total_unchanged",
    INVALID: "total_invalid",
}


def report_fields(report: ImportReport) -> dict[str, Any]:
    rows = sum(report.totals.values())
    return {
        **{field: report.totals[kind] for kind, field in _TOTAL_FIELDS.items()},
        "rows_total": rows,
        "rows_done": rows,
        "error_count": report.error_count,
        "notes": list(report.notes),
        "errors": [asdict(error) for error in report.errors],
        "samples": {
            kind: [asdict(sample) for sample in samples] for kind, samples in report.samples.items()
        },
    }


def import_job_report(job: ImportJob) -> ImportReport:
    """The preview or result of a validated job, as the import page shows a report."""
    return ImportReport(
        model_name=str(job.content_type.model_class()._meta.verbose_name_plural),
        dry_run=job.status != ImportJob.Status.DONE,
        totals={kind: getattr(job, field) for kind, field in _TOTAL_FIELDS.items()},
        samples={
            kind: [RowSample(**sample) for sample in job.samples.get(kind, [])]
            for kind in KIND_LABELS
        },
        errors=[RowError(**error) for error in job.errors],
        error_count=job.error_count,
        notes=list(job.notes),
        written=job.status == ImportJob.Status.DONE,
    )


def estimate_rows(data: bytes | FileSource, name: str) -> int | None:
    """Data rows of a CSV file by its line breaks (exact unless cells hold line breaks),
    counted chunk by chunk; None for XLSX, whose rows are known once read."""
    if format_for(name) != "csv":
        return None
    lines, last = 0, b""
    for chunk in as_source(data).chunks():
        lines += chunk.count(b"\n")
        last = chunk[-1:]
    lines += 0 if last in (b"\n", b"") else 1
    return max(lines - 1, 0)
