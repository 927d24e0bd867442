"""What the export page shows: the columns by their fields' names (the file keeps the
import's column headers, so it imports back unchanged), CSV chosen, the rows it exports
counted as the list counts them and the list's filters named (docs/architecture.md#export).
"""

from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import BadRequest, FieldDoesNotExist
from django.http import HttpRequest
from django.utils.text import capfirst
from import_export.formats.base_formats import CSV
from import_export.forms import SelectableFieldsExportForm


class BulkExportForm(SelectableFieldsExportForm):
    """import-export's export form: formats as radio buttons with CSV chosen (their values
    stay the formats' indexes), and each column labelled by its field's verbose name."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        fmt = self.fields["format"]
        fmt.widget = forms.RadioSelect(attrs={"class": "form-check-input"})
        # Set after the widget: the field hands its choices to its widget.
        fmt.choices = [(str(index), f().get_title().upper()) for index, f in enumerate(formats)]
        fmt.initial = next(
            (str(index) for index, f in enumerate(formats) if issubclass(f, CSV)), "0"
        )
        for resource in resources:
            model = resource._meta.model
            for name, field in resource().fields.items():
                form_field = self.fields.get(self.create_boolean_field_name(resource, name))
                if form_field is not None:
                    form_field.label = column_label(model, field.attribute or name)
                    form_field.column_name = field.column_name
                    form_field.widget.attrs["class"] = "form-check-input"


def column_label(model, attribute: str) -> str:
    """The model field's verbose name ("SKU", "Active"), else the attribute in words."""
    try:
        return capfirst(model._meta.get_field(attribute.split("__")[0]).verbose_name)
    except FieldDoesNotExist:
        return capfirst(attribute.replace("_", " "))


@dataclass(frozen=True)
class ExportScope:
    """How many rows the export writes, and which of the list's filters chose them."""

    count: int
    selected: bool = False
    capped: bool = False  # more than `count - 1` (the list's counting limit)
    estimated: bool = False  # the planner's estimate of a large unfiltered table
    filters: tuple[str, ...] = ()

    def button_label(self, opts) -> str:
        if self.capped:
            return f"Export more than {self.count - 1:,} {opts.verbose_name_plural}"
        name = opts.verbose_name if self.count == 1 else opts.verbose_name_plural
        if self.selected:
            return f"Export {self.count:,} selected {name}"
        if self.estimated:
            return f"Export about {self.count:,} {name}"
        return f"Export {self.count:,} {name}"

    @property
    def may_run_in_background(self) -> bool:
        return self.estimated or self.capped or self.count > settings.BACKOFFICE_EXPORT_JOB_MIN_ROWS


def export_scope(*, model_admin, request: HttpRequest, form: forms.Form) -> ExportScope:
    """Rows chosen on the list ("Export selected"), else the list's rows counted as its page
    counts them (capped for a filter or search, estimated for a whole large table)."""
    if form.is_bound and "export_items" in form.data:
        return ExportScope(count=len(form.data.getlist("export_items")), selected=True)
    if form.initial.get("export_items"):
        return ExportScope(count=len(form.initial["export_items"]), selected=True)
    changelist = export_changelist(model_admin, request)
    paginator = changelist.paginator
    return ExportScope(
        count=changelist.result_count,
        capped=getattr(paginator, "count_is_capped", False),
        estimated=getattr(paginator, "count_is_estimated", False),
        filters=tuple(active_filters(changelist)),
    )


def export_changelist(model_admin, request: HttpRequest):
    """The list as its page builds it; a filter value the list cannot use is a 400."""
    try:
        return model_admin.get_changelist_instance(request)
    except IncorrectLookupParameters as error:
        raise BadRequest("This list cannot be filtered that way.") from error


def active_filters(changelist) -> list[str]:
    """Each applied filter as "Title: choice", and the search as "Search: “term”"."""
    names = []
    for spec in changelist.filter_specs:
        if not spec.used_parameters:
            continue
        chosen = [str(c["display"]) for c in spec.choices(changelist) if c["selected"]]
        if chosen:  # a value no choice matches filters nothing
            names.append(f"{capfirst(str(spec.title))}: {', '.join(chosen)}")
    if changelist.query:
        names.append(f"Search: “{changelist.query}”")
    return names
