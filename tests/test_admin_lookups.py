"""Every change list of the admin site filters only on what its admin declares (list_filter,
date_hierarchy; search goes through `q`): other lookups from the URL, JSON paths into a
snapshot and anything touching a password answer 400 (issue 12.2). The admins are found
on the site, so one registered later is checked without being listed here."""

import pytest
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db import models
from django.test import RequestFactory
from django.urls import reverse

from backoffice.kit.lookups import DeclaredLookupsOnlyMixin, declared_filter_parameters
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADMINS = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def refused_lookups(model, model_admin) -> list[str]:
    """Lookups nobody declared: each undeclared field, with and without a lookup, relations
    followed to a password, JSON paths, and password lookups on any model."""
    paths, parameters = declared_filter_parameters(model_admin, None)
    lookups = ["password", "password__startswith", "password__regex"]
    for field in model._meta.get_fields():
        if not getattr(field, "concrete", False) or field.name in paths:
            continue
        lookups += [field.name, f"{field.name}__startswith", f"{field.name}__isnull"]
        if isinstance(field, models.JSONField):
            lookups += [
                f"{field.name}__fields__password__startswith",
                f"{field.name}__fields__password",
                f"{field.name}__has_key",
            ]
        if field.is_relation and field.related_model is not None:
            lookups += [f"{field.name}__password__startswith", f"{field.name}__pk__gt"]
    for path in paths:  # a declared field with a lookup no filter of it uses
        lookups += [f"{path}__regex", f"{path}__password__startswith"]
    return sorted(set(lookups) - parameters - paths)


CASES = [
    pytest.param(model, lookup, id=f"{model._meta.label_lower}?{lookup}")
    for model, model_admin in ADMINS
    for lookup in refused_lookups(model, model_admin)
]


def test_every_admin_is_covered():
    assert {model._meta.label_lower for model, _ in ADMINS} >= {
        "catalog.product",
        "catalog.article",
        "auth.user",
        "auth.group",
        "alerts.stockalert",
        "alerts.deletionrecord",
        "axes.accessattempt",
    }
    assert len(CASES) >= 150
    # A new admin gets the rule through the mixin (a library's: register_declared_lookups_only).
    without = [type(a).__name__ for _, a in ADMINS if not isinstance(a, DeclaredLookupsOnlyMixin)]
    assert without == []


@pytest.mark.parametrize(("model", "lookup"), CASES)
def test_an_undeclared_lookup_is_refused_with_400(superuser_client, model, lookup):
    response = superuser_client.get(changelist_url(model), {lookup: "pbkdf2_sha256$"})
    assert response.status_code == 400, lookup


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=lambda v: str(v))
def test_every_declared_filter_still_works(superuser_client, superuser, model, model_admin):
    # Each filter's own links (the query strings it builds for its choices) are accepted.
    UserFactory(username="someone")
    request = RequestFactory().get(changelist_url(model))
    request.user = superuser
    changelist = model_admin.get_changelist_instance(request)
    assert isinstance(changelist, ChangeList)
    query_strings = {
        choice["query_string"]
        for spec in changelist.filter_specs
        for choice in spec.choices(changelist)
    }
    if model_admin.date_hierarchy:
        field = model_admin.date_hierarchy
        query_strings.add(f"?{field}__year=2026&{field}__month=11&{field}__day=30")
    assert len(query_strings) > 1 or not model_admin.list_filter
    for query_string in sorted(query_strings):
        response = superuser_client.get(changelist_url(model) + query_string)
        assert response.status_code == 200, query_string


def test_a_deleted_users_hash_cannot_be_probed_by_any_role_that_sees_the_records(
    admin_client_for,
):
    from alerts.models import DeletionRecord

    UserFactory(username="gone").delete()
    url = changelist_url(DeletionRecord)
    for role in ["Viewers", "Editors", "Inventory managers", "User admins"]:
        client = admin_client_for(role)
        for probe in ["snapshot__fields__password__startswith", "snapshot__contains"]:
            assert client.get(url, {probe: "md5$"}).status_code == 400
        # The declared filters answer as before.
        assert client.get(url, {"deleted_by": "-"}).status_code == 200


EXPORTABLE = [
    model
    for model, model_admin in ADMINS
    if any(p.name and p.name.endswith("_export") for p in model_admin.get_urls())
]


@pytest.mark.parametrize("model", EXPORTABLE, ids=lambda model: model._meta.label_lower)
@pytest.mark.parametrize("lookup", ["password__startswith", "pk__gt", "name__regex"])
def test_the_export_of_a_list_refuses_the_same_lookups(superuser_client, model, lookup):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_export")
    assert superuser_client.get(url, {lookup: "md5$"}).status_code == 400
    response = superuser_client.post(
        f"{url}?{lookup}=md5$", {"format": "0", "resource": "0", "export_items": []}
    )
    assert response.status_code == 400
    assert superuser_client.get(url).status_code == 200


def test_every_exportable_list_is_tried():
    labels = {model._meta.label_lower for model in EXPORTABLE}
    assert {"catalog.product", "catalog.article", "auth.user"} <= labels
