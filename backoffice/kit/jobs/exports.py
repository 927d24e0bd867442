"""Export jobs: an export above BACKOFFICE_EXPORT_JOB_MIN_ROWS rows is written by a worker to
a file in default storage and offered for download (docs/architecture.md#background-jobs).

The worker rebuilds the export from plain values: the model's admin, the export page's query
string (the list's filters and search) and form choices, and the author, whose permissions
the admin's queryset applies as it did in the request.
"""

import logging
import os
import tempfile
from datetime import timedelta

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db.models import F, Model
from django.test import RequestFactory
from django.utils import timezone

from backoffice.kit.importing.exporting import csv_lines, export_rows, xlsx_write
from backoffice.kit.importing.storage import old_files_delete

from .models import ExportJob
from .progress import JobCancelled, ProgressWriter
from .rules import job_author_refusal

logger = logging.getLogger(__name__)
Status = ExportJob.Status
EXPORT_FOLDER = "exports"


def export_job_create(
    *, user: AbstractBaseUser, model: type[Model], parameters: dict, file_name: str
) -> ExportJob:
    from .queue import enqueue_after_commit
    from .tasks import export_job_run_task

    job = ExportJob.objects.create(
        created_by=user,
        content_type=ContentType.objects.get_for_model(model),
        parameters=parameters,
        file_name=file_name,
    )
    enqueue_after_commit(export_job_run_task, job.pk)
    return job


def export_storage() -> Storage:
    """Where export files are written, served from and purged: one storage for all three."""
    return default_storage


def export_job_run(*, job_id: int) -> None:
    now = timezone.now()
    if not ExportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(
        status=Status.EXPORTING, started_at=now, progress_at=now
    ):
        return  # running, finished or cancelled: a second delivery changes nothing
    job = ExportJob.objects.select_related("created_by", "content_type").get(pk=job_id)
    refusal = job_author_refusal(job=job)
    if refusal:
        ExportJob.objects.filter(pk=job_id, status=Status.EXPORTING).update(
            status=Status.FAILED, finished_at=timezone.now(), message=refusal
        )
        return
    try:
        name = _write_export(job)
    except JobCancelled:
        return  # cancelled while writing: the temporary file goes with it
    except Exception:
        logger.exception("Export job %s failed", job_id)
        ExportJob.objects.filter(pk=job_id, status=Status.EXPORTING).update(
            status=Status.FAILED, finished_at=timezone.now(), message="The export failed."
        )
        raise
    if not ExportJob.objects.filter(pk=job_id, status=Status.EXPORTING).update(
        status=Status.DONE, file=name, rows_done=F("rows_total"), finished_at=timezone.now()
    ):
        export_storage().delete(name)  # cancelled (or failed by the sweeper) meanwhile


def export_job_cancel(*, job: ExportJob) -> bool:
    """Cancel an export whose file is not written yet; False if it is too late."""
    return bool(
        ExportJob.objects.filter(pk=job.pk, status__in=ExportJob.CANCELLABLE).update(
            status=Status.CANCELLED, finished_at=timezone.now()
        )
    )


def export_files_purge(*, older_than: timedelta | None = None) -> int:
    """Remove export files older than BACKOFFICE_EXPORT_MAX_AGE_HOURS from export storage
    (any file there, a job's or one left by a cancelled export); their jobs say so."""
    if older_than is None:
        older_than = timedelta(hours=settings.BACKOFFICE_EXPORT_MAX_AGE_HOURS)
    removed = old_files_delete(
        storage=export_storage(), folder=EXPORT_FOLDER, before=timezone.now() - older_than
    )
    hours = round(older_than.total_seconds() / 3600)
    ExportJob.objects.filter(status=Status.DONE, file__in=removed).update(
        file="", message=f"The file was removed {hours} hours after it was written; export again."
    )
    return len(removed)


def _write_export(job: ExportJob) -> str:
    parameters = job.parameters
    model_admin = admin.site.get_model_admin(job.content_type.model_class())
    # The export page's own request, rebuilt: the same filters, search and permissions.
    request = RequestFactory().get("/", data=None, QUERY_STRING=parameters["query"])
    request.user = job.created_by
    queryset = model_admin.get_export_queryset(request)
    if parameters.get("items") is not None:
        queryset = queryset.filter(pk__in=parameters["items"])
    file_format = model_admin.get_export_formats()[parameters["format"]]()
    resource_class = model_admin.get_export_resource_classes(request)[parameters["resource"]]
    resource = resource_class(**model_admin.get_export_resource_kwargs(request))
    ExportJob.objects.filter(pk=job.pk).update(rows_total=queryset.count())
    progress = ProgressWriter(model=ExportJob, pk=job.pk, status=Status.EXPORTING)
    native = file_format.get_extension() == "xlsx"
    rows = export_rows(
        resource=resource,
        queryset=queryset,
        selected_fields=parameters.get("fields"),
        native=native,
        progress=progress,
    )
    with tempfile.TemporaryFile() as handle:
        if native:
            xlsx_write(rows, handle)
        else:
            for line in csv_lines(rows):
                handle.write(line)
        progress.write()  # a last check: an export cancelled at the end is not saved
        handle.seek(0)
        name = f"{EXPORT_FOLDER}/{os.urandom(16).hex()}.{file_format.get_extension()}"
        return export_storage().save(name, File(handle))
