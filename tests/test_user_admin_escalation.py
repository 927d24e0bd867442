"""UserAdmin: nobody below superuser can grant superuser status, permissions, or a group
holding more than they hold (themselves included)."""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import ValidationError

from backoffice.accounts.rules import groups_assignable_by, user_groups_check_assignable
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def change_url(user) -> str:
    return f"/admin/auth/user/{user.pk}/change/"


def user_form_data(user, **changes) -> dict:
    """What the change form posts for `user`, with `changes` applied."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "is_staff": "on",
        "groups": [group.pk for group in user.groups.all()],
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "last_login_0": "",
        "last_login_1": "",
    }
    data.update(changes)
    return data


def group(name: str) -> Group:
    return Group.objects.get(name=name)


def group_names(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


@pytest.fixture
def user_admin_client(admin_client_for):
    return admin_client_for("User admins", username="useradmin")


@pytest.fixture
def clerk():
    return UserFactory(username="clerk")


@pytest.mark.parametrize(
    ("role", "grantable"),
    [
        ("User admins", {"User admins"}),
        ("Viewers", {"Viewers"}),
        ("Editors", {"Editors"}),
        ("Inventory managers", {"Inventory managers"}),
    ],
)
def test_a_role_may_grant_only_groups_within_its_own_permissions(role, grantable):
    editor = UserFactory(groups=[role])
    assert set(groups_assignable_by(editor=editor).values_list("name", flat=True)) == grantable


def test_a_group_without_permissions_is_grantable_by_anyone_and_superusers_grant_all():
    Group.objects.create(name="Newsletter")
    editor = UserFactory(groups=["User admins"])
    assert "Newsletter" in set(groups_assignable_by(editor=editor).values_list("name", flat=True))
    superuser = UserFactory(is_superuser=True)
    assert groups_assignable_by(editor=superuser).count() == Group.objects.count()


def test_the_service_names_the_refused_group_and_the_missing_permissions(clerk):
    editor = UserFactory(groups=["User admins"])
    with pytest.raises(ValidationError) as refused:
        user_groups_check_assignable(editor=editor, target=clerk, groups=[group("Editors")])
    message = " ".join(refused.value.messages)
    assert 'You cannot add anyone to the group "Editors"' in message
    assert "catalog.add_article" in message


def test_offered_groups_are_the_grantable_ones(user_admin_client, clerk):
    response = user_admin_client.get(change_url(clerk))
    assert response.status_code == 200
    widget_choices = {
        label for _, label in response.context["adminform"].form.fields["groups"].widget.choices
    }
    assert widget_choices == {"User admins"}


def test_user_admin_cannot_add_someone_to_a_stronger_group(user_admin_client, clerk):
    response = user_admin_client.post(
        change_url(clerk), user_form_data(clerk, groups=[group("Inventory managers").pk])
    )
    assert response.status_code == 200
    assert (
        "You cannot add anyone to the group &quot;Inventory managers&quot;"
        in response.content.decode()
    )
    assert group_names(clerk) == set()


def test_user_admin_cannot_add_itself_to_a_stronger_group(user_admin_client):
    me = user_admin_client.user
    response = user_admin_client.post(
        change_url(me),
        user_form_data(me, groups=[group("User admins").pk, group("Viewers").pk]),
    )
    assert response.status_code == 200
    assert "You cannot add anyone to the group &quot;Viewers&quot;" in response.content.decode()
    assert group_names(me) == {"User admins"}


def test_user_admin_can_add_someone_to_a_group_it_may_grant(user_admin_client, clerk):
    response = user_admin_client.post(
        change_url(clerk), user_form_data(clerk, groups=[group("User admins").pk])
    )
    assert response.status_code == 302
    assert group_names(clerk) == {"User admins"}


def test_a_member_of_a_stronger_group_is_read_only_to_a_user_admin(user_admin_client):
    # Changing the address, the name or Active of an account holding more than the editor
    # is refused as setting its password is (backoffice.accounts.rules.user_may_manage).
    manager = UserFactory(username="manager", groups=["Inventory managers"])
    page = user_admin_client.get(change_url(manager))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]

    response = user_admin_client.post(
        change_url(manager), user_form_data(manager, email="new@shop.example")
    )
    assert response.status_code == 403
    manager.refresh_from_db()
    assert manager.email == "manager@shop.example"
    assert group_names(manager) == {"Inventory managers"}


def test_user_admin_cannot_grant_superuser_status_or_permissions(user_admin_client, clerk):
    permission = Permission.objects.get(codename="delete_product")
    response = user_admin_client.post(
        change_url(clerk),
        user_form_data(clerk, is_superuser="on", user_permissions=[permission.pk]),
    )
    assert response.status_code == 302  # saved, without the read-only fields
    clerk.refresh_from_db()
    assert not clerk.is_superuser
    assert not clerk.user_permissions.exists()


def test_user_admin_cannot_change_delete_or_reset_the_password_of_a_superuser(
    user_admin_client, superuser
):
    page = user_admin_client.get(change_url(superuser))
    assert page.status_code == 200  # viewable (view permission), read-only
    assert not page.context["has_change_permission"]
    assert (
        user_admin_client.post(change_url(superuser), user_form_data(superuser)).status_code == 403
    )
    assert user_admin_client.get(f"/admin/auth/user/{superuser.pk}/password/").status_code == 403
    assert user_admin_client.get(f"/admin/auth/user/{superuser.pk}/delete/").status_code == 403

    response = user_admin_client.post(
        "/admin/auth/user/",
        {"action": "delete_selected", "_selected_action": [superuser.pk], "post": "yes"},
    )
    assert response.status_code == 403
    assert type(superuser).objects.filter(pk=superuser.pk).exists()


def test_superuser_may_grant_any_group_and_superuser_status(superuser_client, clerk):
    response = superuser_client.post(
        change_url(clerk),
        user_form_data(
            clerk, groups=[group("Inventory managers").pk, group("Editors").pk], is_superuser="on"
        ),
    )
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.is_superuser
    assert group_names(clerk) == {"Inventory managers", "Editors"}


# Restoring a deleted account is granting it again: the same rules apply.


def deleted_user_record(user):
    from alerts.models import DeletionRecord

    pk = user.pk
    user.delete()
    return DeletionRecord.objects.get(object_pk=str(pk), content_type__model="user")


def restore(client, record):
    return client.post(f"/admin/alerts/deletionrecord/{record.pk}/restore/", follow=True)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_user_admin_cannot_restore_a_deleted_superuser(user_admin_client):
    record = deleted_user_record(UserFactory(username="boss", is_superuser=True))
    response = restore(user_admin_client, record)
    assert messages_of(response) == [
        "User “boss” cannot be restored: it was a superuser; only a superuser can restore it."
    ]
    assert not User.objects.filter(username="boss").exists()


def test_user_admin_cannot_restore_a_member_of_a_stronger_group(user_admin_client):
    record = deleted_user_record(UserFactory(username="manager", groups=["Inventory managers"]))
    response = restore(user_admin_client, record)
    (message,) = messages_of(response)
    assert message.startswith(
        'User “manager” cannot be restored: You cannot add anyone to the group "Inventory managers"'
    )
    assert not User.objects.filter(username="manager").exists()


def test_user_admin_cannot_restore_individual_permissions(user_admin_client):
    user = UserFactory(username="special")
    user.user_permissions.add(Permission.objects.get(codename="delete_product"))
    response = restore(user_admin_client, deleted_user_record(user))
    assert messages_of(response) == [
        "User “special” cannot be restored: it had individual permissions; only a superuser "
        "can restore it."
    ]


def test_user_admin_restores_a_user_of_a_group_it_may_grant(user_admin_client):
    record = deleted_user_record(UserFactory(username="colleague", groups=["User admins"]))
    restore(user_admin_client, record)
    assert group_names(User.objects.get(username="colleague")) == {"User admins"}


def test_superuser_restores_a_superuser(superuser_client):
    record = deleted_user_record(UserFactory(username="boss", is_superuser=True))
    restore(superuser_client, record)
    assert User.objects.get(username="boss").is_superuser


def test_user_admin_cannot_set_the_password_of_a_user_holding_more(user_admin_client):
    manager = UserFactory(username="manager", groups=["Inventory managers"])
    url = f"/admin/auth/user/{manager.pk}/password/"
    assert user_admin_client.get(url).status_code == 403
    response = user_admin_client.post(
        url, {"password1": "Taken-over-2026!", "password2": "Taken-over-2026!"}
    )
    assert response.status_code == 403
    manager.refresh_from_db()
    assert manager.check_password("pass-for-tests-1")


def test_user_admin_sets_the_password_of_a_user_holding_nothing_more(user_admin_client, clerk):
    url = f"/admin/auth/user/{clerk.pk}/password/"
    response = user_admin_client.post(
        url,
        {
            "password1": "Fresh-start-2026!",
            "password2": "Fresh-start-2026!",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.check_password("Fresh-start-2026!")


def test_the_change_form_offers_the_password_button_only_where_it_works(user_admin_client, clerk):
    manager = UserFactory(username="manager", groups=["Inventory managers"])
    locked = user_admin_client.get(change_url(manager)).content.decode()
    assert 'href="../password/"' not in locked
    assert "<strong>algorithm</strong>" in locked  # the summary, read-only
    assert 'href="../password/"' in user_admin_client.get(change_url(clerk)).content.decode()
