"""Change lists filter only on what their admin declares (docs/security.md).

Django's ModelAdmin.lookup_allowed accepts any lookup on a model's own fields from the URL,
JSON paths included: `?snapshot__fields__password__startswith=pbkdf2_sha256$` would let
anyone who can open the list learn a stored hash one character at a time. With
DeclaredLookupsOnlyMixin a list accepts its list_filter and date_hierarchy parameters and
nothing else (search goes through `q`); anything else is a DisallowedModelAdminLookup, which
Django answers with 400.

The values a change list is given must be ones its fields can hold, or the database would
fail on them (500): a filter value beyond the database's integer range or whose time zone
shift leaves the calendar, a year the calendar has not, a NUL character; an action's or a
list edit's row that is no primary key; a search of more words than MAX_SEARCH_TERMS (each
word is one more condition). They answer 400 too, and a many-to-many choice beyond any row is
a form error (docs/security.md).
"""

import datetime
import itertools
import re

from django.contrib.admin import SimpleListFilter
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.widgets import url_params_from_lookup_dict
from django.core.exceptions import BadRequest, FieldDoesNotExist, ValidationError
from django.db.models import Field, IntegerField, Model
from django.db.models.constants import LOOKUP_SEP
from django.forms.models import BaseModelFormSet, ModelMultipleChoiceField
from django.http import HttpRequest
from django.utils.text import smart_split

# The final parts Django's own list filters and date_hierarchy put after a declared field:
# BooleanFieldListFilter and ChoicesFieldListFilter (exact, isnull), DateFieldListFilter
# (gte, lt, isnull), EmptyFieldListFilter (isempty), RelatedFieldListFilter (the related
# pk, then exact; isnull), date_hierarchy (year, month, day, then gte and lt).
FILTER_LOOKUPS = frozenset(
    {"exact", "isnull", "isempty", "gte", "gt", "lt", "lte", "in", "year", "month", "day"}
)
SECRET_FIELDS = frozenset({"password"})
# Words of a search (`q`, the autocomplete's `term`): each is one more condition, and SQLite
# refuses a query nested 1,000 deep (the product search's from 498 words).
MAX_SEARCH_TERMS = 100
# Dates and times a day inside the calendar's ends, so that no time zone shift (the value's
# own offset, the database's UTC) takes one outside it; the date parts' ranges.
EARLIEST = datetime.datetime.min + datetime.timedelta(days=1)
LATEST = datetime.datetime.max - datetime.timedelta(days=1)
DATE_PARTS = {"year": (EARLIEST.year + 1, LATEST.year - 1), "month": (1, 12), "day": (1, 31)}


def declared_filter_parameters(model_admin, request: HttpRequest | None) -> tuple[set, set]:
    """(the field paths list_filter and date_hierarchy name, SimpleListFilter parameters)."""
    list_filter = (
        model_admin.get_list_filter(request) if request is not None else model_admin.list_filter
    )
    paths, parameters = set(), set()
    for item in list_filter:
        if isinstance(item, type) and issubclass(item, SimpleListFilter):
            parameters.add(item.parameter_name)
        elif isinstance(item, (list, tuple)):
            paths.add(item[0])
        elif isinstance(item, str):
            paths.add(item)
    if model_admin.date_hierarchy:
        paths.add(model_admin.date_hierarchy)
    return paths, parameters


def lookup_is_declared(model_admin, lookup: str, value, request: HttpRequest | None) -> bool:
    parts = lookup.split(LOOKUP_SEP)
    if SECRET_FIELDS.intersection(parts):
        return False
    opts = model_admin.model._meta
    # Raw-id popups filter by another model's limit_choices_to (as Django's own check).
    for fk_lookup in opts.related_fkey_lookups:
        if callable(fk_lookup):
            fk_lookup = fk_lookup()
        if (lookup, value) in url_params_from_lookup_dict(fk_lookup).items():
            return True
    paths, parameters = declared_filter_parameters(model_admin, request)
    if "\x00" in str(value):  # no field holds one; PostgreSQL refuses it in any text
        return False
    if lookup in parameters:
        return True
    for path in paths:
        prefix = path + LOOKUP_SEP
        if lookup != path and not lookup.startswith(prefix):
            continue
        rest = lookup.removeprefix(prefix).split(LOOKUP_SEP) if lookup != path else ["exact"]
        try:
            field = get_fields_from_path(model_admin.model, path)[-1]
        except FieldDoesNotExist:
            continue
        if field.is_relation:
            if rest[0] in {field.target_field.name, "pk"}:
                rest = rest[1:] or ["exact"]
            field = field.target_field
        if len(rest) == 1 and rest[0] in FILTER_LOOKUPS:
            return filter_value_fits(field, rest[0], str(value))
    return False


def filter_value_fits(field: Field, lookup: str, value: str) -> bool:
    """Whether the database can compare `field` with this URL value: an integer in its
    range, a date or time a day inside the calendar, a date part in its range. A value the
    field cannot parse is left to Django, which refuses it as before."""
    if lookup in DATE_PARTS:
        low, high = DATE_PARTS[lookup]
        return value.isascii() and value.isdigit() and low <= int(value) <= high
    if lookup in ("isnull", "isempty") or not value:
        return True
    for raw in value.split(",") if lookup == "in" else [value]:
        try:
            parsed = field.to_python(raw)
        except (ValidationError, ValueError, TypeError):
            continue  # Django's own answer (a 400 or the list's "?e=1")
        if not value_in_range(field, parsed):
            return False
    return True


def value_in_range(field: Field, value) -> bool:
    if isinstance(value, datetime.datetime):
        return EARLIEST <= value.replace(tzinfo=None) <= LATEST
    if isinstance(value, datetime.date):
        return EARLIEST.date() <= value <= LATEST.date()
    if isinstance(field, IntegerField) and isinstance(value, int):
        try:  # the database's range (Django's validators for every integer field)
            field.run_validators(value)
        except ValidationError:
            return False
    return True


def search_words_check(search_term: str) -> None:
    """Refuse (400) a search of more words than MAX_SEARCH_TERMS, split as Django's admin
    splits them: each word is one more condition of the query."""
    words = itertools.islice(smart_split(search_term), MAX_SEARCH_TERMS + 1)
    if sum(1 for _ in words) > MAX_SEARCH_TERMS:
        raise BadRequest(f"A search may hold at most {MAX_SEARCH_TERMS} words.")


def pk_value(model: type[Model], raw: str):
    """A primary key value from a form (selected rows), or None if no row can have it."""
    return key_value(model._meta.pk, raw)


def key_value(field: Field, raw: str):
    """A value of this key field from a form, or None if no row can have it."""
    if "\x00" in raw:
        return None
    try:
        value = field.to_python(raw)
    except (ValidationError, ValueError, TypeError):
        return None
    if value is None or not value_in_range(field, value):
        return None
    return value


class RowsInRangeMultipleChoiceField(ModelMultipleChoiceField):
    """Django's many-to-many form field, which filters its queryset by the posted keys
    unchecked: one no row can have (beyond the database's integer range) is the field's own
    "not a valid value" error before any query."""

    def clean(self, value):
        if isinstance(value, (list, tuple)):
            opts = self.queryset.model._meta
            key = opts.get_field(self.to_field_name) if self.to_field_name else opts.pk
            for raw in value:
                if key_value(key, str(raw)) is None:
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": raw},
                    )
        return super().clean(value)


class DeclaredLookupsOnlyMixin:
    """For every ModelAdmin: URL filters only through its declared list filters, with values
    its fields can hold; actions, list edits and many-to-many choices only of rows that can
    exist."""

    def lookup_allowed(self, lookup: str, value, request: HttpRequest | None = None) -> bool:
        return lookup_is_declared(self, lookup, value, request) and super().lookup_allowed(
            lookup, value, request
        )

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        # The change list's search and the autocomplete view's term both come here; an
        # admin with a search of its own that splits words asks search_words_check too.
        search_words_check(search_term)
        return super().get_search_results(request, queryset, search_term)

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        kwargs.setdefault("form_class", RowsInRangeMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def response_action(self, request: HttpRequest, queryset):
        # Django filters the queryset by the posted rows: one no row can have is a 400.
        selected = request.POST.getlist(ACTION_CHECKBOX_NAME)
        if any(pk_value(self.model, raw) is None for raw in selected):
            raise BadRequest("The selected rows are not valid.")
        return super().response_action(request, queryset)

    def changelist_view(self, request: HttpRequest, extra_context=None):
        # A list edit's rows, as Django's list-edit formset names them.
        if request.method == "POST" and "_save" in request.POST and self.list_editable:
            pattern = re.compile(
                rf"{re.escape(BaseModelFormSet.get_default_prefix())}-\d+-"
                rf"{re.escape(self.opts.pk.name)}"
            )
            for name, raw in request.POST.items():
                if pattern.fullmatch(name) and pk_value(self.model, raw) is None:
                    raise BadRequest("The edited rows are not valid.")
        return super().changelist_view(request, extra_context)


def register_declared_lookups_only(site, models) -> None:
    """Register these models' admins (a library's, say) again with DeclaredLookupsOnlyMixin."""
    for model in models:
        model_admin = type(site.get_model_admin(model))
        site.unregister(model)
        site.register(
            model, type(model_admin.__name__, (DeclaredLookupsOnlyMixin, model_admin), {})
        )
