"""Celery beat's sweep of jobs whose worker stopped (docs/architecture.md#background-jobs).

A running job shows its worker is alive by `progress_at`: each step's start and every
progress write (at most 0.5 s apart while rows move). A worker killed on its own is replaced
and the late-acknowledged message re-delivered at once; the import runs again (imports.py).
What that leaves is a job nobody will finish: a validation whose re-delivery finds it
`validating` already and stops, an export likewise, an import whose message is gone or
waits out Redis's visibility timeout (6 h) after its host was lost. Such a job, silent for
BACKOFFICE_JOB_STALLED_MINUTES, is failed with a message saying so, and its upload removed.
An import is failed only while no import of its model holds the engine's lock (PostgreSQL):
one that does is alive, whatever its progress says. On SQLite a running import holds the
database's write lock, so the sweep's UPDATE waits for it to commit, and then finds it done.
Every write is a conditional UPDATE on the status and the silence, so a worker that comes
back to life meanwhile keeps its job.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from backoffice.kit.db import transaction_lock_try

from .imports import remove_upload
from .models import ExportJob, ImportJob

STALLED_MESSAGES = {
    ImportJob.Status.VALIDATING: (
        "Checking the file stopped: its worker showed no progress for {minutes} minutes (it "
        "was stopped or lost). Nothing was written; upload the file again."
    ),
    ImportJob.Status.IMPORTING: (
        "The import stopped: its worker showed no progress for {minutes} minutes (it was "
        "stopped or lost). Nothing was written (the import is one transaction); upload the "
        "file again."
    ),
    ExportJob.Status.EXPORTING: (
        "The export stopped: its worker showed no progress for {minutes} minutes (it was "
        "stopped or lost). Export again."
    ),
}


def jobs_stalled_fail(*, stalled_for: timedelta | None = None) -> int:
    """Fail the running jobs silent for longer than `stalled_for`; return how many."""
    if stalled_for is None:
        stalled_for = timedelta(minutes=settings.BACKOFFICE_JOB_STALLED_MINUTES)
    cutoff = timezone.now() - stalled_for
    minutes = round(stalled_for.total_seconds() / 60)
    failed = 0
    running = (ImportJob.Status.VALIDATING, ImportJob.Status.IMPORTING)
    for job in ImportJob.objects.filter(_silent_since(cutoff), status__in=running):
        if job.status == ImportJob.Status.IMPORTING and _import_running(job):
            continue
        if _fail(ImportJob, job, cutoff, minutes):
            remove_upload(job)
            failed += 1
    exporting = ExportJob.objects.filter(_silent_since(cutoff), status=ExportJob.Status.EXPORTING)
    for job in exporting:
        failed += _fail(ExportJob, job, cutoff, minutes)
    return failed


def _silent_since(cutoff) -> Q:
    """No sign of life since `cutoff`: the last progress, else the start, else the creation."""
    return (
        Q(progress_at__lt=cutoff)
        | Q(progress_at__isnull=True, started_at__lt=cutoff)
        | Q(progress_at__isnull=True, started_at__isnull=True, created_at__lt=cutoff)
    )


def _fail(model: type[ImportJob | ExportJob], job, cutoff, minutes: int) -> int:
    # Still in the same state and still silent: a worker that wrote meanwhile keeps its job.
    return model.objects.filter(_silent_since(cutoff), pk=job.pk, status=job.status).update(
        status=model.Status.FAILED,
        finished_at=timezone.now(),
        message=STALLED_MESSAGES[job.status].format(minutes=minutes),
    )


def _import_running(job: ImportJob) -> bool:
    """Whether a confirmed import of the job's model holds the engine's lock right now."""
    try:
        importer = import_string(job.importer)
    except ImportError:
        return False  # an importer that no longer exists runs nowhere
    with transaction.atomic():
        return not transaction_lock_try(name=importer.lock_name(), wait_seconds=0)
