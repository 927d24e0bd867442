"""The import page's mapping step (docs/architecture.md#column-mapping): for a file whose
headers are not ours, a form that picks the file's column for each of ours, pre-filled with
the person's last choice or the most similar header. The stored upload is named by a token
signed for the user who uploaded it and this model only, like the confirm step's."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.text import capfirst

from backoffice.kit.jobs.imports import import_job_cancel
from backoffice.kit.jobs.mappings import import_mapping_remember, import_mapping_remembered
from backoffice.kit.jobs.models import ImportJob

from .columns import Column, header_key, verbose_name
from .mapping import FileHeader, header_of_upload, mapping_needed, mapping_suggest
from .reading import SNIFF_CHARACTERS, format_for
from .storage import ImportUploadStorage

NOT_IN_FILE = ""
INVALID_MAPPING_LINK = "This column mapping is not valid or has expired; upload the file again."
EXPIRED_UPLOAD = "The uploaded file has expired or was already imported; upload it again."


class ColumnMappingForm(forms.Form):
    """One choice per column of ours: a column of the file, or none."""

    mapping_token = forms.CharField(widget=forms.HiddenInput(), max_length=1000)

    def __init__(
        self, *args: Any, model: type, columns: tuple[Column, ...], header: FileHeader, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.columns = columns
        choices = [(NOT_IN_FILE, "— not in the file —")]
        for title, example in zip(header.titles, header.examples, strict=True):
            if title:
                choices.append((title, f"{title} (e.g. {example})" if example else title))
        for column in columns:
            self.fields[self.field_name(column)] = forms.ChoiceField(
                choices=choices,
                required=False,
                label=capfirst(verbose_name(model, column.name) or column.name),
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )

    @staticmethod
    def field_name(column: Column) -> str:
        return f"map_{column.name}"

    def rows(self) -> list[tuple[forms.BoundField, Column]]:
        return [(self[self.field_name(column)], column) for column in self.columns]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        mapping: dict[str, str] = {}
        for column in self.columns:
            name = self.field_name(column)
            if cleaned.get(name):
                mapping[column.name] = cleaned[name]
            elif column.required and name not in self.errors:
                self.add_error(
                    name, f"{column.name} is required: choose the file's column that holds it."
                )
        chosen_for: dict[str, list[str]] = {}
        for column_name, title in mapping.items():
            chosen_for.setdefault(header_key(title), []).append(column_name)
        for names in chosen_for.values():
            if len(names) > 1:
                title = mapping[names[0]]
                self.add_error(
                    None,
                    f"The column '{title}' is chosen for {' and '.join(names)}; choose it for "
                    f"one of them only.",
                )
        cleaned["mapping"] = mapping
        return cleaned

    @property
    def tampered(self) -> bool:
        """A choice that is no column of the file: no form of ours posts that."""
        return any(
            self.has_error(self.field_name(column), "invalid_choice") for column in self.columns
        )


def mapping_token_sign(*, salt: str, upload: str, file_name: str, file_size: int) -> str:
    payload = {"upload": upload, "file": file_name, "size": file_size}
    return signing.dumps(payload, salt=salt, compress=True)


def mapping_token_read(token: str, *, salt: str) -> dict[str, Any] | None:
    """The upload a token names, or None for a forged, altered, foreign or expired one."""
    max_age = settings.BACKOFFICE_IMPORT_UPLOAD_MAX_AGE_HOURS * 3600
    try:
        payload = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:  # SignatureExpired included
        return None
    if not isinstance(payload, dict):
        return None
    shapes = {"upload": str, "file": str, "size": int}
    if any(type(payload.get(key)) is not kind for key, kind in shapes.items()):
        return None
    return payload


class ColumnMappingMixin:
    """The mapping step of BulkImportExportMixin's import page (which provides
    get_importer, _render_import, _upload_form, _token_salt and _import_job_start)."""

    def _mapping_salt(self, request: HttpRequest) -> str:
        return f"{self._token_salt(request)}:mapping"

    def _upload_header(self, *, upload: str, file_name: str, importer: Any) -> FileHeader | None:
        file_format = format_for(file_name)
        try:
            data = ImportUploadStorage(name=upload).read(
                SNIFF_CHARACTERS + 1 if file_format == "csv" else -1
            )
        except FileNotFoundError:
            return None
        return header_of_upload(data=data, file_format=file_format, importer=importer)

    def _mapping_step(
        self,
        request: HttpRequest,
        *,
        upload: str,
        file_name: str,
        file_size: int,
        current: dict[str, str] | None = None,
    ) -> HttpResponse | None:
        """The mapping form for an upload whose headers are not ours, or for any upload
        whose `current` mapping (a preview's, maybe empty) is to be changed; None for one
        that needs none (its headers are ours, or it cannot be read: validation says why)."""
        importer = self.get_importer(request)
        header = self._upload_header(upload=upload, file_name=file_name, importer=importer)
        if header is None or (
            current is None
            and not mapping_needed(
                header.titles,
                model=self.model,
                columns=importer.columns,
                refused=importer.refused_columns,
            )
        ):
            return None
        if current is None:
            remembered = import_mapping_remembered(user=request.user, model=self.model)
        else:
            remembered = current
        suggested = mapping_suggest(
            titles=header.titles, model=self.model, columns=importer.columns, remembered=remembered
        )
        token = mapping_token_sign(
            salt=self._mapping_salt(request),
            upload=upload,
            file_name=file_name,
            file_size=file_size,
        )
        initial = {"mapping_token": token}
        for column in importer.columns:
            initial[ColumnMappingForm.field_name(column)] = suggested.get(column.name, NOT_IN_FILE)
        form = ColumnMappingForm(
            initial=initial, model=self.model, columns=importer.columns, header=header
        )
        from_memory = any(
            header_key(remembered.get(name, "")) == header_key(title)
            for name, title in suggested.items()
        )
        origin = "current" if current is not None else "remembered" if from_memory else "similar"
        return self._render_mapping(request, form, file_name=file_name, origin=origin)

    def _mapping_post(self, request: HttpRequest) -> HttpResponse:
        payload = mapping_token_read(
            request.POST.get("mapping_token", ""), salt=self._mapping_salt(request)
        )
        if payload is None:
            context = {"import_error": INVALID_MAPPING_LINK}
            response = self._render_import(request, self._upload_form(request), context)
            response.status_code = 400
            return response
        importer = self.get_importer(request)
        header = self._upload_header(
            upload=payload["upload"], file_name=payload["file"], importer=importer
        )
        if header is None:
            messages.error(request, EXPIRED_UPLOAD)
            return HttpResponseRedirect(reverse(f"{self._url_prefix()}_import"))
        form = ColumnMappingForm(
            request.POST, model=self.model, columns=importer.columns, header=header
        )
        if not form.is_valid():
            response = self._render_mapping(request, form, file_name=payload["file"])
            if form.tampered:
                response.status_code = 400
            return response
        mapping = form.cleaned_data["mapping"]
        import_mapping_remember(user=request.user, model=self.model, columns=mapping)
        return self._import_job_start(
            request,
            upload=payload["upload"],
            file_name=payload["file"],
            file_size=payload["size"],
            mapping=mapping,
        )

    def _remap_context(self, request: HttpRequest, job: ImportJob) -> dict[str, Any]:
        """A ready preview that used a mapping or ignored columns offers to match the
        columns again, from the same upload."""
        ignored = any(note.startswith("Ignored column") for note in job.notes)
        if not (job.upload and (job.mapping or ignored)):
            return {}
        token = signing.dumps({"job": job.pk}, salt=f"{self._mapping_salt(request)}:again")
        return {"remap_token": token}

    def _remap_post(self, request: HttpRequest) -> HttpResponse:
        salt = f"{self._mapping_salt(request)}:again"
        max_age = settings.BACKOFFICE_IMPORT_UPLOAD_MAX_AGE_HOURS * 3600
        try:
            payload = signing.loads(request.POST["remap_token"], salt=salt, max_age=max_age)
        except signing.BadSignature:
            payload = None
        if not isinstance(payload, dict) or type(payload.get("job")) is not int:
            response = self._render_import(
                request, self._upload_form(request), {"import_error": INVALID_MAPPING_LINK}
            )
            response.status_code = 400
            return response
        job = self._own_jobs(request).filter(pk=payload["job"], status=ImportJob.Status.READY)
        job = job.first()
        if job is None or not job.upload or not import_job_cancel(job=job, keep_upload=True):
            messages.error(request, EXPIRED_UPLOAD)
            return HttpResponseRedirect(reverse(f"{self._url_prefix()}_import"))
        step = self._mapping_step(
            request,
            upload=job.upload,
            file_name=job.file_name,
            file_size=job.file_size,
            current=dict(job.mapping),
        )
        if step is None:  # the upload went meanwhile
            messages.error(request, EXPIRED_UPLOAD)
            return HttpResponseRedirect(reverse(f"{self._url_prefix()}_import"))
        return step

    def _render_mapping(
        self,
        request: HttpRequest,
        form: ColumnMappingForm,
        *,
        file_name: str,
        origin: str = "",
    ) -> HttpResponse:
        context = {"mapping_form": form, "mapping_file_name": file_name, "mapping_origin": origin}
        return self._render_import(request, self._upload_form(request), context)
