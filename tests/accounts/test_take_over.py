"""Issue 12.1 as an attacker holding the `useradmin` login would try it, through the admin:
deactivate an account, set its password, reactivate it, log in as it. Out of its scope
(another User admin, a superuser) every step is refused, whether the target is active or
was deactivated by someone else; in its scope (an Inventory manager) the account may be
deactivated and reactivated, but its password is set by nobody but its owner."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Taken-over-2026!"


def change_form(user, **changes) -> dict:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_staff": "on",
        "groups": [group.pk for group in user.groups.all()],
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "last_login_0": "",
        "last_login_1": "",
    }
    if user.is_active:
        data["is_active"] = "on"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def set_password(client, user):
    return client.post(
        f"/admin/auth/user/{user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )


@pytest.fixture
def attacker(admin_client_for):
    return admin_client_for("User admins", username="useradmin")


@pytest.fixture
def inventory():
    return UserFactory(username="inventory", groups=["Inventory managers"])


@pytest.fixture
def colleague():
    return UserFactory(username="colleague", groups=["User admins"])


def can_log_in(user, password: str) -> bool:
    """Through the login page, as the attacker would (django-axes needs the request)."""
    client = Client()
    client.post("/admin/login/", {"username": user.username, "password": password})
    return "_auth_user_id" in client.session


def test_the_whole_take_over_sequence_is_refused_out_of_scope(attacker, colleague):
    change = f"/admin/auth/user/{colleague.pk}/change/"
    # 1. Untick Active.
    assert attacker.post(change, change_form(colleague, is_active=None)).status_code == 403
    colleague.refresh_from_db()
    assert colleague.is_active
    # 2. Set a password.
    assert attacker.get(f"/admin/auth/user/{colleague.pk}/password/").status_code == 403
    assert set_password(attacker, colleague).status_code == 403
    # 3. Tick Active again.
    assert attacker.post(change, change_form(colleague, is_active="on")).status_code == 403
    # 4. Log in as the colleague.
    assert not can_log_in(colleague, NEW_PASSWORD)
    assert can_log_in(colleague, "pass-for-tests-1")


def test_in_scope_the_account_is_deactivated_and_back_but_never_given_a_password(
    attacker, inventory
):
    change = f"/admin/auth/user/{inventory.pk}/change/"
    assert attacker.post(change, change_form(inventory, is_active=None)).status_code == 302
    inventory.refresh_from_db()
    assert not inventory.is_active
    assert attacker.get(f"/admin/auth/user/{inventory.pk}/password/").status_code == 403
    assert set_password(attacker, inventory).status_code == 403
    assert attacker.post(change, change_form(inventory, is_active="on")).status_code == 302
    assert not can_log_in(inventory, NEW_PASSWORD)
    assert can_log_in(inventory, "pass-for-tests-1")


def test_a_target_deactivated_by_someone_else_is_still_out_of_reach(
    attacker, colleague, superuser_client
):
    change = f"/admin/auth/user/{colleague.pk}/change/"
    assert superuser_client.post(change, change_form(colleague, is_active=None)).status_code == 302
    colleague.refresh_from_db()
    assert not colleague.is_active

    assert attacker.get(f"/admin/auth/user/{colleague.pk}/password/").status_code == 403
    assert set_password(attacker, colleague).status_code == 403
    assert attacker.post(change, change_form(colleague, is_active="on")).status_code == 403
    page = attacker.get(change)
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert 'href="../password/"' not in page.content.decode()

    colleague.refresh_from_db()
    assert not colleague.is_active
    assert colleague.check_password("pass-for-tests-1")


@pytest.mark.parametrize(
    "make_target",
    [
        lambda: UserFactory(username="ua", groups=["User admins"], is_active=False),
        lambda: UserFactory(username="boss", is_superuser=True, is_active=False),
    ],
    ids=["inactive user admin", "inactive superuser"],
)
def test_inactive_targets_out_of_scope_cannot_be_deleted(attacker, make_target):
    target = make_target()
    assert attacker.get(f"/admin/auth/user/{target.pk}/delete/").status_code == 403
    assert (
        attacker.post(f"/admin/auth/user/{target.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    response = attacker.post(
        "/admin/auth/user/",
        {"action": "delete_selected", "_selected_action": [target.pk], "post": "yes"},
    )
    assert response.status_code == 403
    assert User.objects.filter(pk=target.pk).exists()


def test_an_inactive_target_with_a_direct_permission_is_out_of_reach(attacker):
    from django.contrib.auth.models import Permission

    special = UserFactory(username="special", is_active=False)
    special.user_permissions.add(Permission.objects.get(codename="view_product"))
    change = f"/admin/auth/user/{special.pk}/change/"
    assert attacker.post(change, change_form(special, is_active="on")).status_code == 403
    special.refresh_from_db()
    assert not special.is_active


def test_an_inactive_account_in_scope_stays_manageable(attacker):
    # The check can say yes: without this, the refusals above could be a broken admin.
    clerk = UserFactory(username="clerk", is_active=False, groups=["Viewers"])
    change = f"/admin/auth/user/{clerk.pk}/change/"
    assert attacker.post(change, change_form(clerk, is_active="on")).status_code == 302
    clerk.refresh_from_db()
    assert clerk.is_active
    delete = f"/admin/auth/user/{clerk.pk}/delete/"
    assert attacker.post(delete, {"post": "yes"}).status_code == 302
    assert not User.objects.filter(pk=clerk.pk).exists()


def test_each_user_is_judged_once_per_request(attacker, colleague, monkeypatch):
    # The change page asks has_change_permission about ten times (23 -> 9 queries measured).
    from backoffice.accounts import admin as accounts_admin

    calls = []
    real = accounts_admin.user_may_manage

    def counted(**kwargs):
        calls.append(kwargs["target"].pk)
        return real(**kwargs)

    monkeypatch.setattr(accounts_admin, "user_may_manage", counted)
    page = attacker.get(f"/admin/auth/user/{colleague.pk}/change/")
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert calls == [colleague.pk]


def test_delete_selected_judges_all_users_in_a_constant_number_of_queries(attacker):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from alerts.models import DeletionRecord

    manager = UserFactory(username="manager", groups=["User admins"])

    def confirmation_page_queries(clerks) -> int:
        data = {"action": "delete_selected", "_selected_action": [u.pk for u in [*clerks, manager]]}
        attacker.post("/admin/auth/user/", data)  # warm the content-type cache
        with CaptureQueriesContext(connection) as queries:
            response = attacker.post("/admin/auth/user/", data)
        assert response.status_code == 200
        assert response.context["perms_lacking"]  # the manager is refused
        assert attacker.post("/admin/auth/user/", {**data, "post": "yes"}).status_code == 403
        return len(queries)

    few = [UserFactory(username=f"clerk{index}") for index in range(2)]
    many = few + [UserFactory(username=f"clerk{index}") for index in range(2, 10)]
    assert confirmation_page_queries(few) == confirmation_page_queries(many)
    assert User.objects.filter(username__startswith="clerk").count() == 10
    assert not DeletionRecord.objects.exists()


def test_inviting_someone_into_a_group_out_of_scope_is_refused(attacker):
    from django.contrib.auth.models import Group

    stronger = Group.objects.get(name="User admins")
    response = attacker.post(
        "/admin/auth/user/add/",
        {"username": "mole", "email": "mole@evil.example", "groups": [stronger.pk]},
    )
    assert response.status_code == 200
    assert "You cannot add anyone to the group &quot;User admins&quot;" in (
        response.content.decode()
    )
    assert not User.objects.filter(username="mole").exists()


def _delete_and_restore(attacker, user):
    """As the attacker may: delete an account in scope, then restore it from its record
    (it comes back with an unusable password and its last login)."""
    from django.urls import reverse

    from alerts.models import DeletionRecord

    deleted = attacker.post(f"/admin/auth/user/{user.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    record = DeletionRecord.objects.get(object_repr=user.username)
    restored = attacker.post(reverse("admin:alerts_deletionrecord_restore", args=[record.pk]))
    assert restored.status_code == 302
    user = User.objects.get(pk=user.pk)
    assert not user.has_usable_password()
    assert user.last_login is not None
    return user


def test_delete_restore_and_re_address_hands_no_reset_link_to_the_new_address(
    attacker, inventory, django_capture_on_commit_callbacks
):
    """Delete, restore (no usable password), re-address, 'Forgot your password': the hold
    after someone else's address change must cover the restored account too, which is no
    invitee (it has logged in before)."""
    from django.core import mail
    from django.utils import timezone

    inventory.last_login = timezone.now()
    inventory.save()
    inventory = _delete_and_restore(attacker, inventory)
    change = f"/admin/auth/user/{inventory.pk}/change/"
    data = change_form(inventory, email="mole@evil.example")
    data["last_login_0"] = inventory.last_login.strftime("%Y-%m-%d")
    data["last_login_1"] = inventory.last_login.strftime("%H:%M:%S")
    assert attacker.post(change, data).status_code == 302
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/admin/password-reset/", {"email": "mole@evil.example"})
    assert [m.to for m in mail.outbox] == []


def test_a_cleared_last_login_makes_no_invitation_of_an_account_that_logged_in(
    attacker, inventory, django_capture_on_commit_callbacks
):
    """Delete, restore, clear 'Last login' and re-address in one save, 'Resend invitation':
    the link would reach the attacker's address. Last login is the system's to write."""
    from django.core import mail
    from django.utils import timezone

    inventory.last_login = timezone.now()
    inventory.save()
    inventory = _delete_and_restore(attacker, inventory)
    change = f"/admin/auth/user/{inventory.pk}/change/"
    attacker.post(change, change_form(inventory, email="mole@evil.example"))
    inventory.refresh_from_db()
    assert inventory.last_login is not None
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        attacker.post(
            "/admin/auth/user/",
            {"action": "resend_invitation", "_selected_action": [inventory.pk]},
        )
        Client().post("/admin/password-reset/", {"email": "mole@evil.example"})
    assert [m.to for m in mail.outbox] == []


def test_re_address_then_delete_and_restore_keeps_the_reset_hold(
    attacker, inventory, django_capture_on_commit_callbacks
):
    """Re-address, delete, restore, 'Forgot your password': deleting the account unlinked its
    address change from it (the record outlives the account), so the restored account, same
    ID, same new address, was no longer held."""
    from django.core import mail
    from django.utils import timezone

    inventory.last_login = timezone.now()
    inventory.save()
    change = f"/admin/auth/user/{inventory.pk}/change/"
    readdressed = attacker.post(change, change_form(inventory, email="mole@evil.example"))
    assert readdressed.status_code == 302
    inventory.refresh_from_db()
    inventory = _delete_and_restore(attacker, inventory)
    assert inventory.email == "mole@evil.example"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/admin/password-reset/", {"email": "mole@evil.example"})
    assert [m.to for m in mail.outbox] == []
