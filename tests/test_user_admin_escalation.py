"""UserAdmin: nobody below superuser grants superuser status, single permissions or a group
outside its role's scope (backoffice.accounts.roles.ROLE_ASSIGNS), themselves included; the
invite and reset paths follow the same scope; nobody sets another person's password."""

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
    ("role", "assignable"),
    [
        ("User admins", {"Inventory managers", "Editors", "Viewers"}),
        ("Viewers", set()),
        ("Editors", set()),
        ("Inventory managers", set()),
    ],
)
def test_a_role_assigns_the_groups_the_roles_table_gives_it(role, assignable):
    editor = UserFactory(groups=[role])
    assert set(groups_assignable_by(editor=editor).values_list("name", flat=True)) == assignable


def test_a_group_outside_the_roles_table_is_assigned_by_superusers_only():
    Group.objects.create(name="Newsletter")
    editor = UserFactory(groups=["User admins"])
    assert "Newsletter" not in set(
        groups_assignable_by(editor=editor).values_list("name", flat=True)
    )
    superuser = UserFactory(is_superuser=True)
    assert groups_assignable_by(editor=superuser).count() == Group.objects.count()


def test_the_service_names_the_refused_group(clerk):
    editor = UserFactory(groups=["User admins"])
    with pytest.raises(ValidationError) as refused:
        user_groups_check_assignable(editor=editor, target=clerk, groups=[group("User admins")])
    message = " ".join(refused.value.messages)
    assert 'You cannot add anyone to the group "User admins"' in message
    assert "your role does not assign it" in message


def test_offered_groups_are_the_grantable_ones(user_admin_client, clerk):
    response = user_admin_client.get(change_url(clerk))
    assert response.status_code == 200
    widget_choices = {
        label for _, label in response.context["adminform"].form.fields["groups"].widget.choices
    }
    assert widget_choices == {"Inventory managers", "Editors", "Viewers"}


def test_user_admin_cannot_make_someone_a_user_admin(user_admin_client, clerk):
    response = user_admin_client.post(
        change_url(clerk), user_form_data(clerk, groups=[group("User admins").pk])
    )
    assert response.status_code == 200
    assert "You cannot add anyone to the group &quot;User admins&quot;" in response.content.decode()
    assert group_names(clerk) == set()


def test_user_admin_cannot_change_its_own_roles(user_admin_client):
    me = user_admin_client.user
    response = user_admin_client.post(
        change_url(me),
        user_form_data(me, groups=[group("User admins").pk, group("Viewers").pk]),
    )
    assert response.status_code == 403
    assert group_names(me) == {"User admins"}


def test_user_admin_assigns_the_shop_roles(user_admin_client, clerk):
    shop_roles = [group("Inventory managers").pk, group("Editors").pk, group("Viewers").pk]
    response = user_admin_client.post(change_url(clerk), user_form_data(clerk, groups=shop_roles))
    assert response.status_code == 302
    assert group_names(clerk) == {"Inventory managers", "Editors", "Viewers"}
    response = user_admin_client.post(
        change_url(clerk), user_form_data(clerk, groups=[group("Viewers").pk])
    )
    assert response.status_code == 302
    assert group_names(clerk) == {"Viewers"}
    from backoffice.accounts.models import AccountEvent

    assert list(
        AccountEvent.objects.filter(kind="roles_changed").values_list("detail", flat=True)
    ) == [
        "removed Editors, Inventory managers",
        "added Editors, Inventory managers, Viewers",
    ]


def test_another_user_admin_is_read_only_to_a_user_admin(user_admin_client):
    # Changing the address, the name or Active of an account outside the editor's scope is
    # refused (backoffice.accounts.rules.user_may_manage).
    manager = UserFactory(username="manager", groups=["User admins"])
    page = user_admin_client.get(change_url(manager))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]

    response = user_admin_client.post(
        change_url(manager), user_form_data(manager, email="new@shop.example")
    )
    assert response.status_code == 403
    manager.refresh_from_db()
    assert manager.email == "manager@shop.example"
    assert group_names(manager) == {"User admins"}


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


def test_user_admin_cannot_restore_another_user_admin(user_admin_client):
    record = deleted_user_record(UserFactory(username="manager", groups=["User admins"]))
    response = restore(user_admin_client, record)
    (message,) = messages_of(response)
    assert message.startswith(
        'User “manager” cannot be restored: You cannot add anyone to the group "User admins"'
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


def test_user_admin_restores_a_user_of_a_group_it_may_assign(user_admin_client):
    record = deleted_user_record(UserFactory(username="manager", groups=["Inventory managers"]))
    restore(user_admin_client, record)
    assert group_names(User.objects.get(username="manager")) == {"Inventory managers"}
    from backoffice.accounts.models import AccountEvent

    event = AccountEvent.objects.get(target_username="manager")
    assert (event.kind, event.actor_username, event.detail) == (
        "roles_changed",
        "useradmin",
        "restored from its deletion record with Inventory managers",
    )


def test_superuser_restores_a_superuser(superuser_client):
    record = deleted_user_record(UserFactory(username="boss", is_superuser=True))
    restore(superuser_client, record)
    assert User.objects.get(username="boss").is_superuser


@pytest.mark.parametrize("editor", ["useradmin", "root"])
def test_nobody_sets_another_persons_password(user_admin_client, superuser_client, clerk, editor):
    client = {"useradmin": user_admin_client, "root": superuser_client}[editor]
    url = f"/admin/auth/user/{clerk.pk}/password/"
    assert client.get(url).status_code == 403
    response = client.post(
        url,
        {"password1": "Taken-over-2026!", "password2": "Taken-over-2026!", "usable_password": "1"},
    )
    assert response.status_code == 403
    clerk.refresh_from_db()
    assert clerk.check_password("pass-for-tests-1")
    page = client.get(change_url(clerk)).content.decode()
    assert 'href="../password/"' not in page
    assert "<strong>algorithm</strong>" in page  # the summary, read-only


def test_the_password_summary_says_how_its_owner_changes_it(user_admin_client):
    editor = UserFactory(username="editor", groups=["Editors"])
    page = user_admin_client.get(change_url(editor)).content.decode()
    assert "nobody sets another person's password" in page
    assert "“Forgotten your password or username?” on the login page" in page


# Inviting and resetting follow the same scope.


def test_user_admin_invites_into_the_shop_roles_only(
    user_admin_client, django_capture_on_commit_callbacks
):
    from django.core import mail

    add = "/admin/auth/user/add/"
    data = {"username": "newbie", "email": "newbie@shop.example"}
    with django_capture_on_commit_callbacks(execute=True):
        refused = user_admin_client.post(add, {**data, "groups": [group("User admins").pk]})
        assert refused.status_code == 200
        assert not User.objects.filter(username="newbie").exists()
        accepted = user_admin_client.post(add, {**data, "groups": [group("Editors").pk]})
    assert accepted.status_code == 302
    assert group_names(User.objects.get(username="newbie")) == {"Editors"}
    assert [m.to for m in mail.outbox] == [["newbie@shop.example"]]


def test_user_admin_cannot_resend_an_invitation_out_of_its_scope(
    user_admin_client, django_capture_on_commit_callbacks
):
    from django.core import mail

    pending = UserFactory(username="pending", groups=["User admins"], password=None)
    pending.set_unusable_password()
    pending.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = user_admin_client.post(
            "/admin/auth/user/",
            {"action": "resend_invitation", "_selected_action": [pending.pk]},
            follow=True,
        )
    assert "Not sent to pending" in response.content.decode()
    assert mail.outbox == []


def test_a_reset_goes_to_the_persons_own_address_whoever_asks(
    user_admin_client, django_capture_on_commit_callbacks
):
    from django.core import mail
    from django.test import Client

    target = UserFactory(username="target", email="target@shop.example", groups=["Editors"])
    with django_capture_on_commit_callbacks(execute=True):
        # A logged-in User admin asking changes nothing: the link goes to the target.
        user_admin_client.post("/admin/password-reset/", {"email": target.email})
        Client().post("/admin/password-reset/", {"email": target.email})
    assert [m.to for m in mail.outbox] == [["target@shop.example"]] * 2
