"""Change lists filter only on what their admin declares (docs/security.md).

Django's ModelAdmin.lookup_allowed accepts any lookup on a model's own fields from the URL,
JSON paths included: `?snapshot__fields__password__startswith=pbkdf2_sha256$` would let
anyone who can open the list learn a stored hash one character at a time. With
DeclaredLookupsOnlyMixin a list accepts its list_filter and date_hierarchy parameters and
nothing else (search goes through `q`); anything else is a DisallowedModelAdminLookup, which
Django answers with 400.
"""

from django.contrib.admin import SimpleListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.widgets import url_params_from_lookup_dict
from django.core.exceptions import FieldDoesNotExist
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest

# The final parts Django's own list filters and date_hierarchy put after a declared field:
# BooleanFieldListFilter and ChoicesFieldListFilter (exact, isnull), DateFieldListFilter
# (gte, lt, isnull), EmptyFieldListFilter (isempty), RelatedFieldListFilter (the related
# pk, then exact; isnull), date_hierarchy (year, month, day, then gte and lt).
FILTER_LOOKUPS = frozenset(
    {"exact", "isnull", "isempty", "gte", "gt", "lt", "lte", "in", "year", "month", "day"}
)
SECRET_FIELDS = frozenset({"password"})


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
    if lookup in parameters or lookup in paths:
        return True
    for path in paths:
        prefix = path + LOOKUP_SEP
        if not lookup.startswith(prefix):
            continue
        rest = lookup.removeprefix(prefix).split(LOOKUP_SEP)
        try:
            field = get_fields_from_path(model_admin.model, path)[-1]
        except FieldDoesNotExist:
            continue
        if field.is_relation and rest[0] in {field.target_field.name, "pk"}:
            rest = rest[1:]
        if len(rest) == 1 and rest[0] in FILTER_LOOKUPS:
            return True
    return False


class DeclaredLookupsOnlyMixin:
    """For every ModelAdmin: URL filters only through its declared list filters."""

    def lookup_allowed(self, lookup: str, value, request: HttpRequest | None = None) -> bool:
        return lookup_is_declared(self, lookup, value, request) and super().lookup_allowed(
            lookup, value, request
        )


def register_declared_lookups_only(site, models) -> None:
    """Register these models' admins (a library's, say) again with DeclaredLookupsOnlyMixin."""
    for model in models:
        model_admin = type(site.get_model_admin(model))
        site.unregister(model)
        site.register(
            model, type(model_admin.__name__, (DeclaredLookupsOnlyMixin, model_admin), {})
        )
