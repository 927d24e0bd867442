"""backoffice.accounts.rules on its own: targets are judged by their groups and direct
permissions whatever is_active says; editors by what they hold now."""

import pytest
from django.contrib.auth.models import Group, Permission

from backoffice.accounts.rules import (
    groups_assignable_by,
    permissions_held_by,
    user_manage_refusal,
    user_may_manage,
    user_restore_refusal,
    users_manage_refusals,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def useradmin():
    return UserFactory(username="useradmin", groups=["User admins"])


def pk_of(name: str) -> int:
    return Group.objects.get(name=name).pk


@pytest.mark.parametrize("is_active", [True, False])
def test_a_member_of_a_stronger_group_is_not_manageable_active_or_not(useradmin, is_active):
    inventory = UserFactory(
        username="inventory", groups=["Inventory managers"], is_active=is_active
    )
    assert not user_may_manage(editor=useradmin, target=inventory)
    assert "catalog.add_product" in user_manage_refusal(editor=useradmin, target=inventory)


@pytest.mark.parametrize("is_active", [True, False])
def test_direct_permissions_count_active_or_not(useradmin, is_active):
    special = UserFactory(username="special", is_active=is_active)
    special.user_permissions.add(Permission.objects.get(codename="delete_product"))
    assert not user_may_manage(editor=useradmin, target=special)


@pytest.mark.parametrize("is_active", [True, False])
def test_a_superuser_is_managed_by_superusers_only(useradmin, superuser, is_active):
    boss = UserFactory(username="boss", is_superuser=True, is_active=is_active)
    assert "superuser" in user_manage_refusal(editor=useradmin, target=boss)
    assert user_may_manage(editor=superuser, target=boss)


@pytest.mark.parametrize("is_active", [True, False])
def test_accounts_holding_nothing_more_are_manageable(useradmin, is_active):
    clerk = UserFactory(username="clerk", is_active=is_active)
    colleague = UserFactory(username="colleague", groups=["User admins"], is_active=is_active)
    assert user_may_manage(editor=useradmin, target=clerk)
    assert user_may_manage(editor=useradmin, target=colleague)
    assert user_may_manage(editor=useradmin, target=useradmin)


def test_an_inactive_editor_manages_only_accounts_holding_nothing():
    dormant = UserFactory(username="dormant", groups=["User admins"], is_active=False)
    assert not user_may_manage(editor=dormant, target=UserFactory(groups=["Viewers"]))
    assert user_may_manage(editor=dormant, target=UserFactory())


def test_permissions_held_ignore_is_active_and_count_groups_and_grants():
    user = UserFactory(groups=["Viewers"], is_active=False)
    user.user_permissions.add(Permission.objects.get(codename="delete_product"))
    held = permissions_held_by(user_ids=[user.pk])[user.pk]
    assert user.get_all_permissions() == set()  # what the old check asked
    assert {"catalog.view_product", "catalog.delete_product", "auth.view_user"} <= held


def test_many_targets_are_judged_in_two_queries(useradmin, django_assert_num_queries):
    useradmin.get_all_permissions()  # the editor's permissions are cached per request
    targets = [UserFactory(groups=["Viewers"]) for _ in range(5)] + [UserFactory()]
    with django_assert_num_queries(2):
        refusals = users_manage_refusals(editor=useradmin, targets=targets)
    assert set(refusals) == {target.pk for target in targets[:5]}


def test_groups_assignable_are_those_within_the_editors_permissions(useradmin):
    Group.objects.create(name="Newsletter")
    assert set(groups_assignable_by(editor=useradmin).values_list("name", flat=True)) == {
        "User admins",
        "Newsletter",
    }


def test_restoring_grants_the_accounts_superuser_status_groups_and_permissions(
    useradmin, superuser
):
    refusal = user_restore_refusal
    assert "superuser" in refusal(editor=useradmin, grants={"is_superuser": True})
    assert "individual permissions" in refusal(editor=useradmin, grants={"user_permissions": [1]})
    assert "Inventory managers" in refusal(
        editor=useradmin, grants={"groups": [pk_of("Inventory managers")]}
    )
    assert refusal(editor=useradmin, grants={"groups": [pk_of("User admins")]}) is None
    assert refusal(editor=superuser, grants={"is_superuser": True, "user_permissions": [1]}) is None


def test_an_inactive_superuser_editor_counts_as_holding_nothing():
    dormant = UserFactory(username="dormant", is_superuser=True, is_active=False)
    assert not user_may_manage(editor=dormant, target=UserFactory(groups=["Viewers"]))
    assert user_restore_refusal(editor=dormant, grants={"is_superuser": True})
