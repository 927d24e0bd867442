"""Two-factor login: the gate, enrolment, codes, recovery codes, axes, reset."""

import threading

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice.accounts import two_factor
from tests.factories import UserFactory

REQUIRED = override_settings(BACKOFFICE_TWO_FACTOR_REQUIRED=["superusers", "User admins"])
PASSWORD = "pass-for-tests-1"


def current_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + steps_ahead * device.step
    return f"{totp.token():06d}"


def password_login(username: str) -> Client:
    client = Client()
    response = client.post(
        reverse("admin:login"), {"username": username, "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302, response.content[:500]
    return client


def enrolled(user: User) -> tuple[TOTPDevice, list[str]]:
    device = TOTPDevice.objects.create(user=user, name=two_factor.APP_DEVICE_NAME)
    return device, two_factor.recovery_codes_replace(user=user)


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_superuser=True)


@REQUIRED
def test_a_password_login_of_a_superuser_leads_to_enrolment_and_no_admin_page(root):
    client = password_login("root")
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:two_factor_verify"))
    response = client.get(response["Location"])
    assert response["Location"] == reverse("admin:two_factor_enrol")
    page = client.get(reverse("admin:two_factor_enrol"))
    assert page.status_code == 200
    assert b"<svg" in page.content
    assert b"Scan this code" in page.content


@REQUIRED
def test_enrolment_with_the_apps_code_verifies_the_session_and_shows_ten_recovery_codes(root):
    client = password_login("root")
    client.get(reverse("admin:two_factor_enrol"))
    device = TOTPDevice.objects.get(user=root, confirmed=False)
    response = client.post(
        reverse("admin:two_factor_enrol"), {"device": device.pk, "code": current_code(device)}
    )
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert set(StaticToken.objects.filter(device__user=root).values_list("token", flat=True)) == (
        set(codes)
    )
    assert client.get(reverse("admin:index")).status_code == 200


@REQUIRED
def test_a_wrong_enrolment_code_confirms_nothing(root):
    client = password_login("root")
    client.get(reverse("admin:two_factor_enrol"))
    device = TOTPDevice.objects.get(user=root, confirmed=False)
    wrong = current_code(device, steps_ahead=10)
    response = client.post(reverse("admin:two_factor_enrol"), {"device": device.pk, "code": wrong})
    assert response.status_code == 400
    assert b"That code is not right" in response.content
    assert not TOTPDevice.objects.filter(user=root, confirmed=True).exists()
    assert client.get(reverse("admin:index")).status_code == 302


@REQUIRED
def test_the_second_step_takes_the_apps_code_once(root):
    device, _ = enrolled(root)
    client = password_login("root")
    verify = reverse("admin:two_factor_verify")
    code = current_code(device)
    response = client.post(verify, {"code": code, "next": "/admin/catalog/product/"})
    assert response["Location"] == "/admin/catalog/product/"
    assert client.get(reverse("admin:index")).status_code == 200
    # The same code in another session is refused (django-otp keeps the last time step).
    other = password_login("root")
    assert other.post(verify, {"code": code}).status_code == 400
    assert other.get(reverse("admin:index")).status_code == 302


@REQUIRED
def test_a_recovery_code_works_once(root):
    _, codes = enrolled(root)
    first = password_login("root")
    response = first.post(reverse("admin:two_factor_verify"), {"code": codes[0].upper()})
    assert response.status_code == 302
    assert first.get(reverse("admin:index")).status_code == 200
    again = password_login("root")
    response = again.post(reverse("admin:two_factor_verify"), {"code": codes[0]})
    assert response.status_code == 400
    assert StaticToken.objects.filter(device__user=root).count() == 9


@REQUIRED
def test_an_open_redirect_through_next_is_refused(root):
    device, _ = enrolled(root)
    client = password_login("root")
    response = client.post(
        reverse("admin:two_factor_verify"),
        {"code": current_code(device), "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("admin:index")


@REQUIRED
@override_settings(AXES_FAILURE_LIMIT=3)
def test_wrong_codes_count_towards_the_axes_lockout_and_a_password_login_does_not_reset_them(
    root,
):
    device, _ = enrolled(root)
    client = password_login("root")
    verify = reverse("admin:two_factor_verify")
    # throttling off: the device would otherwise refuse the next try for a few seconds
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    assert client.post(verify, {"code": "000000"}).status_code == 400
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    assert client.post(verify, {"code": "not-a-code"}).status_code == 400
    # A fresh password login does not wipe the two failures.
    client = password_login("root")
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    response = client.post(verify, {"code": "111111"})
    assert response.status_code == 429
    assert b"Too many failed login attempts" in response.content
    assert AccessAttempt.objects.get(username="root").failures_since_start == 3
    # The session ended, and the password step is locked for the pair too.
    assert "_auth_user_id" not in client.session
    response = Client().post(reverse("admin:login"), {"username": "root", "password": PASSWORD})
    assert response.status_code == 429


@REQUIRED
def test_a_complete_login_forgets_earlier_failures(root):
    device, _ = enrolled(root)
    client = password_login("root")
    verify = reverse("admin:two_factor_verify")
    client.post(verify, {"code": "000000"})
    assert AccessAttempt.objects.filter(username="root").exists()
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    client.post(verify, {"code": current_code(device)})
    assert not AccessAttempt.objects.filter(username="root").exists()


def test_users_not_required_are_not_asked(admin_client_for):
    client = admin_client_for("Editors")
    assert client.get(reverse("admin:index")).status_code == 200


@REQUIRED
def test_a_role_group_named_in_the_setting_is_required(admin_client_for):
    useradmin = admin_client_for("User admins")
    assert useradmin.get(reverse("admin:auth_user_changelist")).status_code == 302
    editor = admin_client_for("Editors")
    assert editor.get(reverse("admin:index")).status_code == 200


def test_a_user_who_enrolled_of_their_own_accord_is_asked_at_next_login(db):
    editor = UserFactory(username="editor", groups=["Editors"])
    device, _ = enrolled(editor)
    client = password_login("editor")
    assert client.get(reverse("admin:index"))["Location"].startswith(
        reverse("admin:two_factor_verify")
    )
    client.post(reverse("admin:two_factor_verify"), {"code": current_code(device)})
    assert client.get(reverse("admin:index")).status_code == 200


@REQUIRED
def test_a_session_with_an_app_cannot_enrol_another_one_before_the_code(root):
    enrolled(root)
    client = password_login("root")
    response = client.get(reverse("admin:two_factor_enrol"))
    assert response["Location"] == reverse("admin:two_factor_verify")
    response = client.post(reverse("admin:two_factor_enrol"), {"device": "1", "code": "123456"})
    assert response["Location"] == reverse("admin:two_factor_verify")
    assert TOTPDevice.objects.filter(user=root).count() == 1


@REQUIRED
def test_logout_stays_open_to_a_session_owing_the_code(root):
    client = password_login("root")
    response = client.post(reverse("admin:logout"))
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_the_two_factor_pages_send_anonymous_visitors_to_the_login(db):
    client = Client()
    for name in ("two_factor_verify", "two_factor_enrol", "two_factor_recovery_codes"):
        response = client.post(reverse(f"admin:{name}"), {"code": "123456"})
        assert response["Location"] == reverse("admin:login"), name


def test_new_recovery_codes_replace_the_old_ones_for_a_verified_session(root):
    device, old = enrolled(root)
    client = password_login("root")
    client.post(reverse("admin:two_factor_verify"), {"code": current_code(device)})
    response = client.post(reverse("admin:two_factor_recovery_codes"))
    new = response.context["codes"]
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)
    assert not set(new) & set(old)


def test_new_recovery_codes_need_a_verified_session(root):
    enrolled(root)
    client = password_login("root")
    response = client.post(reverse("admin:two_factor_recovery_codes"))
    assert response["Location"] == reverse("admin:two_factor_verify")


@REQUIRED
def test_a_superuser_resets_someones_devices_from_the_user_list(root):
    useradmin = UserFactory(username="useradmin", groups=["User admins"])
    enrolled(useradmin)
    device, _ = enrolled(root)
    client = password_login("root")
    client.post(reverse("admin:two_factor_verify"), {"code": current_code(device)})
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [useradmin.pk]},
        follow=True,
    )
    assert "Two-factor login reset for 1 user" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=useradmin).exists()
    assert not StaticToken.objects.filter(device__user=useradmin).exists()


def test_the_reset_command_removes_a_locked_out_superusers_devices(root, capsys):
    enrolled(root)
    call_command("reset_two_factor", "root")
    assert not TOTPDevice.objects.filter(user=root).exists()
    assert "root" in capsys.readouterr().out


def test_the_reset_command_names_an_unknown_user(db):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("reset_two_factor", "nobody")


@pytest.mark.django_db(transaction=True)
@REQUIRED
def test_one_recovery_code_sent_twice_at_once_logs_in_once():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises writers anyway")
    root = UserFactory(username="root", is_superuser=True)
    _, codes = enrolled(root)
    clients = [password_login("root") for _ in range(4)]
    statuses = []
    barrier = threading.Barrier(len(clients))

    def attempt(client):
        barrier.wait()
        statuses.append(
            client.post(reverse("admin:two_factor_verify"), {"code": codes[0]}).status_code
        )
        connection.close()

    threads = [threading.Thread(target=attempt, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302, 400, 400, 400]
