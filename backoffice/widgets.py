"""Input widgets rendered in Python: same HTML as Django's templates, without the template.

A changelist of 50 rows renders about 150 small widgets (the selection checkbox, each
list_editable input and the formset's hidden pk); through Django's form templates
(input.html including attrs.html) each costs ~0.3 ms, a third of the product list's render
time. These widgets keep Django's get_context (value formatting, attrs, required, ...) and
replace only the last step, the template, with the same markup built in Python.
tests/test_widgets.py compares both renderings.
"""

import html

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers, widgets
from django.db import models
from django.utils.functional import Promise, cached_property
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _


def conditional_escape(value) -> str:
    """django.utils.html.conditional_escape, without the lazy-argument wrapper around it.

    Django's checks every call's arguments for lazy strings (keep_lazy); at ~1,000 calls per
    changelist page that check cost more than the escaping. For the same reason the markup
    built here and in backoffice.changelist is wrapped with SafeString directly, which is
    what mark_safe (also keep_lazy) returns for a str.
    """
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def input_html(widget: dict) -> SafeString:
    """django/forms/widgets/input.html and attrs.html for a widget context, in Python."""
    parts = [
        '<input type="',
        conditional_escape(widget["type"]),
        '" name="',
        conditional_escape(widget["name"]),
        '"',
    ]
    if widget["value"] is not None:
        parts += [' value="', conditional_escape(widget["value"]), '"']
    for name, value in widget["attrs"].items():
        if value is False:
            continue
        parts += [" ", conditional_escape(name)]
        if value is not True:
            parts += ['="', conditional_escape(value), '"']
    parts.append(">")
    return SafeString("".join(parts))


class PythonRenderedInput:
    """Mixin for a widget whose template is django/forms/widgets/input.html (or extends it)."""

    def _render(self, template_name, context, renderer=None):
        return input_html(context["widget"])


class HiddenInput(PythonRenderedInput, forms.HiddenInput):
    pass


class CheckboxInput(PythonRenderedInput, forms.CheckboxInput):
    pass


class AdminIntegerFieldWidget(PythonRenderedInput, widgets.AdminIntegerFieldWidget):
    pass


def action_checkbox_html(obj) -> SafeString:
    """What ModelAdmin.action_checkbox renders for obj: the markup of input_html above for
    Django's CheckboxInput(attrs={"class": "action-select", "aria-label": ...}), written out
    (one per row; building and rendering a widget each time cost twice as much)."""
    # format_html(_("Select ... - {}"), str(obj)), the label Django builds, less its overhead.
    label = _("Select this object for an action - {}").format(conditional_escape(str(obj)))
    return SafeString(
        f'<input type="checkbox" name="{helpers.ACTION_CHECKBOX_NAME}"'
        f' value="{conditional_escape(str(obj.pk))}" class="action-select"'
        f' aria-label="{label}">'
    )


class ChangeListFormSet(forms.BaseModelFormSet):
    """The changelist's list_editable formset, its forms built only when something uses them.

    On a GET the admin builds the formset only to render each row's inputs, and asks for its
    media first, which builds one ModelForm per row (a deep copy of its fields and a hidden
    pk field with a queryset of its own). The media of every form of one formset is that of
    its empty form (is_multipart likewise). backoffice.changelist renders the rows' inputs of
    an unbound formset of this class from the row objects (same HTML, tests compare); a
    POST, or any code asking for .forms, gets Django's forms as always.
    """

    @cached_property
    def empty_form(self):
        return super().empty_form

    @property
    def media(self):
        return self.empty_form.media

    def is_multipart(self):
        return self.empty_form.is_multipart()

    def __getitem__(self, index):
        # The template engine tries formset["errors"], formset["management_form"], ... before
        # the attribute: refuse a name the way a list of forms would, without building it.
        if not isinstance(index, (int, slice)):
            raise TypeError(
                f"formset indices must be integers or slices, not {type(index).__name__}"
            )
        return super().__getitem__(index)


class PythonRenderedRowsMixin:
    """ModelAdmin mixin: per-row widgets of the changelist rendered in Python (same HTML).

    Covers the selection checkbox of every row and, for list_editable, the formset's hidden
    pk input and integer inputs (the admin's AdminIntegerFieldWidget).
    """

    @admin.display(description=mark_safe('<input type="checkbox" id="action-toggle">'))
    def action_checkbox(self, obj):
        return action_checkbox_html(obj)

    def get_changelist_form(self, request, **kwargs):
        opts = self.model._meta
        python_widgets = {opts.pk.name: HiddenInput}
        for name in self.list_editable:
            field = opts.get_field(name)
            if (
                isinstance(field, models.IntegerField)
                and not isinstance(field, models.BigIntegerField)
                and not field.choices
            ):
                python_widgets[name] = AdminIntegerFieldWidget
        kwargs["widgets"] = {**python_widgets, **kwargs.get("widgets", {})}
        return super().get_changelist_form(request, **kwargs)

    def get_changelist_formset(self, request, **kwargs):
        kwargs.setdefault("formset", ChangeListFormSet)
        return super().get_changelist_formset(request, **kwargs)
