"""Password reset from the login page: no user enumeration, rate limits across processes,
one-time links, inactive accounts."""

import re
import threading

import pytest
from django.core import mail
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from backoffice.accounts.models import RateLimitCounter
from tests.factories import UserFactory

RESET = "/admin/password-reset/"


def request_reset(client: Client, email: str, ip: str = "198.51.100.7"):
    return client.post(RESET, {"email": email}, REMOTE_ADDR=ip)


def link_in(message) -> str:
    return re.search(r"https?://testserver(/\S+)", message.body).group(1)


def test_the_login_page_links_to_the_reset_page(db):
    page = Client().get(reverse("admin:login"))
    assert RESET.encode() in page.content
    assert reverse("admin_password_reset") == RESET


def test_a_known_and_an_unknown_address_get_the_same_answer(db, django_capture_on_commit_callbacks):
    UserFactory(username="anna", email="anna@shop.example")
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        known = request_reset(client, "Anna@Shop.example")
        unknown = request_reset(client, "nobody@shop.example")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert known["Location"] == reverse("password_reset_done")
    assert [m.to for m in mail.outbox] == [["anna@shop.example"]]
    page = client.get(known["Location"])
    assert b"if an account exists with the email you entered" in page.content


def test_the_emailed_link_sets_a_new_password_once(db, django_capture_on_commit_callbacks):
    user = UserFactory(username="anna", email="anna@shop.example")
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        request_reset(client, "anna@shop.example")
    link = link_in(mail.outbox[0])
    form = client.get(link, follow=True)
    assert form.status_code == 200
    assert form.context["validlink"]
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "A-new-long-passphrase-42", "new_password2": "A-new-long-passphrase-42"},
    )
    assert done["Location"] == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password("A-new-long-passphrase-42")
    again = Client().get(link, follow=True)
    assert again.status_code == 400
    assert not again.context["validlink"]


def test_inactive_and_non_staff_accounts_get_no_email(db, django_capture_on_commit_callbacks):
    UserFactory(username="gone", email="gone@shop.example", is_active=False)
    UserFactory(username="customer", email="customer@shop.example", is_staff=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = request_reset(Client(), "gone@shop.example")
        request_reset(Client(), "customer@shop.example")
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_a_link_stops_working_when_the_account_is_deactivated(
    db, django_capture_on_commit_callbacks
):
    user = UserFactory(username="anna", email="anna@shop.example")
    with django_capture_on_commit_callbacks(execute=True):
        request_reset(Client(), "anna@shop.example")
    user.is_active = False
    user.save()
    response = Client().get(link_in(mail.outbox[0]), follow=True)
    assert response.status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "/admin/reset/x/y/",
        "/admin/reset/MQ/set-password/",
        "/admin/reset/99999999999999999999/abc-def/",
        "/admin/reset/%00%ff/zz/",
        "/admin/reset/LS0tLS0/1-1/",
        "/admin/invitation/MQ/abc-def/",
        "/admin/invitation/" + "A" * 500 + "/b-c/",
    ],
)
def test_odd_uids_and_tokens_answer_400(db, path):
    UserFactory(username="anna")
    response = Client().get(path, follow=True)
    assert response.status_code == 400


@override_settings(BACKOFFICE_PASSWORD_RESET_PER_ADDRESS_PER_HOUR=3)
def test_an_address_gets_three_requests_an_hour_from_any_ip(db):
    for number in range(3):
        assert (
            request_reset(Client(), "x@shop.example", ip=f"198.51.100.{number}").status_code == 302
        )
    refused = request_reset(Client(), "X@shop.example", ip="198.51.100.99")
    assert refused.status_code == 429
    assert (
        "Too many reset requests for this address: at most 3 an hour." in refused.content.decode()
    )
    assert request_reset(Client(), "y@shop.example", ip="198.51.100.99").status_code == 302


@override_settings(BACKOFFICE_PASSWORD_RESET_PER_IP_PER_HOUR=5)
def test_an_ip_gets_five_requests_an_hour_for_any_addresses(db, django_capture_on_commit_callbacks):
    UserFactory(username="anna", email="anna@shop.example")
    for number in range(5):
        assert request_reset(Client(), f"a{number}@shop.example").status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        refused = request_reset(Client(), "anna@shop.example")
    assert refused.status_code == 429
    assert "from your network address: at most 5 an hour" in refused.content.decode()
    assert mail.outbox == []
    assert request_reset(Client(), "anna@shop.example", ip="203.0.113.1").status_code == 302


def test_counters_store_no_address_in_clear(db):
    request_reset(Client(), "anna@shop.example")
    keys = list(RateLimitCounter.objects.values_list("key", flat=True))
    assert len(keys) == 2
    assert not any("anna" in key or "198.51.100.7" in key for key in keys)


@pytest.mark.django_db(transaction=True)
@override_settings(BACKOFFICE_PASSWORD_RESET_PER_ADDRESS_PER_HOUR=3)
def test_concurrent_requests_never_pass_the_limit():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are PostgreSQL's; SQLite serialises them")
    statuses = []
    barrier = threading.Barrier(8)

    def attempt(number):
        barrier.wait()
        statuses.append(
            request_reset(Client(), "x@shop.example", ip=f"198.51.100.{number}").status_code
        )
        connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302] * 3 + [429] * 5


def test_a_down_mail_server_changes_nothing_the_visitor_sees(
    db, django_capture_on_commit_callbacks
):
    import smtplib
    from unittest import mock

    UserFactory(username="anna", email="anna@shop.example")
    with (
        mock.patch(
            "backoffice.accounts.tasks.send_mail", side_effect=smtplib.SMTPConnectError(421, "x")
        ) as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        known = request_reset(Client(), "anna@shop.example")
        unknown = request_reset(Client(), "nobody@shop.example")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert send.call_count >= 1  # the worker's try (and its eager retries)


def test_no_reset_reaches_an_address_someone_else_just_gave_the_account(
    db, django_capture_on_commit_callbacks
):
    """Re-address an account, then reset its password: a take-over, held for a day."""
    from datetime import timedelta

    from django.utils import timezone

    from backoffice.accounts.invitations import address_change_notify
    from backoffice.accounts.models import AccountEvent

    anna = UserFactory(username="anna", email="anna@shop.example")
    admin = UserFactory(username="ulla", email="ulla@shop.example")
    anna.email = "ulla+anna@shop.example"
    anna.save()
    with django_capture_on_commit_callbacks(execute=True):
        address_change_notify(user=anna, old_address="anna@shop.example", changed_by=admin)
    assert [m.to for m in mail.outbox] == [["anna@shop.example"]]  # the old address is told
    mail.outbox.clear()

    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        held = request_reset(client, "ulla+anna@shop.example")
        unknown = request_reset(client, "nobody@shop.example", ip="198.51.100.8")
    assert mail.outbox == []
    assert (held.status_code, held["Location"]) == (unknown.status_code, unknown["Location"])

    # A day later (BACKOFFICE_ADDRESS_CHANGE_RESET_HOLD_HOURS) the new address gets its link.
    AccountEvent.objects.filter(target=anna).update(
        created_at=timezone.now() - timedelta(hours=24, minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        request_reset(client, "ulla+anna@shop.example", ip="198.51.100.9")
    assert [m.to for m in mail.outbox] == [["ulla+anna@shop.example"]]


def test_changing_ones_own_address_or_an_invitees_holds_no_reset(
    db, django_capture_on_commit_callbacks
):
    from backoffice.accounts.invitations import address_change_notify

    anna = UserFactory(username="anna", email="anna@new.example")
    with django_capture_on_commit_callbacks(execute=True):
        address_change_notify(user=anna, old_address="anna@old.example", changed_by=anna)
    invited = UserFactory(username="ivo", email="ivo@shop.example")
    invited.set_unusable_password()
    invited.save()
    with django_capture_on_commit_callbacks(execute=True):
        address_change_notify(
            user=invited, old_address="ivo@typo.example", changed_by=UserFactory(username="ulla")
        )
    mail.outbox.clear()
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        request_reset(client, "anna@new.example")
        request_reset(client, "ivo@shop.example")
    assert sorted(m.to[0] for m in mail.outbox) == ["anna@new.example", "ivo@shop.example"]
