"""Invitations instead of passwords: adding staff emails a one-time link, resend, who has
not accepted, the old address told of a change, and the record of it all."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.test import Client
from django.urls import reverse

from backoffice.accounts.invitations import InvitationTokenGenerator, invitation_token_generator
from backoffice.accounts.models import AccountEvent
from tests.factories import UserFactory

NEW_PASSWORD = "A-new-long-passphrase-42"


def link_in(message) -> str:
    return re.search(r"https?://testserver(/\S+)", message.body).group(1)


def invite(client: Client, captured, **fields):
    data = {"username": "newbie", "email": "newbie@shop.example", "first_name": "New"}
    data.update(fields)
    with captured(execute=True):
        return client.post(reverse("admin:auth_user_add"), data)


def test_the_add_form_has_no_password_fields(superuser_client):
    page = superuser_client.get(reverse("admin:auth_user_add"))
    assert page.status_code == 200
    assert b'name="password1"' not in page.content
    assert b'name="email"' in page.content


def test_the_add_form_says_the_person_chooses_their_own_password(superuser_client):
    html = superuser_client.get(reverse("admin:auth_user_add")).content.decode()
    # jazzmin's text asked for a password the form does not have.
    assert "enter a username and password" not in html
    assert "they get an email with a link to choose their own password" in html


def test_adding_staff_emails_a_link_that_sets_the_password_once(
    superuser_client, django_capture_on_commit_callbacks
):
    viewers = Group.objects.get(name="Viewers")
    response = invite(superuser_client, django_capture_on_commit_callbacks, groups=[viewers.pk])
    assert response.status_code == 302, response.content[:2000]
    user = User.objects.get(username="newbie")
    assert user.is_staff
    assert not user.has_usable_password()
    assert list(user.groups.values_list("name", flat=True)) == ["Viewers"]
    [message] = mail.outbox
    assert message.to == ["newbie@shop.example"]
    assert "within 72 hours" in message.body
    link = link_in(message)
    client = Client()
    form = client.get(link, follow=True)
    assert form.context["validlink"]
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done["Location"] == reverse("password_reset_complete")
    login = client.post(reverse("admin:login"), {"username": "newbie", "password": NEW_PASSWORD})
    assert login.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    assert Client().get(link, follow=True).status_code == 400
    events = list(AccountEvent.objects.order_by("pk").values_list("kind", "actor_username"))
    assert ("invited", "root") in events
    assert ("roles_changed", "root") in events


def test_an_invitation_link_is_no_reset_link_and_the_other_way_round(db):
    user = UserFactory(username="anna")
    from django.contrib.auth.tokens import default_token_generator

    assert not invitation_token_generator.check_token(
        user, default_token_generator.make_token(user)
    )
    assert not default_token_generator.check_token(
        user, invitation_token_generator.make_token(user)
    )


def test_an_invitation_expires_after_the_settings_hours(db, settings):
    assert settings.PASSWORD_RESET_TIMEOUT == settings.BACKOFFICE_INVITATION_HOURS * 3600
    user = UserFactory(username="anna")
    token = invitation_token_generator.make_token(user)
    now = invitation_token_generator._now()
    hours = settings.BACKOFFICE_INVITATION_HOURS
    with mock.patch.object(
        InvitationTokenGenerator, "_now", return_value=now + timedelta(hours=hours - 1)
    ):
        assert invitation_token_generator.check_token(user, token)
    with mock.patch.object(
        InvitationTokenGenerator, "_now", return_value=now + timedelta(hours=hours + 1)
    ):
        assert not invitation_token_generator.check_token(user, token)
    altered = token[:-1] + ("0" if token[-1] != "0" else "1")
    assert not invitation_token_generator.check_token(user, altered)
    assert not invitation_token_generator.check_token(user, "zz-")


def test_the_user_list_shows_who_has_not_accepted(
    superuser_client, django_capture_on_commit_callbacks
):
    invite(superuser_client, django_capture_on_commit_callbacks)
    UserFactory(username="settled")
    page = superuser_client.get(reverse("admin:auth_user_changelist"))
    rows = {
        row.username: page.context["cl"].model_admin.invitation(row)
        for row in page.context["cl"].result_list
    }
    assert rows["newbie"] == "not accepted"
    assert rows["settled"] == ""
    assert b"not accepted" in page.content


def test_resend_sends_a_new_link_to_pending_invitations_only(
    superuser_client, django_capture_on_commit_callbacks
):
    invite(superuser_client, django_capture_on_commit_callbacks)
    settled = UserFactory(username="settled")
    newbie = User.objects.get(username="newbie")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(
            reverse("admin:auth_user_changelist"),
            {"action": "resend_invitation", "_selected_action": [newbie.pk, settled.pk]},
            follow=True,
        )
    text = response.content.decode()
    assert "Invitation sent again to newbie." in text
    assert "Not sent to settled" in text
    assert [m.to for m in mail.outbox] == [["newbie@shop.example"]]
    assert AccountEvent.objects.filter(kind="invitation_resent", target=newbie).exists()


def test_changing_an_address_tells_the_old_one(
    superuser_client, django_capture_on_commit_callbacks
):
    user = UserFactory(username="anna", email="anna@shop.example")
    url = reverse("admin:auth_user_change", args=[user.pk])
    form = superuser_client.get(url).context["adminform"].form
    data = {
        k: v
        for k, v in form.initial.items()
        if v is not None
        and k not in ("groups", "user_permissions", "last_login", "date_joined", "password")
    }
    data.update(
        email="anna@elsewhere.example",
        date_joined_0="2026-01-01",
        date_joined_1="10:00:00",
        is_active="on",
        is_staff="on",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    [message] = mail.outbox
    assert message.to == ["anna@shop.example"]
    assert "anna@elsewhere.example" in message.body
    event = AccountEvent.objects.get(kind="address_changed")
    assert event.detail == "anna@shop.example -> anna@elsewhere.example"


def test_superusers_read_the_account_events_and_nobody_edits_them(
    superuser_client, admin_client_for, django_capture_on_commit_callbacks
):
    invite(superuser_client, django_capture_on_commit_callbacks)
    event = AccountEvent.objects.first()
    assert (
        superuser_client.get(reverse("admin:accounts_accountevent_changelist")).status_code == 200
    )
    assert (
        superuser_client.post(
            reverse("admin:accounts_accountevent_change", args=[event.pk]), {"detail": "x"}
        ).status_code
        == 403
    )
    assert (
        superuser_client.get(
            reverse("admin:accounts_accountevent_delete", args=[event.pk])
        ).status_code
        == 403
    )
    useradmin = admin_client_for("User admins")
    assert useradmin.get(reverse("admin:accounts_accountevent_changelist")).status_code == 403


@pytest.mark.parametrize("role", ["Editors", "Viewers", "Inventory managers"])
def test_roles_without_user_rights_cannot_invite(admin_client_for, role):
    client = admin_client_for(role)
    response = client.post(
        reverse("admin:auth_user_add"), {"username": "x", "email": "x@shop.example"}
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="x").exists()


def test_a_pending_invitation_stops_when_a_superuser_raises_the_account(
    admin_client_for, superuser_client, django_capture_on_commit_callbacks
):
    """A User admin invites an account to an address of their own; a superuser then makes it
    a superuser (or a User admin) before it is accepted: the link the User admin holds must
    not open the raised account. The superuser's own Resend invitation sends a new one."""
    useradmin = admin_client_for("User admins", username="ulla")
    viewers = Group.objects.get(name="Viewers")
    invite(
        useradmin,
        django_capture_on_commit_callbacks,
        username="newlead",
        email="ulla+lead@elsewhere.example",
        groups=[viewers.pk],
    )
    [message] = mail.outbox
    link = link_in(message)
    lead = User.objects.get(username="newlead")
    lead.is_superuser = True
    lead.save()
    assert not Client().get(link, follow=True).context["validlink"]

    User.objects.filter(pk=lead.pk).update(is_superuser=False)
    lead.groups.add(Group.objects.get(name="User admins"))
    assert not Client().get(link, follow=True).context["validlink"]

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        superuser_client.post(
            "/admin/auth/user/", {"action": "resend_invitation", "_selected_action": [lead.pk]}
        )
    [again] = mail.outbox
    assert Client().get(link_in(again), follow=True).context["validlink"]
