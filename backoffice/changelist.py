"""The changelist's result rows, rendered with the work per page done once per page.

Django's ``items_for_result`` (django/contrib/admin/templatetags/admin_list.py) works out every
cell from scratch: for each row and column it looks the column up again, reverses the change
URL, resolves that URL once more to merge the preserved filters into it, builds the boolean
icons' static URLs, renders an empty error list through a template and wraps each cell with
``format_html``. At 50 rows and 9 columns that is about 60% of a product-list page, and it is
why a filtered page of 50 rows cost 2.7x a page of 4.

``ChangeListRows(cl).rows()`` gives the same rows with the same HTML: what depends only on
the column (the field, CSS classes, link or not, the formatter) and on the page (the change
URL around a placeholder pk, with the preserved filters already merged, and the empty value)
is computed once, and each cell is one lookup, one format and one escape. Anything unusual (a
custom ``url_for_result``, a pk that is not an integer, a column that is not a plain model
field) goes through Django's own helpers per row, as before. ``tests/test_changelist_rows.py``
renders every registered changelist both ways, with filters, searches, popups and
list_editable errors, and compares the HTML; it also guards the private Django helpers used
here (``_get_non_gfk_field``, ``_boolean_icon``, ``_coerce_field_name``) across upgrades.

Used by the ``backoffice_result_list`` tag (backoffice/templatetags/backoffice_admin.py), which
templates/admin/change_list.html puts where jazzmin's change_list.html has ``result_list``.
"""

import datetime
import decimal
import html
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

from django.contrib.admin.templatetags.admin_list import (
    ResultList,
    _boolean_icon,
    _coerce_field_name,
    result_headers,
    result_hidden_fields,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
    lookup_field,
)
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.forms.models import BaseModelForm, BaseModelFormSet
from django.urls import NoReverseMatch
from django.utils import dateformat, formats, numberformat, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from backoffice.admin_urls import PK_PLACEHOLDER
from backoffice.widgets import ChangeListFormSet, PythonRenderedInput, conditional_escape

INTEGER_PK_FIELDS = (models.AutoField, models.BigAutoField, models.IntegerField)
# Values display_for_field formats with number_format (bool is an int but never in such a field).
NUMBER_TYPES = (int, float, decimal.Decimal)


@dataclass
class Column:
    """What every cell of one list_display column shares."""

    name: object  # a field name, a ModelAdmin/model attribute name or a callable
    classes: str  # "field-<name>", plus "nowrap" for a plain date, time or foreign key field
    is_link: bool
    table_tag: str
    # For a plain (not auto-created) model field: its cells are format_value(getattr(result,
    # name)), what lookup_field and display_for_field give. None: Django's per-cell path.
    format_value: Callable[[object], object] | None
    # For a callable or a ModelAdmin method: the callable lookup_field would call.
    method: Callable[[object], object] | None


class ChangeListRows:
    """Per-page state for rendering cl.result_list."""

    def __init__(self, cl: ChangeList) -> None:
        self.cl = cl
        self.model_admin = cl.model_admin
        self.opts = cl.lookup_opts
        self.pk_attname = self.opts.pk.attname
        self.pk_name = cl.model._meta.pk.name
        self.empty_value_display = cl.model_admin.get_empty_value_display()
        self.columns = self._columns()
        self.link_parts = self._link_parts()
        self.unbound_inputs = UnboundRowInputs.for_formset(cl.formset) if cl.formset else None

    # -- per page ----------------------------------------------------------------------------

    def _columns(self) -> list[Column]:
        columns, first = [], True
        for index, name in enumerate(self.cl.list_display):
            is_link = self._link_in_col(first, name)
            table_tag = "td"
            if is_link:
                table_tag, first = ("th" if first else "td"), False
            field = self._plain_field(name)
            classes = f"field-{_coerce_field_name(name, index)}"
            if isinstance(field, (models.DateField, models.TimeField, models.ForeignKey)):
                classes += " nowrap"
            columns.append(
                Column(
                    name=name,
                    classes=classes,
                    is_link=is_link,
                    table_tag=table_tag,
                    format_value=field and self._formatter(field, is_link),
                    method=self._method(name),
                )
            )
        return columns

    def _link_in_col(self, is_first: bool, name) -> bool:
        links = self.cl.list_display_links
        if links is None:
            return False
        if is_first and not links:
            return True
        return name in links

    def _plain_field(self, name) -> models.Field | None:
        """The model field lookup_field would find for this column, if any."""
        if not isinstance(name, str):
            return None
        try:
            field = _get_non_gfk_field(self.opts, name)
        except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
            return None
        return None if field.auto_created else field

    def _method(self, name) -> Callable[[object], object] | None:
        """The callable lookup_field calls for this column: name itself or the ModelAdmin's."""
        if callable(name):
            return name
        if name == "__str__" or not hasattr(self.model_admin, name):
            return None
        try:
            _get_non_gfk_field(self.opts, name)
        except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
            return getattr(self.model_admin, name)
        return None

    def _formatter(self, field: models.Field, is_link: bool) -> Callable[[object], object]:
        """display_for_field for this field, with what it looks up per call looked up once.

        Covers the field types of this project's lists; any other type, and any value of a
        type the field does not normally hold, goes to display_for_field itself.
        """
        empty = self.empty_value_display

        def generic(value):
            return display_for_field(value, field, empty, avoid_link=is_link)

        if isinstance(field.remote_field, models.ManyToOneRel):
            return lambda value: empty if value is None else value
        if getattr(field, "flatchoices", None):
            return generic
        if isinstance(field, models.BooleanField):
            icons = {value: _boolean_icon(value) for value in (True, False, None)}
            return icons.__getitem__
        if type(field) in (models.CharField, models.TextField, models.SlugField):
            return lambda value: value if type(value) is str and value else generic(value)
        if isinstance(field, models.DateTimeField):
            format_datetime = _parsed_date_format(formats.get_format("DATETIME_FORMAT"))
            return lambda value: (
                format_datetime(timezone.template_localtime(value))
                if isinstance(value, datetime.datetime)
                else generic(value)
            )
        if isinstance(field, (models.DecimalField, models.IntegerField, models.FloatField)):
            number_format = self._number_format(
                field.decimal_places if isinstance(field, models.DecimalField) else None
            )
            return lambda value: (
                number_format(value) if isinstance(value, NUMBER_TYPES) else generic(value)
            )
        return generic

    @staticmethod
    def _number_format(decimal_pos: int | None) -> Callable[[object], str]:
        """formats.number_format(value, decimal_pos) with the locale's formats looked up once."""
        language = get_language()
        return partial(
            numberformat.format,
            decimal_sep=formats.get_format("DECIMAL_SEPARATOR", language, use_l10n=True),
            decimal_pos=decimal_pos,
            grouping=formats.get_format("NUMBER_GROUPING", language, use_l10n=True),
            thousand_sep=formats.get_format("THOUSAND_SEPARATOR", language, use_l10n=True),
            force_grouping=False,
            use_l10n=True,
        )

    def _link_parts(self) -> tuple[str, str] | None:
        """The escaped change URL around the pk, preserved filters merged, when it is safe."""
        cl = self.cl
        if (
            type(cl).url_for_result is not ChangeList.url_for_result
            or not isinstance(self.opts.pk, INTEGER_PK_FIELDS)
            or not any(column.is_link for column in self.columns)
        ):
            return None
        try:
            url = ChangeList.url_for_result(
                cl, type("Placeholder", (), {self.pk_attname: PK_PLACEHOLDER})()
            )
        except NoReverseMatch:
            return None
        url = add_preserved_filters(
            {"preserved_filters": cl.preserved_filters, "opts": cl.opts}, url
        )
        before, placeholder, after = html.escape(url).partition(PK_PLACEHOLDER)
        return (before, after) if placeholder else None

    # -- per row -----------------------------------------------------------------------------

    def rows(self) -> Iterator["Row"]:
        cl = self.cl
        if not cl.formset:
            for result in cl.result_list:
                yield Row(None, self.cells(result, None))
        elif self.unbound_inputs is not None:
            for index, result in enumerate(cl.result_list):
                inputs = self.unbound_inputs.row(index, result)
                yield LazyFormRow(cl.formset, index, self.cells(result, inputs))
        else:
            for result, form in zip(cl.result_list, cl.formset.forms, strict=False):
                yield Row(form, self.cells(result, self._form_inputs(form)))

    def hidden_fields(self) -> str:
        """What result_hidden_fields gives, in one piece: the formset's hidden pk inputs."""
        if self.unbound_inputs is not None:
            return "".join(
                self.unbound_inputs.hidden_pk(index, result)
                for index, result in enumerate(self.cl.result_list)
            )
        return "".join(map(str, result_hidden_fields(self.cl)))

    def _form_inputs(self, form) -> dict[object, str]:
        """The row's list_editable cells from its form: column name -> input (and errors)."""
        inputs = {}
        pk_is_hidden = form[self.pk_name].is_hidden
        for column in self.columns:
            if (
                not column.is_link
                and column.name in form.fields
                and not (column.name == self.pk_name and pk_is_hidden)
            ):
                bound_field = form[column.name]
                errors = bound_field.errors
                inputs[column.name] = (str(errors) if errors else "") + str(bound_field)
        if not pk_is_hidden:
            inputs[VISIBLE_PK_CELL] = conditional_escape(form[self.pk_name])
        return inputs

    def cells(self, result, inputs: dict[object, str] | None) -> list[SafeString]:
        cells = []
        for column in self.columns:
            if inputs is not None and column.name in inputs:
                # list_editable: the form's input (and its errors) instead of the value.
                html_repr = inputs[column.name]
                classes = column.classes
            else:
                result_repr, classes = self._display(column, result)
                if column.is_link:
                    html_repr = self._link(result, result_repr)
                else:
                    html_repr = conditional_escape(result_repr)
            tag = column.table_tag
            cells.append(SafeString(f'<{tag} class="{classes}">{html_repr}</{tag}>'))
        if inputs is not None and VISIBLE_PK_CELL in inputs:
            cells.append(SafeString(f"<td>{inputs[VISIBLE_PK_CELL]}</td>"))
        return cells

    def _display(self, column: Column, result) -> tuple[object, str]:
        """The cell's value as items_for_result shows it, and its CSS classes."""
        if column.format_value is not None:
            value = getattr(result, column.name)
            if isinstance(value, str) and value.strip() == "":
                value = ""
            return column.format_value(value), column.classes
        # Django's own per-cell path, for everything but plain model fields.
        empty_value_display = self.empty_value_display
        classes = [column.classes]
        try:
            if column.method is not None:
                field, attr, value = None, column.method, column.method(result)
            else:
                field, attr, value = lookup_field(column.name, result, self.model_admin)
        except ObjectDoesNotExist:
            return empty_value_display, column.classes
        empty_value_display = getattr(attr, "empty_value_display", empty_value_display)
        if isinstance(value, str) and value.strip() == "":
            value = ""
        if field is None or field.auto_created:
            if column.name == "action_checkbox":
                classes = ["action-checkbox"]
            boolean = getattr(attr, "boolean", False)
            if isinstance(attr, property) and hasattr(attr, "fget"):
                boolean = getattr(attr.fget, "boolean", False)
            result_repr = display_for_value(value, empty_value_display, boolean)
            if isinstance(value, (datetime.date, datetime.time)):
                classes.append("nowrap")
        else:
            if isinstance(field.remote_field, models.ManyToOneRel):
                field_value = getattr(result, field.name)
                result_repr = empty_value_display if field_value is None else field_value
            else:
                result_repr = display_for_field(
                    value, field, empty_value_display, avoid_link=column.is_link
                )
            if isinstance(field, (models.DateField, models.TimeField, models.ForeignKey)):
                classes.append("nowrap")
        return result_repr, " ".join(classes)

    def _link(self, result, result_repr) -> str:
        cl = self.cl
        if self.link_parts is not None:
            before, after = self.link_parts
            url_html = f"{before}{getattr(result, self.pk_attname)}{after}"
        else:
            try:
                url = cl.url_for_result(result)
            except NoReverseMatch:
                return conditional_escape(result_repr)
            url = add_preserved_filters(
                {"preserved_filters": cl.preserved_filters, "opts": cl.opts}, url
            )
            url_html = html.escape(url)
        popup = ""
        if cl.is_popup:
            attr = str(cl.to_field) if cl.to_field else self.pk_attname
            popup = f' data-popup-opener="{conditional_escape(result.serializable_value(attr))}"'
        return f'<a href="{url_html}"{popup}>{conditional_escape(result_repr)}</a>'


def _parsed_date_format(format_string: str) -> Callable[[datetime.datetime], str]:
    """dateformat.format(value, format_string) for datetimes, the format parsed once.

    django.utils.dateformat parses the format string (a regex split and an unescape per
    literal) on every call, a third of the time it takes per value.
    """
    pieces: list[tuple[bool, str]] = []  # (is a format character, the character or literal)
    for index, piece in enumerate(dateformat.re_formatchars.split(str(format_string))):
        if index % 2:
            pieces.append((True, piece))
        elif piece:
            pieces.append((False, dateformat.re_escaped.sub(r"\1", piece)))

    def format_datetime(value: datetime.datetime) -> str:
        formatter = dateformat.DateFormat(value)
        return "".join(
            str(getattr(formatter, piece)()) if is_code else piece for is_code, piece in pieces
        )

    return format_datetime


# inputs key of the cell Django adds at the end of a row whose pk input is not hidden.
VISIBLE_PK_CELL = object()


class UnboundRowInputs:
    """The list_editable inputs of an unbound changelist formset, rendered without its forms.

    Django builds a ModelForm per row to render two inputs (~30 µs a row: a deep copy of the
    form's fields, a hidden pk field with a queryset of its own). For the plain case, this
    renders them as BoundField would from the row's object: the name and id from the
    prefixes, the value from the model field through the form field's prepare_value, no
    other attribute (formset forms never set "required"; an unbound form has no errors). The
    plain case: backoffice.widgets.ChangeListFormSet (its media never builds the forms) with
    Django's own form and formset construction, no initial data or form kwargs, and fields
    that are the model's own, rendered in Python (PythonRenderedInput), neither disabled,
    localized, described by help text nor showing a hidden initial. Anything else returns
    None and the rows use the formset's forms. tests/test_changelist_rows.py compares both.
    """

    def __init__(self, formset, editable, pk_field) -> None:
        self.formset = formset
        self.editable = editable  # [(name, form field, model field)]
        self.pk_field = pk_field
        self.pk_name = formset.model._meta.pk.name
        self.renderer = formset.form_renderer

    @classmethod
    def for_formset(cls, formset) -> "UnboundRowInputs | None":
        formset_class, form_class = type(formset), formset.form
        if (
            formset.is_bound
            or not isinstance(formset, ChangeListFormSet)
            or formset.initial
            or formset.form_kwargs
            or formset.extra
            or formset.min_num
            or any(
                getattr(formset_class, name) is not getattr(BaseModelFormSet, name)
                for name in ("_construct_form", "add_fields", "get_form_kwargs", "add_prefix")
            )
            or any(
                getattr(form_class, name) is not getattr(BaseModelForm, name)
                for name in ("__init__", "add_prefix", "get_initial_for_field")
            )
        ):
            return None
        opts = formset.model._meta
        prototype = formset.empty_form
        editable, pk_field = [], None
        for name, field in prototype.fields.items():
            widget = field.widget
            if (
                not isinstance(widget, PythonRenderedInput)
                or field.disabled
                or field.localize
                or field.show_hidden_initial
                or field.help_text
                or "id" in widget.attrs
            ):
                return None
            if name == opts.pk.name:
                pk_field = field
                continue
            try:
                model_field = opts.get_field(name)
            except FieldDoesNotExist:
                return None
            if not model_field.concrete or not model_field.editable or widget.is_hidden:
                return None
            editable.append((name, field, model_field))
        if pk_field is None or not pk_field.widget.is_hidden:
            return None
        return cls(formset, editable, pk_field)

    def _input(self, field, html_name: str, value) -> str:
        auto_id = self.formset.auto_id  # BoundField.auto_id
        if auto_id and "%s" in str(auto_id):
            attrs = {"id": auto_id % html_name}
        else:
            attrs = {"id": html_name} if auto_id else {}
        return field.widget.render(html_name, value, attrs=attrs, renderer=self.renderer)

    def row(self, index: int, result) -> dict[object, str]:
        """The row's inputs by column name, as its form's bound fields render them."""
        prefix = self.formset.add_prefix(index)
        inputs = {}
        for name, field, model_field in self.editable:
            # BaseModelForm's initial (model_to_dict), then get_initial_for_field.
            value = model_field.value_from_object(result)
            if callable(value):
                value = value()
            if (
                isinstance(value, (datetime.datetime, datetime.time))
                and not field.widget.supports_microseconds
            ):
                value = value.replace(microsecond=0)
            inputs[name] = self._input(field, f"{prefix}-{name}", field.prepare_value(value))
        return inputs

    def hidden_pk(self, index: int, result) -> str:
        """The row's hidden pk input (BaseModelFormSet.add_fields: initial is the pk)."""
        name = f"{self.formset.add_prefix(index)}-{self.pk_name}"
        return self._input(self.pk_field, name, self.pk_field.prepare_value(result.pk))


class Row(ResultList):
    """A row's cells, as Django's ResultList, that also renders as the whole row in one go."""

    def __html__(self) -> SafeString:
        return SafeString("".join(self))

    # The template engine calls str() on a value that is not a str, then escapes the result
    # unless it is safe.
    __str__ = __html__


class LazyFormRow(Row):
    """A Row whose form (ResultList.form) is the formset's, built only when asked for."""

    def __init__(self, formset, index: int, items) -> None:
        list.__init__(self, items)
        self._formset = formset
        self._index = index

    @property
    def form(self):
        return self._formset.forms[self._index]


def result_list(cl: ChangeList) -> dict:
    """django.contrib.admin.templatetags.admin_list.result_list, rows from ChangeListRows."""
    headers = list(result_headers(cl))
    rows = ChangeListRows(cl)
    hidden = rows.hidden_fields()
    return {
        "cl": cl,
        # In one item: the template renders each item ({{ item }}, 50 a page) one after the
        # other, so the HTML is the same.
        "result_hidden_fields": [mark_safe(hidden)] if hidden else [],
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": list(rows.rows()),
    }
