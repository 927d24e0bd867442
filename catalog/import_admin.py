"""Admin import/export for catalog models and users on top of django-import-export.

The URLs, forms, buttons and temporary storage are import-export's; the two import steps
run catalog.imports instead of Resource.import_data, so a 100k-row file previews as totals,
samples and every error, and the result page says what really happened. Exports write
the resource's columns and cells row by row: CSV as a streamed response, XLSX through a
write-only openpyxl workbook in a temporary file, instead of a whole tablib dataset.
"""

import csv
import tempfile
from collections.abc import Iterator
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST
from import_export.admin import ExportActionMixin, ImportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ImportForm
from import_export.signals import post_export, post_import
from openpyxl import Workbook

from . import imports


class BulkImportForm(ImportForm):
    """import-export's form; the format follows the file name, so no format field to get wrong."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.fields["format"].required = False
        self.fields["format"].widget = forms.HiddenInput()
        self.fields[
            "import_file"
        ].help_text = (
            f"CSV (UTF-8) or XLSX, up to {imports.megabytes(settings.BACKOFFICE_IMPORT_MAX_BYTES)}."
        )

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        try:
            imports.check_upload(name=upload.name, size=upload.size)
        except imports.ImportFileError as error:
            raise ValidationError(str(error)) from None
        return upload


class BulkImportExportMixin(ImportMixin, ExportActionMixin):
    """Import (add + change permission) and export (view permission) for a ModelAdmin."""

    import_export_change_list_template = "admin/import_export/change_list_import_export.html"
    import_form_class = BulkImportForm
    import_formats = [CSV, XLSX]
    export_formats = [CSV, XLSX]
    tmp_storage_class = imports.ImportUploadStorage
    # One log entry per imported row would cost more than the import itself.
    skip_admin_log = True

    def has_import_permission(self, request: HttpRequest) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def get_valid_export_item_pks(self, request: HttpRequest) -> list:
        # import-export's default lists every pk in the table to validate a selection;
        # checking only the submitted pks keeps "export selected" cheap at 100k rows.
        submitted = []
        for value in request.POST.getlist("export_items"):
            try:
                submitted.append(self.opts.pk.to_python(value))
            except ValidationError:
                continue  # a forged value: the form rejects it as an invalid choice
        return list(
            self.get_export_queryset(request).filter(pk__in=submitted).values_list("pk", flat=True)
        )

    def _do_file_export(self, file_format, request: HttpRequest, queryset, export_form=None):
        # import-export builds the whole tablib dataset in memory; this writes the same
        # columns and cells (the resource's export_field, so formula escaping included)
        # row by row: CSV streams, XLSX goes through a write-only workbook in a temp file.
        if not self.has_export_permission(request):
            raise PermissionDenied
        resource = self.choose_export_resource_class(export_form, request)(
            **self.get_export_resource_kwargs(request)
        )
        selected = self.get_export_resource_fields_from_form(export_form)
        queryset = resource.filter_export(queryset)
        headers = resource.get_export_headers(selected_fields=selected)
        fields_ = resource.get_export_fields(selected_fields=selected)
        native = isinstance(file_format, XLSX)

        def rows() -> Iterator[list]:
            yield headers
            for instance in resource.iter_queryset(queryset):
                yield [
                    resource.export_field(field, instance, force_native_type=native)
                    for field in fields_
                ]

        if native:
            response = FileResponse(_xlsx_file(rows()), content_type=file_format.get_content_type())
        else:
            response = StreamingHttpResponse(
                _csv_lines(rows()), content_type=file_format.get_content_type()
            )
        filename = self.get_export_filename(request, queryset, file_format)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        post_export.send(sender=None, model=self.model)
        return response

    def get_confirm_form_initial(self, request: HttpRequest, import_form) -> dict:
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["format"] = imports.format_for(initial["original_file_name"])
        return initial

    def import_action(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = self.create_import_form(request)
        context: dict[str, Any] = {}
        if request.method == "POST" and form.is_valid():
            imports.import_uploads_purge()
            upload = form.cleaned_data["import_file"]
            storage = self.get_tmp_storage_class()(read_mode="rb")
            storage.save(upload)
            report = self._run_import(request, form, storage.read(), name=upload.name, dry_run=True)
            if report.has_errors:
                storage.remove()
            else:
                upload.tmp_storage_name = storage.name
                context["confirm_form"] = self.create_confirm_form(request, import_form=form)
            context["report"] = report
        return self._render_import(request, form, context)

    @method_decorator(require_POST)
    def process_import(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = self.create_confirm_form(request)
        import_url = reverse(f"{self.admin_site.name}:%s_%s_import" % self.get_model_info())
        if not confirm_form.is_valid():
            messages.error(request, "The confirmation was incomplete; upload the file again.")
            return HttpResponseRedirect(import_url)
        storage = self.get_tmp_storage_class()(
            name=confirm_form.cleaned_data["import_file_name"], read_mode="rb"
        )
        try:
            data = storage.read()
        except FileNotFoundError:
            messages.error(
                request, "The uploaded file has expired or was already imported; upload it again."
            )
            return HttpResponseRedirect(import_url)
        report = self._run_import(
            request,
            confirm_form,
            data,
            name=confirm_form.cleaned_data["original_file_name"],
            dry_run=False,
        )
        storage.remove()
        if report.has_errors:
            messages.error(request, "Import failed: nothing was written. See the errors below.")
            empty_form = self.get_import_form_class(request)(
                self.get_import_formats(), self.get_import_resource_classes(request)
            )
            return self._render_import(request, empty_form, {"report": report})
        messages.success(request, f"Import finished: {report.summary()} {report.model_name}.")
        post_import.send(sender=None, model=self.model)
        return HttpResponseRedirect(
            reverse(f"{self.admin_site.name}:%s_%s_changelist" % self.get_model_info())
        )

    def _run_import(
        self, request: HttpRequest, form, data: bytes, *, name: str, dry_run: bool
    ) -> imports.ImportReport:
        resource_class = self.choose_import_resource_class(form, request)
        return imports.file_import(
            importer=resource_class.importer_class(user=request.user),
            data=data,
            name=name,
            dry_run=dry_run,
        )

    def _render_import(
        self, request: HttpRequest, form, context: dict[str, Any]
    ) -> TemplateResponse:
        importer_class = self.get_import_resource_classes(request)[0].importer_class
        context.update(self.admin_site.each_context(request))
        context.update(
            {
                "title": f"Import {self.opts.verbose_name_plural}",
                "form": form,
                "opts": self.opts,
                "media": self.media + form.media,
                "required_columns": importer_class.required_columns(),
                "optional_columns": [
                    name
                    for name in importer_class.column_names()
                    if name not in importer_class.required_columns()
                ],
                "max_errors_kept": imports.MAX_ERRORS_KEPT,
            }
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)


class _LineBuffer:
    """A file-like target for csv.writer that hands back each written line."""

    def write(self, line: str) -> str:
        return line


def _csv_lines(rows: Iterator[list]) -> Iterator[bytes]:
    writer = csv.writer(_LineBuffer())
    for row in rows:
        yield writer.writerow(row).encode("utf-8")


def _xlsx_file(rows: Iterator[list]):
    """Write rows to a write-only workbook in a temporary file, rewound for streaming."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(row)
    # Not a with-block: FileResponse closes the file (and so deletes it) once it is sent.
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    try:
        workbook.save(handle)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle
