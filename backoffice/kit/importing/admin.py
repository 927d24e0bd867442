"""Import and export pages for a ModelAdmin: the project's own import views, import-export's
export form with a streamed export.

Import: upload → preview (a dry run of the whole file, totals, samples and every error)
→ confirm (the same file, read back from upload storage through a signed token, written
for real). Export: import-export's form and action, through its public hooks; the file is
streamed row by row (docs/architecture.md#the-import-engine).
"""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ImportForm
from import_export.signals import post_import

from backoffice.kit.jobs.import_reports import import_job_report
from backoffice.kit.jobs.imports import import_job_confirm, import_job_create
from backoffice.kit.jobs.models import ImportJob
from backoffice.kit.jobs.queue import enqueue_after_commit
from backoffice.kit.jobs.tasks import import_job_validate_task

from .engine import Importer
from .export_admin import StreamedExportMixin
from .mapping_admin import ColumnMappingMixin
from .reading import ImportFileError, check_upload, megabytes
from .report import MAX_ERRORS_KEPT
from .storage import ImportUploadStorage, import_uploads_purge
from .uploads import upload_refusal


class BulkImportForm(ImportForm):
    """import-export's upload form; the format follows the file name, so no format field."""

    def __init__(self, formats, resources, *, refused_upload: str | None = None, **kwargs):
        super().__init__(formats, resources, **kwargs)
        # A file the upload handler skipped (too large) is missing from FILES: say why.
        self.refused_upload = refused_upload
        if refused_upload:
            self.fields["import_file"].required = False
        self.fields["format"].required = False
        self.fields["format"].widget = forms.HiddenInput()
        limit = megabytes(settings.BACKOFFICE_IMPORT_MAX_BYTES)
        self.fields["import_file"].help_text = f"CSV (UTF-8) or XLSX, up to {limit}."

    def clean_import_file(self):
        if self.refused_upload:
            raise ValidationError(self.refused_upload)
        upload = self.cleaned_data["import_file"]
        try:
            check_upload(name=upload.name, size=upload.size)
        except ImportFileError as error:
            raise ValidationError(str(error)) from None
        return upload


class ConfirmImportForm(forms.Form):
    """The confirm step names the upload by a token signed for this user and model only.

    The token holds the import job's id; a forged, altered, foreign or expired token is a
    form error, never a job (or a path) the server opens.
    """

    token = forms.CharField(widget=forms.HiddenInput(), max_length=1000)

    def __init__(self, *args: Any, salt: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.salt = salt

    @staticmethod
    def sign(*, salt: str, job: int) -> str:
        return signing.dumps({"job": job}, salt=salt, compress=True)

    def clean_token(self) -> int:
        """The import job's id."""
        max_age = settings.BACKOFFICE_IMPORT_UPLOAD_MAX_AGE_HOURS * 3600
        try:
            payload = signing.loads(self.cleaned_data["token"], salt=self.salt, max_age=max_age)
        except signing.BadSignature:  # SignatureExpired included
            raise ValidationError("This confirmation is not valid or has expired.") from None
        if not isinstance(payload, dict) or type(payload.get("job")) is not int:
            raise ValidationError("This confirmation is not valid or has expired.")
        return payload["job"]


class BulkImportExportMixin(ColumnMappingMixin, StreamedExportMixin):
    """Import (add + change permission) and export (view permission) for a ModelAdmin.

    resource_classes[0] names the columns and, through its importer_class, the importer.
    """

    import_export_change_list_template = "admin/import_export/change_list_import_export.html"
    import_template_name = "admin/import_export/import.html"
    export_formats = [CSV, XLSX]
    import_formats = [CSV, XLSX]

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "process_import/",
                self.admin_site.admin_view(self.process_import),
                name=f"{prefix}_process_import",
            ),
            path(
                "import/",
                self.admin_site.admin_view(self.import_action),
                name=f"{prefix}_import",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context=None):
        extra_context = {**(extra_context or {})}
        extra_context["has_import_permission"] = self.has_import_permission(request)
        return super().changelist_view(request, extra_context)

    def has_import_permission(self, request: HttpRequest) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def get_importer(self, request: HttpRequest) -> Importer:
        return self.get_resource_classes(request)[0].importer_class(user=request.user)

    # --- import ---------------------------------------------------------------------
    # Upload → an ImportJob that a worker validates (the page shows its progress, then the
    # preview) → confirm → the worker imports (docs/architecture.md#background-jobs). Under
    # eager settings each step finishes within its request and the page answers at once.
    def import_action(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.method != "POST" and "job" in request.GET:
            return self._job_page(request, self._own_job(request, request.GET["job"]))
        if request.method == "POST" and "mapping_token" in request.POST:
            return self._mapping_post(request)  # the mapping step (mapping_admin)
        if request.method == "POST" and "remap_token" in request.POST:
            return self._remap_post(request)  # the mapping step again, from a preview
        form = self._upload_form(request, bound=request.method == "POST")
        if request.method == "POST" and form.is_valid():
            import_uploads_purge()
            upload = form.cleaned_data["import_file"]
            storage = ImportUploadStorage()
            storage.save(upload)
            stored = {"upload": storage.name, "file_name": upload.name, "file_size": upload.size}
            mapping_step = self._mapping_step(request, **stored)
            return mapping_step or self._import_job_start(request, **stored, mapping={})
        return self._render_import(request, form, {})

    def _import_job_start(
        self,
        request: HttpRequest,
        *,
        upload: str,
        file_name: str,
        file_size: int,
        mapping: dict[str, str],
    ) -> HttpResponse:
        """The stored upload becomes a job a worker validates (read with `mapping`)."""
        job = import_job_create(
            user=request.user,
            importer=self.get_importer(request),
            upload=upload,
            file_name=file_name,
            file_size=file_size,
            mapping=mapping,
        )
        enqueue_after_commit(import_job_validate_task, job.pk)
        job.refresh_from_db()
        if job.is_running:
            return HttpResponseRedirect(self._job_url(job))
        return self._job_page(request, job)

    @method_decorator(require_POST)
    def process_import(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = ConfirmImportForm(request.POST, salt=self._token_salt(request))
        import_url = reverse(f"{self._url_prefix()}_import")
        if not confirm_form.is_valid():
            messages.error(request, "The confirmation was incomplete; upload the file again.")
            return HttpResponseRedirect(import_url)
        job_id = confirm_form.cleaned_data["token"]
        confirmed = import_job_confirm(job_id=job_id, user=request.user)
        job = self._own_jobs(request).filter(pk=job_id).first()
        if job is None or not confirmed:
            messages.error(
                request, "The uploaded file has expired or was already imported; upload it again."
            )
            return HttpResponseRedirect(self._job_url(job) if job else import_url)
        if job.status == ImportJob.Status.DONE:
            report = import_job_report(job)
            messages.success(request, f"Import finished: {report.summary()} {report.model_name}.")
            post_import.send(sender=None, model=self.model)
            return HttpResponseRedirect(reverse(f"{self._url_prefix()}_changelist"))
        if job.status == ImportJob.Status.FAILED and not job.message:
            messages.error(request, "Import failed: nothing was written. See the errors below.")
            return self._job_page(request, job)
        if job.status == ImportJob.Status.FAILED:  # e.g. the upload expired meanwhile
            messages.error(request, job.message)
        return HttpResponseRedirect(self._job_url(job))

    def _own_jobs(self, request: HttpRequest):
        """This user's imports of this model: the import page shows no one else's."""
        return ImportJob.objects.filter(
            created_by=request.user, content_type=ContentType.objects.get_for_model(self.model)
        ).select_related("content_type")

    def _own_job(self, request: HttpRequest, job_id: str) -> ImportJob:
        try:
            job = self._own_jobs(request).filter(pk=int(job_id)).first()
        except (TypeError, ValueError):
            job = None
        if job is None:
            raise Http404("No such import job.")
        return job

    def _job_url(self, job: ImportJob) -> str:
        return f"{reverse(f'{self._url_prefix()}_import')}?job={job.pk}"

    def _job_page(self, request: HttpRequest, job: ImportJob) -> TemplateResponse:
        context: dict[str, Any] = {
            "job": job,
            "progress_url": reverse("admin:jobs_importjob_progress", args=[job.pk]),
            "cancel_url": reverse("admin:jobs_importjob_cancel", args=[job.pk]),
            "changelist_url": reverse(f"{self._url_prefix()}_changelist"),
        }
        if job.validated_at is not None and not job.message:
            context["report"] = import_job_report(job)
        if job.status == ImportJob.Status.READY:
            salt = self._token_salt(request)
            token = ConfirmImportForm.sign(salt=salt, job=job.pk)
            context["confirm_form"] = ConfirmImportForm(initial={"token": token}, salt=salt)
            context.update(self._remap_context(request, job))
        return self._render_import(request, self._upload_form(request), context)

    def _url_prefix(self) -> str:
        return f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}"

    def _token_salt(self, request: HttpRequest) -> str:
        return f"backoffice.import:{self.opts.label_lower}:{request.user.pk}"

    def _upload_form(self, request: HttpRequest, *, bound: bool = False) -> BulkImportForm:
        if not bound:
            return BulkImportForm(self.import_formats, self.get_resource_classes(request))
        return BulkImportForm(
            self.import_formats,
            self.get_resource_classes(request),
            data=request.POST,
            files=request.FILES,
            refused_upload=upload_refusal(request),
        )

    def _render_import(
        self, request: HttpRequest, form: BulkImportForm, context: dict[str, Any]
    ) -> TemplateResponse:
        importer_class = type(self.get_importer(request))
        required = importer_class.required_columns()
        context.update(self.admin_site.each_context(request))
        context.update(
            {
                "title": f"Import {self.opts.verbose_name_plural}",
                "form": form,
                "opts": self.opts,
                "media": self.media + form.media,
                "required_columns": required,
                "optional_columns": [
                    name for name in importer_class.column_names() if name not in required
                ],
                "max_errors_kept": MAX_ERRORS_KEPT,
            }
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)
