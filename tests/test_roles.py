"""Role groups: created by migration with exactly the roles table's permissions
(backoffice/accounts/roles.py, the README), enforced by the admin."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from backoffice.accounts.roles import ROLE_PERMISSIONS
from tests.factories import ArticleFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_migration_creates_the_four_role_groups():
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLE_PERMISSIONS)


@pytest.mark.parametrize("role", sorted(ROLE_PERMISSIONS))
def test_each_group_holds_exactly_its_catalog_and_auth_permissions(role):
    held = {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=role).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }
    expected = {
        f"{label.split('.')[0]}.{action}_{label.split('.')[1]}"
        for label, actions in ROLE_PERMISSIONS[role].items()
        for action in actions
    }
    # Every permission in the table that exists is held, and nothing outside the table.
    assert held <= expected
    assert {p for p in expected if p.startswith(("catalog.", "auth."))} <= held


def test_syncing_roles_again_is_idempotent():
    before = {g.name: set(g.permissions.values_list("pk", flat=True)) for g in Group.objects.all()}
    call_command("migrate", verbosity=0)  # post_migrate re-syncs the groups
    after = {g.name: set(g.permissions.values_list("pk", flat=True)) for g in Group.objects.all()}
    assert before == after


def _urls():
    product = ProductFactory()
    article = ArticleFactory()
    user = UserFactory(username="someone")
    return {
        "product": (
            reverse("admin:catalog_product_changelist"),
            reverse("admin:catalog_product_add"),
            reverse("admin:catalog_product_change", args=[product.pk]),
            product,
        ),
        "article": (
            reverse("admin:catalog_article_changelist"),
            reverse("admin:catalog_article_add"),
            reverse("admin:catalog_article_change", args=[article.pk]),
            article,
        ),
        "user": (
            reverse("admin:auth_user_changelist"),
            reverse("admin:auth_user_add"),
            reverse("admin:auth_user_change", args=[user.pk]),
            user,
        ),
    }


# role -> model -> (can view, can add, can change)
EXPECTED = {
    "Inventory managers": {
        "product": (True, True, True),
        "article": (True, False, False),
        "user": (False, False, False),
    },
    "Editors": {
        "product": (True, False, False),
        "article": (True, True, True),
        "user": (False, False, False),
    },
    "User admins": {
        "product": (False, False, False),
        "article": (False, False, False),
        "user": (True, True, True),
    },
    "Viewers": {
        "product": (True, False, False),
        "article": (True, False, False),
        "user": (True, False, False),
    },
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_sees_and_changes_exactly_what_it_should(admin_client_for, role):
    client = admin_client_for(role)
    for model, (list_url, add_url, change_url, _obj) in _urls().items():
        can_view, can_add, can_change = EXPECTED[role][model]
        assert client.get(list_url).status_code == (200 if can_view else 403), (model, "list")
        assert client.get(add_url).status_code == (200 if can_add else 403), (model, "add")
        response = client.get(change_url)
        assert response.status_code == (200 if can_view else 403), (model, "change page")
        if can_view:
            # A view-only user gets the read-only page: no save button.
            has_save = b'name="_save"' in response.content
            assert has_save is can_change, (model, "save button")


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_index_lists_only_the_models_a_role_may_view(admin_client_for, role):
    client = admin_client_for(role)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    # The side menu's entries: the dashboard shows no app list of its own.
    listed = {
        model["object_name"].lower()
        for app in response.context["available_apps"]
        for model in app["models"]
    }
    for model, (can_view, _, _) in EXPECTED[role].items():
        assert (model in listed) is can_view, model


def test_view_only_role_cannot_change_by_posting(admin_client_for):
    client = admin_client_for("Viewers")
    product = ProductFactory(name="Before")
    response = client.post(
        reverse("admin:catalog_product_change", args=[product.pk]),
        {"sku": product.sku, "name": "After", "price": "1", "stock": "1"},
    )
    assert response.status_code == 403
    product.refresh_from_db()
    assert product.name == "Before"


def test_non_staff_user_cannot_enter_the_admin(client):
    user = UserFactory(username="customer", is_staff=False)
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    response = client.post(
        reverse("admin:login"), {"username": "customer", "password": "pass-for-tests-1"}
    )
    assert response.status_code == 200
    assert b"Please enter the correct username and password for a staff account" in (
        response.content
    )


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(reverse("admin:catalog_product_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
