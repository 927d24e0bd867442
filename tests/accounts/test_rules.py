"""backoffice.accounts.rules on its own: the roles table's scope. A User admin manages
accounts whose groups are all ones its role assigns (Inventory managers, Editors, Viewers),
with no single permissions and no superuser status, never its own account; targets are
judged on their stored groups whatever is_active says; nobody sets another's password."""

import pytest
from django.contrib.auth.models import Group, Permission

from backoffice.accounts.roles import ROLE_ASSIGNS
from backoffice.accounts.rules import (
    group_refusals,
    groups_assignable_by,
    user_manage_refusal,
    user_may_manage,
    user_password_set_refusal,
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


def test_the_roles_table_lets_user_admins_assign_the_shop_roles():
    assert ROLE_ASSIGNS == {"User admins": ("Inventory managers", "Editors", "Viewers")}


@pytest.mark.parametrize("is_active", [True, False])
@pytest.mark.parametrize(
    "groups", [[], ["Viewers"], ["Editors"], ["Inventory managers"], ["Editors", "Viewers"]]
)
def test_accounts_in_the_shop_roles_are_in_scope_active_or_not(useradmin, groups, is_active):
    target = UserFactory(username="target", groups=groups, is_active=is_active)
    assert user_may_manage(editor=useradmin, target=target)


@pytest.mark.parametrize("is_active", [True, False])
def test_other_user_admins_are_out_of_scope_active_or_not(useradmin, is_active):
    colleague = UserFactory(username="colleague", groups=["User admins"], is_active=is_active)
    assert '"User admins", which your role does not assign' in user_manage_refusal(
        editor=useradmin, target=colleague
    )
    mixed = UserFactory(username="mixed", groups=["Viewers", "User admins"], is_active=is_active)
    assert not user_may_manage(editor=useradmin, target=mixed)


def test_a_group_outside_the_roles_table_is_out_of_scope(useradmin):
    newsletter = Group.objects.create(name="Newsletter")
    target = UserFactory(username="target")
    target.groups.add(newsletter)
    assert '"Newsletter"' in user_manage_refusal(editor=useradmin, target=target)


@pytest.mark.parametrize("is_active", [True, False])
def test_single_permissions_put_an_account_out_of_scope(useradmin, is_active):
    special = UserFactory(username="special", groups=["Viewers"], is_active=is_active)
    special.user_permissions.add(Permission.objects.get(codename="view_product"))
    assert "single permissions" in user_manage_refusal(editor=useradmin, target=special)


@pytest.mark.parametrize("is_active", [True, False])
def test_a_superuser_is_managed_by_superusers_only(useradmin, superuser, is_active):
    boss = UserFactory(username="boss", is_superuser=True, is_active=is_active)
    assert "superuser" in user_manage_refusal(editor=useradmin, target=boss)
    assert user_may_manage(editor=superuser, target=boss)


def test_a_user_admin_never_manages_its_own_account(useradmin):
    assert "your own account" in user_manage_refusal(editor=useradmin, target=useradmin)


def test_roles_that_assign_nothing_manage_nobody_and_an_inactive_user_admin_neither():
    editor = UserFactory(username="editor", groups=["Editors"])
    assert not user_may_manage(editor=editor, target=UserFactory(groups=["Viewers"]))
    dormant = UserFactory(username="dormant", groups=["User admins"], is_active=False)
    assert not user_may_manage(editor=dormant, target=UserFactory(groups=["Viewers"]))
    assert list(groups_assignable_by(editor=dormant)) == []


def test_many_targets_are_judged_in_a_constant_number_of_queries(
    useradmin, django_assert_num_queries
):
    targets = [UserFactory(groups=["User admins"]) for _ in range(5)] + [
        UserFactory(groups=["Viewers"]) for _ in range(5)
    ]
    users_manage_refusals(editor=useradmin, targets=targets[:1])  # editor's groups cached
    useradmin = type(useradmin).objects.get(pk=useradmin.pk)
    with django_assert_num_queries(4):
        refusals = users_manage_refusals(editor=useradmin, targets=targets)
    assert set(refusals) == {target.pk for target in targets[:5]}


def test_groups_assignable_are_the_roles_tables(useradmin, superuser):
    Group.objects.create(name="Newsletter")
    assert set(groups_assignable_by(editor=useradmin).values_list("name", flat=True)) == {
        "Inventory managers",
        "Editors",
        "Viewers",
    }
    assert groups_assignable_by(editor=superuser).count() == Group.objects.count()


def test_refused_groups_are_named(useradmin):
    refusals = group_refusals(
        editor=useradmin, group_ids=[pk_of("User admins"), pk_of("Viewers"), 999_999]
    )
    assert refusals == [
        (
            "User admins",
            'You cannot add anyone to the group "User admins" or remove them from it: your '
            "role does not assign it.",
        )
    ]


def test_restoring_grants_the_accounts_superuser_status_groups_and_permissions(
    useradmin, superuser
):
    refusal = user_restore_refusal
    assert "superuser" in refusal(editor=useradmin, grants={"is_superuser": True})
    assert "individual permissions" in refusal(editor=useradmin, grants={"user_permissions": [1]})
    assert '"User admins"' in refusal(editor=useradmin, grants={"groups": [pk_of("User admins")]})
    assert refusal(editor=useradmin, grants={"groups": [pk_of("Inventory managers")]}) is None
    assert refusal(editor=superuser, grants={"is_superuser": True, "user_permissions": [1]}) is None


def test_nobody_sets_another_persons_password(useradmin, superuser):
    clerk = UserFactory(username="clerk")
    for editor in (useradmin, superuser):
        assert "Nobody sets another person's password" in user_password_set_refusal(
            editor=editor, target=clerk
        )


def test_an_inactive_superuser_editor_counts_as_holding_nothing():
    dormant = UserFactory(username="dormant", is_superuser=True, is_active=False)
    assert not user_may_manage(editor=dormant, target=UserFactory(groups=["Viewers"]))
    assert list(groups_assignable_by(editor=dormant)) == []
