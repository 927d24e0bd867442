"""The export page of BulkImportExportMixin: import-export's form and action through their
public hooks, the page the project's own (export_page.py); the file is streamed row by row
(exporting.py), or, above BACKOFFICE_EXPORT_JOB_MIN_ROWS rows, written by a worker as an
export job and offered for download (docs/architecture.md#background-jobs)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import BadRequest, PermissionDenied
from django.forms import MultipleChoiceField, MultipleHiddenInput
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from import_export.admin import ExportActionMixin
from import_export.signals import post_export

from backoffice.kit.jobs.exports import export_job_create
from backoffice.kit.lookups import pk_value

from .export_page import BulkExportForm, export_scope
from .exporting import export_response


class StreamedExportMixin(ExportActionMixin):
    export_form_class = BulkExportForm

    def export_action(self, request: HttpRequest) -> HttpResponse:
        """import-export's export page; a valid form streams the file (exporting.py)."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        formats = self.get_export_formats()
        # The page itself counts through the list (export_page.py); a POST exports.
        queryset = self._export_queryset(request) if request.method == "POST" else None
        form = self.get_export_form_class()(
            formats, self.get_export_resource_classes(request), data=request.POST or None
        )
        if request.POST and "export_items" in request.POST:
            # From the "Export selected" action: only pks of rows this user may export.
            form.fields["export_items"] = MultipleChoiceField(
                widget=MultipleHiddenInput,
                required=False,
                choices=[(pk, pk) for pk in self._exportable_pks(request, queryset)],
            )
        if form.is_valid():
            file_format = formats[int(form.cleaned_data["format"])]()
            if "export_items" in form.changed_data:
                queryset = queryset.filter(pk__in=form.cleaned_data["export_items"])
            if self._export_as_job(queryset):
                return self._start_export_job(request, form, file_format, queryset)
            resource_class = self.choose_export_resource_class(form, request)
            response = export_response(
                resource=resource_class(**self.get_export_resource_kwargs(request)),
                queryset=queryset,
                file_format=file_format,
                selected_fields=self.get_export_resource_fields_from_form(form),
                filename=self.get_export_filename(request, queryset, file_format),
            )
            post_export.send(sender=None, model=self.model)
            return response
        context = self.init_request_context_data(request, form)
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.export_template_name], context=context)

    def init_request_context_data(self, request: HttpRequest, form) -> dict:
        """import-export's context, and what the page says: the rows, their filters."""
        context = super().init_request_context_data(request, form)
        scope = export_scope(model_admin=self, request=request, form=form)
        context.update(
            {
                "title": f"Export {self.opts.verbose_name_plural}",
                "scope": scope,
                "export_button": scope.button_label(self.opts),
                "job_min_rows": f"{settings.BACKOFFICE_EXPORT_JOB_MIN_ROWS:,}",
            }
        )
        return context

    def _export_queryset(self, request: HttpRequest):
        try:
            return self.get_export_queryset(request)
        except IncorrectLookupParameters as error:  # odd input: 400, as on the page
            raise BadRequest("This list cannot be filtered that way.") from error

    def _export_as_job(self, queryset) -> bool:
        # One bounded query: are there more rows than a request should stream?
        threshold = settings.BACKOFFICE_EXPORT_JOB_MIN_ROWS
        return queryset.order_by()[threshold : threshold + 1].exists()

    def _start_export_job(self, request: HttpRequest, form, file_format, queryset):
        items = (
            form.cleaned_data.get("export_items") if "export_items" in form.changed_data else None
        )
        job = export_job_create(
            user=request.user,
            model=self.model,
            parameters={
                "query": request.GET.urlencode(),
                "format": int(form.cleaned_data["format"]),
                "resource": int(form.cleaned_data.get("resource") or 0),
                "fields": self.get_export_resource_fields_from_form(form),
                "items": [str(pk) for pk in items] if items is not None else None,
            },
            file_name=self.get_export_filename(request, queryset, file_format),
        )
        messages.info(
            request,
            f"This export has more than {settings.BACKOFFICE_EXPORT_JOB_MIN_ROWS:,} rows: it is "
            "being written in the background, and Export jobs offers the file when it is ready.",
        )
        return HttpResponseRedirect(reverse("admin:jobs_exportjob_change", args=[job.pk]))

    def _exportable_pks(self, request: HttpRequest, queryset) -> list:
        # Only the submitted pks are checked (not every pk in the table), so "export
        # selected" stays cheap at 100k rows; a forged value (not a pk, or beyond the
        # database's range) is an invalid choice.
        submitted = [pk_value(self.model, value) for value in request.POST.getlist("export_items")]
        submitted = [value for value in submitted if value is not None]
        return list(queryset.filter(pk__in=submitted).values_list("pk", flat=True))
