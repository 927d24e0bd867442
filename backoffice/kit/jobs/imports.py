"""The import job's life: created by an upload, validated and imported by a worker
(docs/architecture.md#background-jobs).

queued → validating → ready (the preview) → importing → done; failed when the file is
rejected or the import cannot finish; cancelled by a person before the import starts. Every
transition is a conditional UPDATE on the status, so a second delivery of a task, a double
click or a cancel racing a worker changes nothing twice. The confirmed import is one
transaction that also marks the job done: a worker killed half-way leaves no row written
and the job still `importing`, and the re-delivered task imports the file again from the
start, exactly once.
"""

import contextlib
import logging
from datetime import timedelta
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from backoffice.kit.actor import acting_as
from backoffice.kit.admin_log import CHANGE, admin_log_entry
from backoffice.kit.importing.engine import Importer, file_import
from backoffice.kit.importing.report import ImportReport
from backoffice.kit.importing.source import FileSource, as_source
from backoffice.kit.importing.storage import ImportUploadStorage

from .import_reports import UNEXPECTED, estimate_rows, report_fields
from .models import ImportJob
from .progress import JobCancelled, ProgressWriter
from .rules import job_author_refusal

logger = logging.getLogger(__name__)
Status = ImportJob.Status

# A confirmed import whose worker died this many times is failed instead of retried.
MAX_IMPORT_ATTEMPTS = 3
# The author is emailed about an import that took longer than this.
EMAIL_AFTER = timedelta(minutes=1)


def import_job_create(
    *,
    user: AbstractBaseUser | None,
    importer: Importer,
    upload: str = "",
    file_name: str,
    file_size: int,
    source: str = ImportJob.Source.ADMIN,
    status: str = Status.QUEUED,
    mapping: dict[str, str] | None = None,
) -> ImportJob:
    """A new job, or the live job that already holds this upload (a second post of the
    same mapping step: the models' one-live-job-per-upload constraint)."""
    importer_class = type(importer)
    try:
        with transaction.atomic():
            return ImportJob.objects.create(
                created_by=user,
                content_type=ContentType.objects.get_for_model(importer_class.model),
                importer=f"{importer_class.__module__}.{importer_class.__qualname__}",
                upload=upload,
                file_name=file_name,
                file_size=file_size,
                source=source,
                status=status,
                started_at=timezone.now() if status != Status.QUEUED else None,
                mapping=mapping or {},
            )
    except IntegrityError:
        live = (
            ImportJob.objects.filter(upload=upload, status__in=ImportJob.LIVE).first()
            if upload
            else None
        )
        if live is None:
            raise
        return live


def import_job_validate(*, job_id: int) -> None:
    """The worker's first step: a dry run of the whole file, then ready (or failed)."""
    if not ImportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(
        status=Status.VALIDATING, started_at=timezone.now()
    ):
        return  # validated already, or cancelled
    job = ImportJob.objects.get(pk=job_id)
    data = _read_upload(job, from_status=Status.VALIDATING)
    if data is None:
        return
    ImportJob.objects.filter(pk=job_id).update(
        rows_total=estimate_rows(data, job.file_name), progress_at=timezone.now()
    )
    progress = ProgressWriter(model=ImportJob, pk=job_id, status=Status.VALIDATING)
    try:
        report = file_import(
            importer=_importer(job), data=data, name=job.file_name, dry_run=True, progress=progress
        )
    except JobCancelled:
        remove_upload(job)
        return
    except Exception:
        logger.exception("Validation of import job %s failed", job_id)
        _finish(job, from_status=Status.VALIDATING, status=Status.FAILED, message=UNEXPECTED)
        raise
    status = Status.FAILED if report.has_errors else Status.READY
    if not _finish(job, from_status=Status.VALIDATING, status=status, report=report):
        remove_upload(job)  # cancelled at the last moment
    elif report.has_errors:
        remove_upload(job)


def import_job_confirm(*, job_id: int, user: AbstractBaseUser) -> bool:
    """The author confirms the preview: the import is queued; False if it was not ready."""
    from .queue import enqueue_after_commit
    from .tasks import import_job_run_task

    if not ImportJob.objects.filter(pk=job_id, created_by=user, status=Status.READY).update(
        status=Status.IMPORTING, rows_done=0
    ):
        return False
    enqueue_after_commit(import_job_run_task, job_id)
    return True


def import_job_run(*, job_id: int) -> None:
    """The worker's second step: the confirmed import, in one transaction with its result."""
    now = timezone.now()
    if not ImportJob.objects.filter(pk=job_id, status=Status.IMPORTING).update(
        attempts=F("attempts") + 1, started_at=now, progress_at=now
    ):
        return  # done, failed or cancelled already: a second delivery changes nothing
    job = ImportJob.objects.get(pk=job_id)
    if job.attempts > MAX_IMPORT_ATTEMPTS:
        message = (
            f"The import stopped {job.attempts - 1} times before it could finish (the worker "
            "was interrupted); nothing was written. Upload the file again."
        )
        _finish(job, from_status=Status.IMPORTING, status=Status.FAILED, message=message)
        remove_upload(job)
        return
    data = _read_upload(job, from_status=Status.IMPORTING)
    if data is None:
        return
    # Inside a caller's transaction (eager tests) a second connection would not see the job.
    progress = ProgressWriter(
        model=ImportJob,
        pk=job_id,
        status=Status.IMPORTING,
        separate_connection=not connection.in_atomic_block,
    )
    try:
        # The stock ledger and deletion records name the author as the actor, as in a request.
        with acting_as(job.created_by), transaction.atomic():
            report = file_import(
                importer=_importer(job),
                data=data,
                name=job.file_name,
                dry_run=False,
                progress=progress,
            )
            status = Status.FAILED if report.has_errors else Status.DONE
            if not _finish(job, from_status=Status.IMPORTING, status=status, report=report):
                # Another delivery finished it meanwhile: roll these writes back.
                transaction.set_rollback(True)
                return
            if status == Status.DONE:  # one Recent actions entry for the file, not per row
                admin_log_entry(
                    user=job.created_by,
                    model=job.content_type.model_class(),
                    action_flag=CHANGE,
                    object_repr=f"Import of {job.file_name}",
                    message=f"Imported {job.file_name}: {report.summary()} {report.model_name}.",
                )
    except Exception:
        logger.exception("Import job %s failed", job_id)
        _finish(job, from_status=Status.IMPORTING, status=Status.FAILED, message=UNEXPECTED)
        raise
    finally:
        progress.close()
    remove_upload(job)
    _notify_author(job_id)


def import_job_cancel(*, job: ImportJob, keep_upload: bool = False) -> bool:
    """Cancel a job that has not started importing; False if it is too late. keep_upload:
    the upload goes on to a new job (its columns matched again, #column-mapping)."""
    handed_over = {"upload": ""} if keep_upload else {}
    cancelled = ImportJob.objects.filter(pk=job.pk, status__in=ImportJob.CANCELLABLE).update(
        status=Status.CANCELLED, finished_at=timezone.now(), **handed_over
    )
    if cancelled and job.status != Status.VALIDATING and not keep_upload:
        remove_upload(job)  # a validating worker removes it when it notices
    return bool(cancelled)


def import_job_record(
    *, user: AbstractBaseUser | None, importer: Importer, data: bytes | FileSource, name: str,
    dry_run: bool, progress=None,
) -> tuple[ImportJob, ImportReport]:  # fmt: skip
    """An import run here and now (`manage.py import_catalog`), recorded as a job."""
    data = as_source(data)
    job = import_job_create(
        user=user,
        importer=importer,
        file_name=name,
        file_size=data.size,
        source=ImportJob.Source.COMMAND,
        status=Status.VALIDATING if dry_run else Status.IMPORTING,
        mapping=importer.column_mapping,
    )
    ImportJob.objects.filter(pk=job.pk).update(rows_total=estimate_rows(data, name))
    importer.reference = f"import job {job.pk}"
    report = file_import(
        importer=importer, data=data, name=name, dry_run=dry_run, progress=progress
    )
    message = "Dry run (--dry-run): checked, nothing written." if dry_run else ""
    status = Status.FAILED if report.has_errors else Status.DONE
    _finish(job, from_status=job.status, status=status, report=report, message=message)
    job.refresh_from_db()
    return job, report


# --- helpers -------------------------------------------------------------------------------


def _importer(job: ImportJob) -> Importer:
    importer_class = import_string(job.importer)
    if not (isinstance(importer_class, type) and issubclass(importer_class, Importer)):
        raise TypeError(f"{job.importer} is not an importer")
    importer = importer_class(user=job.created_by)
    importer.reference = f"import job {job.pk}"
    importer.column_mapping = dict(job.mapping)  # docs/architecture.md#column-mapping
    return importer


def _read_upload(job: ImportJob, *, from_status: str) -> FileSource | None:
    """The job's upload, or None once the job is failed: its author may no longer run it
    (rules.job_author_refusal), or the upload is gone."""
    refusal = job_author_refusal(job=job)
    if refusal:
        _finish(job, from_status=from_status, status=Status.FAILED, message=refusal)
        remove_upload(job)
        return None
    try:
        return ImportUploadStorage(name=job.upload).source()
    except FileNotFoundError:
        message = "The uploaded file is no longer there (expired or removed); upload it again."
        _finish(job, from_status=from_status, status=Status.FAILED, message=message)
        return None


def remove_upload(job: ImportJob) -> None:
    if job.upload:
        with contextlib.suppress(FileNotFoundError):  # a name that is not an upload's
            ImportUploadStorage(name=job.upload).remove()


def _finish(
    job: ImportJob,
    *,
    from_status: str,
    status: str,
    report: ImportReport | None = None,
    message: str = "",
) -> bool:
    now = timezone.now()
    fields: dict[str, Any] = {"status": status, "message": message}
    if report is not None:
        fields.update(report_fields(report))
    if status == Status.READY:
        fields["validated_at"] = now
    else:
        fields["finished_at"] = now
        if from_status == Status.VALIDATING:
            fields["validated_at"] = now
    return bool(ImportJob.objects.filter(pk=job.pk, status=from_status).update(**fields))


def _notify_author(job_id: int) -> None:
    from .queue import enqueue_after_commit
    from .tasks import import_job_email_task

    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    author = job.created_by
    if author is None or not author.email or job.finished_at is None:
        return
    if job.finished_at - job.created_at > EMAIL_AFTER:
        enqueue_after_commit(import_job_email_task, job_id)
