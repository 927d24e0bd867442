"""Import jobs and export jobs in the admin: lists nobody edits, a progress JSON view, cancel
and download, each answering only for jobs the user may see (rules.py)."""

from django.contrib import admin, messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponseRedirect, JsonResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from backoffice.kit.lookups import DeclaredLookupsOnlyMixin
from backoffice.kit.read_only import ReadOnlyAdminMixin

from .exports import export_job_cancel, export_storage
from .imports import import_job_cancel
from .models import ExportJob, ImportJob
from .rules import export_jobs_visible_to, import_jobs_visible_to


def _job_or_404(queryset, object_id: str):
    try:
        pk = int(object_id)
    except (TypeError, ValueError):
        raise Http404("No such job.") from None
    job = queryset.filter(pk=pk).first()
    if job is None:
        raise Http404("No such job.")
    return job


def job_progress(job: ImportJob | ExportJob) -> dict:
    """What the progress bar shows, as the JSON view answers it."""
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": job.get_status_display(),
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "percent": job.percent,
        "finished": not job.is_running,
    }


class ReadOnlyJobAdmin(ReadOnlyAdminMixin, DeclaredLookupsOnlyMixin, admin.ModelAdmin):
    """Jobs are written by the system: every staff user may open the list, which holds only
    the jobs they may see; nobody adds, edits or deletes one. Both kinds share the progress
    JSON view (the bar's include, admin/jobs/progress.html, polls it) and the cancel button,
    action and view; each kind names its rule of who sees what (`visible_to`) and how it is
    cancelled (`cancel_job`)."""

    list_select_related = ("created_by", "content_type")
    list_filter = ("status",)
    date_hierarchy = None
    show_full_result_count = False
    actions = ["cancel_jobs"]

    @staticmethod
    def visible_to(*, user):
        raise NotImplementedError

    @staticmethod
    def cancel_job(*, job) -> bool:
        raise NotImplementedError

    def get_queryset(self, request: HttpRequest):
        return self.visible_to(user=request.user).select_related("created_by", "content_type")

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        # Offered to every staff user; each job is then one the user may see (get_queryset).
        return self.has_module_permission(request)

    @admin.action(description="Cancel selected jobs not yet finished", permissions=["cancel"])
    def cancel_jobs(self, request: HttpRequest, queryset) -> None:
        cancelled = sum(self.cancel_job(job=job) for job in queryset)
        skipped = len(queryset) - cancelled
        if cancelled:  # no "0 jobs cancelled." in green above the warning
            self.message_user(
                request,
                ngettext("%d job cancelled.", "%d jobs cancelled.", cancelled) % cancelled,
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%d job was too far along or finished already and was left alone.",
                    "%d jobs were too far along or finished already and were left alone.",
                    skipped,
                )
                % skipped,
                messages.WARNING,
            )

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "<path:object_id>/progress/",
                self.admin_site.admin_view(require_safe(self.progress_view)),
                name=f"{name}_progress",
            ),
            path(
                "<path:object_id>/cancel/",
                self.admin_site.admin_view(require_POST(self.cancel_view)),
                name=f"{name}_cancel",
            ),
            *super().get_urls(),
        ]

    def progress_view(self, request: HttpRequest, object_id: str) -> JsonResponse:
        """The progress bar polls this (admin_view adds never_cache)."""
        return JsonResponse(job_progress(_job_or_404(self.get_queryset(request), object_id)))

    def cancel_view(self, request: HttpRequest, object_id: str) -> HttpResponseRedirect:
        job = _job_or_404(self.get_queryset(request), object_id)
        if self.cancel_job(job=job):
            self.message_user(request, f"{job} cancelled.", messages.SUCCESS)
        else:
            self.message_user(
                request, f"{job} is too far along or finished: it cannot be cancelled.",
                messages.ERROR,
            )  # fmt: skip
        return HttpResponseRedirect(
            reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[job.pk])
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_staff

    def get_object(self, request: HttpRequest, object_id: str, from_field=None):
        # Another's job, a missing one and an odd id all answer 404 (not the admin's
        # redirect to the index), so nothing tells which job ids exist.
        job = super().get_object(request, object_id, from_field)
        if job is None:
            raise Http404("No such job.")
        return job

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request)

    @admin.display(description="model", ordering="content_type")
    def model_name(self, job) -> str:
        model = job.content_type.model_class()
        return model._meta.verbose_name_plural if model else job.content_type.model

    @admin.display(description="progress")
    def progress(self, job) -> str:
        data = job_progress(job)
        if data["rows_total"] is None:
            return f"{job.rows_done:,} rows"
        return f"{job.rows_done:,} of {data['rows_total']:,} rows ({data['percent']}%)"


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyJobAdmin):
    list_display = (
        "id", "file_name", "model_name", "status", "progress", "totals", "created_by",
        "created_at", "finished_at",
    )  # fmt: skip
    list_display_links = ("id", "file_name")
    change_form_template = "admin/jobs/importjob/change_form.html"
    fields = (
        "status", "content_type", "file_name", "file_size", "source", "created_by",
        ("rows_done", "rows_total"), ("total_new", "total_updated", "total_unchanged"),
        ("total_invalid", "error_count"), "message", "errors", "attempts",
        "created_at", "started_at", "validated_at", "finished_at",
    )  # fmt: skip

    visible_to = staticmethod(import_jobs_visible_to)
    cancel_job = staticmethod(import_job_cancel)

    @admin.display(description="new / updated / unchanged / invalid")
    def totals(self, job: ImportJob) -> str:
        if job.validated_at is None and job.status != ImportJob.Status.DONE:
            return "—"
        counts = (job.total_new, job.total_updated, job.total_unchanged, job.total_invalid)
        return " / ".join(f"{count:,}" for count in counts)


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyJobAdmin):
    list_display = (
        "id", "download", "model_name", "status", "progress", "created_by", "created_at",
        "finished_at",
    )  # fmt: skip
    change_form_template = "admin/jobs/exportjob/change_form.html"
    fields = (
        "status", "content_type", "file_name", "created_by", ("rows_done", "rows_total"),
        "message", "created_at", "started_at", "finished_at",
    )  # fmt: skip

    visible_to = staticmethod(export_jobs_visible_to)
    cancel_job = staticmethod(export_job_cancel)

    @admin.display(description="file")
    def download(self, job: ExportJob) -> str:
        if job.status != ExportJob.Status.DONE or not job.file:
            return job.file_name or "—"
        url = reverse("admin:jobs_exportjob_download", args=[job.pk])
        return format_html('<a href="{}">{}</a>', url, job.file_name)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/download/",
                self.admin_site.admin_view(require_safe(self.download_view)),
                name="jobs_exportjob_download",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request: HttpRequest, object_id: str) -> FileResponse:
        job = _job_or_404(self.get_queryset(request), object_id)
        if job.status != ExportJob.Status.DONE:
            raise Http404("This export is not ready.")
        try:
            if not job.file:
                raise FileNotFoundError(job.pk)  # purged (export_files_purge)
            handle = export_storage().open(job.file, "rb")
        except FileNotFoundError:
            raise Http404("This export file has been removed.") from None
        return FileResponse(handle, as_attachment=True, filename=job.file_name)
