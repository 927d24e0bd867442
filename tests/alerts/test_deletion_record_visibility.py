"""A deletion record holds a copy of the deleted object (a user's address, names and roles;
an article's whole body), so each role sees the records of the models it may view, as the
dashboard's Recent actions already does (alerts/rules.py, docs/security.md).

Attack: an Editor (who may not view users) opened a deleted account's record and read its
address, names, superuser status and groups; a User admin read deleted draft articles."""

import pytest
from django.urls import reverse

from alerts import selectors
from alerts.models import DeletionRecord
from tests.factories import ArticleFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("admin:alerts_deletionrecord_changelist")


@pytest.fixture
def records():
    UserFactory(username="gone-user", email="private@home.example", groups=["Editors"]).delete()
    ArticleFactory(title="Secret draft", body="Unpublished plans.").delete()
    ProductFactory(sku="GONE-1", name="Gone product").delete()
    return {record.content_type.model: record for record in DeletionRecord.objects.all()}


SEES = {
    "Editors": {"article", "product"},
    "Inventory managers": {"article", "product"},
    "User admins": {"user"},
    "Viewers": {"article", "product", "user"},
}


@pytest.mark.parametrize("role", sorted(SEES))
def test_each_role_sees_the_records_of_the_models_it_may_view(admin_client_for, records, role):
    client = admin_client_for(role)
    listed = client.get(LIST).context["cl"].result_list
    assert {record.content_type.model for record in listed} == SEES[role]

    for model, record in records.items():
        page = client.get(reverse("admin:alerts_deletionrecord_change", args=[record.pk]))
        shown = page.status_code == 200
        assert shown is (model in SEES[role]), model
        content = page.content.decode()
        if model == "user" and not shown:
            assert "private@home.example" not in content
        if model == "article" and not shown:
            assert "Unpublished plans." not in content


@pytest.mark.parametrize("role", sorted(SEES))
def test_the_dashboard_lists_and_counts_only_those(admin_client_for, records, role):
    user = admin_client_for(role).user
    dashboard = selectors.dashboard_get(user=user)
    shown = {item.record.content_type.model for item in dashboard.recent_deletions}
    assert shown == SEES[role]
    assert dashboard.deletions_past_7_days == len(SEES[role])


def test_a_hidden_record_cannot_be_restored_by_its_url(admin_client_for, records):
    client = admin_client_for("User admins")
    response = client.post(
        reverse("admin:alerts_deletionrecord_restore", args=[records["article"].pk])
    )
    assert response.status_code == 404


def test_superusers_see_every_record(superuser_client, records):
    listed = superuser_client.get(LIST).context["cl"].result_list
    assert len(listed) == 3
    assert selectors.dashboard_get(user=superuser_client.user).deletions_past_7_days == 3


@pytest.mark.parametrize("role", sorted(SEES))
def test_the_list_filters_offer_only_what_the_role_sees(admin_client_for, records, role):
    # Attack: an Editor's list hid the deleted account's record, but its "type" filter
    # offered "User" and its "deleted by" filter the User admin who deleted it.
    deleters = {"user": "staff-remover", "article": "article-remover", "product": "stock-remover"}
    for model, username in deleters.items():
        DeletionRecord.objects.filter(pk=records[model].pk).update(deleted_by_username=username)
    client = admin_client_for(role)
    filters = {spec.title: spec for spec in client.get(LIST).context["cl"].filter_specs}
    if len(SEES[role]) == 1:
        assert "type" not in filters  # one type to choose: Django shows no filter
    else:
        types = {str(label).lower() for _pk, label in filters["type"].lookup_choices}
        assert types == SEES[role]
    deleted_by = {value for value, _label in filters["deleted by"].lookup_choices}
    assert deleted_by == {deleters[model] for model in SEES[role]}


def test_superusers_filter_by_every_type_and_deleter(superuser_client, records):
    filters = {spec.title: spec for spec in superuser_client.get(LIST).context["cl"].filter_specs}
    assert {str(label) for _pk, label in filters["type"].lookup_choices} == {
        "User", "Article", "Product",
    }  # fmt: skip
    assert [value for value, _label in filters["deleted by"].lookup_choices] == ["-"]
