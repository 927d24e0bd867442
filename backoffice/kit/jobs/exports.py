"""Export jobs: an export above BACKOFFICE_EXPORT_JOB_MIN_ROWS rows is written by a worker to
a file in default storage and offered for download (docs/architecture.md#background-jobs).

The worker rebuilds the export from plain values: the model's admin, the export page's query
string (the list's filters and search) and form choices, and the author, whose permissions
the admin's queryset applies as it did in the request.
"""

import logging
import os
import tempfile

from django.contrib import admin
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.core.files.storage import default_storage
from django.db.models import Model
from django.test import RequestFactory
from django.utils import timezone

from backoffice.kit.importing.exporting import csv_lines, export_rows, xlsx_write

from .models import ExportJob
from .progress import ProgressWriter

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


def export_job_run(*, job_id: int) -> None:
    if not ExportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(
        status=Status.EXPORTING, started_at=timezone.now()
    ):
        return  # running or finished: a second delivery changes nothing
    job = ExportJob.objects.select_related("created_by", "content_type").get(pk=job_id)
    try:
        name = _write_export(job)
    except Exception:
        logger.exception("Export job %s failed", job_id)
        ExportJob.objects.filter(pk=job_id).update(
            status=Status.FAILED, finished_at=timezone.now(), message="The export failed."
        )
        raise
    ExportJob.objects.filter(pk=job_id, status=Status.EXPORTING).update(
        status=Status.DONE, file=name, finished_at=timezone.now()
    )


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
        handle.seek(0)
        name = f"{EXPORT_FOLDER}/{os.urandom(16).hex()}.{file_format.get_extension()}"
        return default_storage.save(name, File(handle))
