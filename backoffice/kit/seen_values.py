"""Change pages that never save a page's old values over a change someone else saved since the
page was shown (docs/architecture.md#lost-edits).

The page carries, in one hidden input, a fingerprint of each field's value as it showed it.
A save compares, field by field, the value as shown, as stored now (the admin reads the row
under a lock) and as posted:

- stored as shown: nobody else changed it, the posted value is saved;
- posted as shown: this person left it alone, the stored value (the other change) stays;
- changed on both sides to different values: the form refuses that field, naming the value
  stored now, and shows it as seen from then on: saving again puts this person's value in.

A post without the input (a script, a page rendered before) is saved as posted, as Django's
admin does. The stock has a rule of its own (catalog.stock_edits) and is left out.
"""

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import connection, router, transaction
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.text import Truncator

from .db import integer_pks_in

SEEN_VALUES_NAME = "_seen_values"
CHANGED_MEANWHILE = (
    "Someone else changed this since you opened the page: it is now “%(value)s”. "
    "Save again to replace it with yours."
)


def value_fingerprint(field: forms.Field, value: Any) -> str:
    """The same for values the field shows alike: a price of 12.5 and 12.50, a text with the
    CRLF line ends browsers post and the LF ones stored, a related object and its pk, a set
    of related objects in any order, a moment in any time zone to the second."""
    value = field.prepare_value(value)
    if isinstance(value, list | tuple | set | frozenset):
        value = sorted(repr(_canonical(item)) for item in value)
    else:
        value = _canonical(value)
    return hashlib.sha256(repr(value).encode()).hexdigest()[:16]


def _canonical(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return value.normalize()
    if isinstance(value, str):
        # The form strips what is posted (CharField's strip): a stored " Filter" is shown
        # and posted back as "Filter" untouched.
        return value.replace("\r\n", "\n").strip()
    if isinstance(value, datetime):
        value = value.replace(microsecond=0)  # the page shows seconds
        return value.astimezone(UTC) if value.tzinfo else value
    return value


class SeenValuesFormMixin:
    """For a ModelForm of a change page; seen_values_exclude names fields with a rule of their
    own. The page renders `form.seen_values_input` inside its <form>."""

    seen_values_exclude: frozenset[str] = frozenset()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen_values_kept: list[str] = []  # left as shown: the stored value stays
        if self.instance.pk is None:
            self.seen_values: dict[str, str] | None = None
        elif self.is_bound:
            self.seen_values = self._seen_values_posted()
        else:
            self.seen_values = {
                name: value_fingerprint(field, self.get_initial_for_field(field, name))
                for name, field in self._seen_fields()
            } or None

    def _seen_fields(self) -> list[tuple[str, forms.Field]]:
        model_fields = set(self._meta.fields or ())
        return [
            (name, field)
            for name, field in self.fields.items()
            # A disabled field is never posted: it keeps the stored value, and its page may
            # not show it whole (the password hash).
            if name in model_fields and name not in self.seen_values_exclude and not field.disabled
        ]

    def _seen_values_posted(self) -> dict[str, str] | None:
        try:
            seen = json.loads(self.data.get(SEEN_VALUES_NAME) or "null")
        except (ValueError, RecursionError):  # RecursionError: nested past Python's limit
            return None
        if not (isinstance(seen, dict) and all(isinstance(v, str) for v in seen.values())):
            return None  # not a page's: saved as posted, as without it
        return seen

    @property
    def seen_values_input(self) -> str:
        if not self.seen_values:
            return ""
        return format_html(
            '<input type="hidden" name="{}" value="{}">',
            SEEN_VALUES_NAME,
            json.dumps(self.seen_values, sort_keys=True),
        )

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        if not self.seen_values:
            return cleaned_data
        for name, field in self._seen_fields():
            shown = self.seen_values.get(name)
            if shown is None or name not in cleaned_data:
                continue
            stored_value = self.get_initial_for_field(field, name)  # the row read at the post
            stored = value_fingerprint(field, stored_value)
            if stored == shown:
                continue
            posted = value_fingerprint(field, cleaned_data[name])
            if posted == shown:
                del cleaned_data[name]  # the instance keeps the stored value
                self.seen_values_kept.append(name)
            elif posted != stored:
                self.seen_values[name] = stored
                self.add_error(
                    name,
                    ValidationError(
                        CHANGED_MEANWHILE,
                        code="changed_meanwhile",
                        params={"value": value_display(field, stored_value)},
                    ),
                )
        return cleaned_data

    @cached_property
    def changed_data(self) -> list[str]:
        # Recent actions name what this person changed, not what they left as shown.
        return [name for name in super().changed_data if name not in self.seen_values_kept]


def value_display(field: forms.Field, value: Any) -> str:
    if isinstance(field, forms.ModelMultipleChoiceField):  # model_to_dict gives the objects
        value = ", ".join(sorted(str(item) for item in value or ()))
    elif isinstance(field, forms.ModelChoiceField):
        value = field.queryset.filter(pk=value).first() if value is not None else None
    elif isinstance(field, forms.ChoiceField):
        labels: dict[Any, Any] = {}
        for key, label in field.choices:
            if isinstance(label, list | tuple):  # a group of choices
                labels.update(label)
            else:
                labels[key] = label
        value = labels.get(value, value)
    if value is None or value == "":
        return "empty"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return Truncator(str(value)).chars(80)


class SeenValuesAdminMixin:
    """ModelAdmin mixin: the change page renders its form's seen values (the form must use
    SeenValuesFormMixin). The page extends the change page of the next class in line (e.g.
    import-export's, which adds its buttons), or Django's."""

    change_form_template = "admin/seen_values_change_form.html"

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        (pk,) = integer_pks_in([object_id or ""]) or [None]
        if not (
            request.method == "POST" and pk is not None and self.has_change_permission(request)
        ):
            return super().changeform_view(request, object_id, form_url, extra_context)
        # The row is locked before Django reads it: the form compares what its page showed
        # with it and saves, and nobody changes it in between.
        with transaction.atomic(using=router.db_for_write(self.model)):
            self.change_lock(pk)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def change_lock(self, pk: int) -> None:
        """Lock the row until the transaction ends (SQLite runs one writer at a time)."""
        if connection.features.has_select_for_update:
            rows = self.model._default_manager.filter(pk=pk).select_for_update(no_key=True)
            list(rows.values_list("pk"))

    def save_model(self, request, obj, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        kept = getattr(form, "seen_values_kept", ())
        if kept:
            labels = ", ".join(str(form.fields[name].label or name) for name in kept)
            self.message_user(
                request,
                f"Kept what someone else saved since you opened the page: {labels}.",
                messages.INFO,
            )

    def render_change_form(self, request, context, *args, **kwargs):
        parent = super().change_form_template
        context["seen_values_parent_template"] = parent or "admin/change_form.html"
        return super().render_change_form(request, context, *args, **kwargs)
