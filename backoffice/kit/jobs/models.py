"""Import and export jobs: who started what, where it stands, what it found
(docs/architecture.md#background-jobs). Progress lives here, not in a result backend."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    VALIDATING = "validating", "Validating"
    READY = "ready", "Ready for review"
    IMPORTING = "importing", "Importing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class JobStateMixin:
    """Where a job stands, for both kinds: the progress bar and the cancel button read these."""

    RUNNING: tuple[str, ...]
    CANCELLABLE: tuple[str, ...]
    status: str
    rows_done: int
    rows_total: int | None

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING

    @property
    def is_cancellable(self) -> bool:
        return self.status in self.CANCELLABLE

    @property
    def percent(self) -> int | None:
        if not self.rows_total:
            return None
        return min(100, round(100 * self.rows_done / self.rows_total))


class ImportJob(JobStateMixin, models.Model):
    """One uploaded file on its way: queued → validating → ready → importing → done."""

    Status = JobStatus
    # A job in these states may still be cancelled (nothing has started writing).
    CANCELLABLE = (Status.QUEUED, Status.VALIDATING, Status.READY)
    RUNNING = (Status.QUEUED, Status.VALIDATING, Status.IMPORTING)
    FINISHED = (Status.DONE, Status.FAILED, Status.CANCELLED)
    # Still holding its upload for itself: at most one such job per upload (Meta).
    LIVE = (Status.QUEUED, Status.VALIDATING, Status.READY, Status.IMPORTING)

    class Source(models.TextChoices):
        ADMIN = "admin", "Admin"
        COMMAND = "command", "import_catalog"

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.ADMIN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The model imported (permissions are judged on it) and the importer class that reads it.
    content_type = models.ForeignKey(ContentType, models.PROTECT, related_name="+")
    importer = models.CharField(max_length=200)
    # The stored upload's random name (kit upload storage); empty once imported or cancelled.
    upload = models.CharField(max_length=64, blank=True)
    file_name = models.CharField(max_length=255)
    file_size = models.PositiveBigIntegerField(default=0)
    rows_total = models.PositiveIntegerField(null=True, blank=True)  # estimated until validated
    rows_done = models.PositiveIntegerField(default=0)
    total_new = models.PositiveIntegerField(default=0)
    total_updated = models.PositiveIntegerField(default=0)
    total_unchanged = models.PositiveIntegerField(default=0)
    total_invalid = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # The first errors (bounded like the preview's) and a few sample rows of each kind.
    errors = models.JSONField(default=list, blank=True)
    samples = models.JSONField(default=dict, blank=True)
    # How the file was read (an encoding guessed, say), shown above the preview.
    notes = models.JSONField(default=list, blank=True)
    # The column mapping chosen for a file with headers not ours: {column: file's header}
    # (docs/architecture.md#column-mapping); empty when the headers are ours.
    mapping = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    # Deliveries of the confirmed import (a worker killed mid-import re-delivers it).
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # The worker's last sign of life: each progress write and each step's start (the
    # sweeper fails a running job whose worker stopped; docs/architecture.md#background-jobs).
    progress_at = models.DateTimeField(null=True, blank=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["created_by", "-created_at"], name="importjob_author_idx"),
            models.Index(fields=["content_type", "-created_at"], name="importjob_model_idx"),
        ]
        constraints = [
            # One live job per stored upload: a second post of the same column mapping (a
            # double click, a resubmitted form) finds the first job instead of starting a
            # twin that would lose its file when either one ends.
            models.UniqueConstraint(
                fields=["upload"],
                condition=~models.Q(upload="")
                & models.Q(
                    status__in=[
                        JobStatus.QUEUED,
                        JobStatus.VALIDATING,
                        JobStatus.READY,
                        JobStatus.IMPORTING,
                    ]
                ),
                name="importjob_one_live_job_per_upload",
            ),
        ]

    def __str__(self) -> str:
        return f"Import #{self.pk}: {self.file_name}"


class ImportColumnMapping(models.Model):
    """The columns a person last chose for a model's file, offered again on their next
    upload of it; read only for its owner (docs/architecture.md#column-mapping)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    content_type = models.ForeignKey(ContentType, models.CASCADE, related_name="+")
    # {column name: the file's header}, as the person chose it.
    columns = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "content_type"], name="importcolumnmapping_one_per_user_model"
            )
        ]

    def __str__(self) -> str:
        return f"Column mapping of {self.content_type.name}"


class ExportJob(JobStateMixin, models.Model):
    """An export too large for one request, written to a file offered for download."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        EXPORTING = "exporting", "Exporting"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    RUNNING = (Status.QUEUED, Status.EXPORTING)
    # Until its file is written, an export may be cancelled (the worker stops at its next
    # progress write).
    CANCELLABLE = RUNNING

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    content_type = models.ForeignKey(ContentType, models.PROTECT, related_name="+")
    # What to export, as plain values the worker can rebuild the export from.
    parameters = models.JSONField(default=dict)
    file = models.CharField(max_length=255, blank=True)  # name in default storage when done
    file_name = models.CharField(max_length=255, blank=True)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    progress_at = models.DateTimeField(null=True, blank=True)  # as ImportJob.progress_at
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Export #{self.pk}: {self.file_name or self.content_type.name}"


class SentEmail(models.Model):
    """An email a task has sent, by a key naming what it was (the task's message, or an
    import job's notice): a second delivery of the same task finds it and sends nothing
    (docs/architecture.md#background-jobs)."""

    key = models.CharField(max_length=200, unique=True)
    sent_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return self.key
