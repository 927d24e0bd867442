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
