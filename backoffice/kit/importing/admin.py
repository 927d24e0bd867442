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
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import MultipleChoiceField, MultipleHiddenInput
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST
from import_export.admin import ExportActionMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ImportForm
from import_export.signals import post_export, post_import

from ..admin_log import CHANGE, admin_log_entry
from .engine import Importer, file_import
from .exporting import export_response
from .reading import ImportFileError, check_upload, megabytes
from .report import MAX_ERRORS_KEPT, ImportReport
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

    The token holds the stored upload's random name and the original file name; a forged,
    altered, foreign or expired token is a form error, never a path the server opens.
    """

    token = forms.CharField(widget=forms.HiddenInput(), max_length=1000)

    def __init__(self, *args: Any, salt: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.salt = salt

    @staticmethod
    def sign(*, salt: str, upload: str, name: str) -> str:
        return signing.dumps({"upload": upload, "name": name}, salt=salt, compress=True)

    def clean_token(self) -> dict[str, str]:
        max_age = settings.BACKOFFICE_IMPORT_UPLOAD_MAX_AGE_HOURS * 3600
        try:
            payload = signing.loads(self.cleaned_data["token"], salt=self.salt, max_age=max_age)
        except signing.BadSignature:  # SignatureExpired included
            raise ValidationError("This confirmation is not valid or has expired.") from None
        if not isinstance(payload, dict) or not all(
            isinstance(payload.get(key), str) for key in ("upload", "name")
        ):
            raise ValidationError("This confirmation is not valid or has expired.")
        return payload


class BulkImportExportMixin(ExportActionMixin):
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
    def import_action(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = self._upload_form(request, bound=request.method == "POST")
        context: dict[str, Any] = {}
        if request.method == "POST" and form.is_valid():
            import_uploads_purge()
            upload = form.cleaned_data["import_file"]
            storage = ImportUploadStorage()
            storage.save(upload)
            report = self._run_import(request, storage.read(), name=upload.name, dry_run=True)
            if report.has_errors:
                storage.remove()
            else:
                token = ConfirmImportForm.sign(
                    salt=self._token_salt(request), upload=storage.name, name=upload.name
                )
                context["confirm_form"] = ConfirmImportForm(
                    initial={"token": token}, salt=self._token_salt(request)
                )
            context["report"] = report
        return self._render_import(request, form, context)

    @method_decorator(require_POST)
    def process_import(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = ConfirmImportForm(request.POST, salt=self._token_salt(request))
        import_url = reverse(f"{self._url_prefix()}_import")
        if not confirm_form.is_valid():
            messages.error(request, "The confirmation was incomplete; upload the file again.")
            return HttpResponseRedirect(import_url)
        token = confirm_form.cleaned_data["token"]
        storage = ImportUploadStorage(name=token["upload"])
        try:
            data = storage.read()
        except FileNotFoundError:
            messages.error(
                request, "The uploaded file has expired or was already imported; upload it again."
            )
            return HttpResponseRedirect(import_url)
        report = self._run_import(request, data, name=token["name"], dry_run=False)
        storage.remove()
        if report.has_errors:
            messages.error(request, "Import failed: nothing was written. See the errors below.")
            return self._render_import(request, self._upload_form(request), {"report": report})
        messages.success(request, f"Import finished: {report.summary()} {report.model_name}.")
        # One Recent actions entry for the file, not one per row.
        admin_log_entry(
            user=request.user,
            model=self.model,
            action_flag=CHANGE,
            object_repr=f"Import of {token['name']}",
            message=f"Imported {token['name']}: {report.summary()} {report.model_name}.",
        )
        post_import.send(sender=None, model=self.model)
        return HttpResponseRedirect(reverse(f"{self._url_prefix()}_changelist"))

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

    def _run_import(
        self, request: HttpRequest, data: bytes, *, name: str, dry_run: bool
    ) -> ImportReport:
        return file_import(
            importer=self.get_importer(request), data=data, name=name, dry_run=dry_run
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

    # --- export ---------------------------------------------------------------------
    def export_action(self, request: HttpRequest) -> HttpResponse:
        """import-export's export page; a valid form streams the file (exporting.py)."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        formats = self.get_export_formats()
        queryset = self.get_export_queryset(request)
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

    def _exportable_pks(self, request: HttpRequest, queryset) -> list:
        # Only the submitted pks are checked (not every pk in the table), so "export
        # selected" stays cheap at 100k rows; a forged value is an invalid choice.
        submitted = []
        for value in request.POST.getlist("export_items"):
            try:
                submitted.append(self.opts.pk.to_python(value))
            except ValidationError:
                continue
        return list(queryset.filter(pk__in=submitted).values_list("pk", flat=True))
