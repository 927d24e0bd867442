"""Login hardening: django-axes lockout, access logs, logout as POST, session idle timeout."""

import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from backoffice.middleware import SessionIdleTimeoutMiddleware
from tests.conftest import ROLES
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = "/admin/login/"
PASSWORD = "pass-for-tests-1"  # tests.factories.UserFactory's password
LOCKOUT_TEXT = "Too many failed login attempts"


def post_login(client: Client, username: str, password: str):
    return client.post(LOGIN_URL, {"username": username, "password": password})


def fail_login(client: Client, username: str, times: int):
    return [post_login(client, username, "wrong-password") for _ in range(times)]


@pytest.fixture
def staff_user():
    return UserFactory(username="clerk")


def test_settings_lock_a_username_and_address_pair_after_five_failures_for_thirty_minutes():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert timedelta(minutes=30) == settings.AXES_COOLOFF_TIME
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


def test_four_failures_do_not_lock_and_the_right_password_then_works(staff_user):
    client = Client(REMOTE_ADDR="203.0.113.7")
    responses = fail_login(client, "clerk", 4)
    assert [r.status_code for r in responses] == [200] * 4
    assert all(LOCKOUT_TEXT not in r.content.decode() for r in responses)
    assert post_login(client, "clerk", PASSWORD).status_code == 302
    assert SESSION_KEY in client.session


def test_five_failures_lock_the_pair_and_the_right_password_is_refused(staff_user):
    client = Client(REMOTE_ADDR="203.0.113.7")
    fifth = fail_login(client, "clerk", 5)[-1]
    assert fifth.status_code == 429
    assert LOCKOUT_TEXT in fifth.content.decode()
    assert "blocked for 30 minutes" in fifth.content.decode()

    locked = post_login(client, "clerk", PASSWORD)
    assert locked.status_code == 429
    assert LOCKOUT_TEXT in locked.content.decode()
    assert SESSION_KEY not in client.session
    # The page is still the jazzmin login page, with a form to try again later.
    assert 'name="password"' in locked.content.decode()


def test_the_lock_holds_only_for_that_username_from_that_address(staff_user):
    fail_login(Client(REMOTE_ADDR="203.0.113.7"), "clerk", 5)
    other_address = Client(REMOTE_ADDR="198.51.100.20")
    assert post_login(other_address, "clerk", PASSWORD).status_code == 302


def test_the_lockout_page_does_not_reveal_whether_the_username_exists(staff_user):
    existing = fail_login(Client(REMOTE_ADDR="203.0.113.7"), "clerk", 5)[-1]
    unknown = fail_login(Client(REMOTE_ADDR="203.0.113.7"), "no-such-user", 5)[-1]
    assert existing.status_code == unknown.status_code == 429

    def message(response) -> str:
        return response.content.decode().split('id="login-locked-out"')[1].split("</div>")[0]

    assert message(existing) == message(unknown)
    assert "clerk" not in message(existing)


def test_axes_reset_command_unlocks(staff_user):
    client = Client(REMOTE_ADDR="203.0.113.7")
    fail_login(client, "clerk", 5)
    assert post_login(client, "clerk", PASSWORD).status_code == 429

    call_command("axes_reset", verbosity=0)

    assert not AccessAttempt.objects.exists()
    assert post_login(client, "clerk", PASSWORD).status_code == 302


def test_superuser_sees_failed_and_successful_logins_and_can_delete_a_lockout(
    staff_user, superuser_client
):
    fail_login(Client(REMOTE_ADDR="203.0.113.7"), "clerk", 5)
    post_login(Client(REMOTE_ADDR="198.51.100.20"), "clerk", PASSWORD)
    attempt = AccessAttempt.objects.get(username="clerk", ip_address="203.0.113.7")
    assert attempt.failures_since_start == 5
    assert AccessLog.objects.filter(username="clerk", ip_address="198.51.100.20").exists()
    assert AccessFailureLog.objects.filter(username="clerk", ip_address="203.0.113.7").count() == 5

    attempts_page = superuser_client.get("/admin/axes/accessattempt/")
    logs_page = superuser_client.get("/admin/axes/accesslog/")
    assert attempts_page.status_code == logs_page.status_code == 200
    assert "203.0.113.7" in attempts_page.content.decode()
    assert "198.51.100.20" in logs_page.content.decode()
    failures_page = superuser_client.get("/admin/axes/accessfailurelog/")
    assert failures_page.status_code == 200
    assert "203.0.113.7" in failures_page.content.decode()

    # Deleting the attempt in the admin is the reset.
    response = superuser_client.post(
        f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert post_login(Client(REMOTE_ADDR="203.0.113.7"), "clerk", PASSWORD).status_code == 302


@pytest.mark.parametrize("role", [*ROLES, None])
@pytest.mark.parametrize("model", ["accessattempt", "accesslog", "accessfailurelog"])
def test_non_superusers_cannot_see_login_records(admin_client_for, role, model):
    client = admin_client_for(role)
    assert client.get(f"/admin/axes/{model}/").status_code == 403


def test_logout_is_a_post_only(staff_user):
    client = Client()
    client.force_login(staff_user)
    assert client.get("/admin/logout/").status_code == 405
    assert SESSION_KEY in client.session  # a link or an <img> cannot log anyone out

    response = client.post("/admin/logout/")
    assert response.status_code == 200
    assert SESSION_KEY not in client.session


def test_weak_passwords_are_refused_by_the_validators(superuser_client):
    # Staff choose their own passwords (invitation, reset, or this page): nobody else sets one.
    response = superuser_client.post(
        "/admin/password_change/",
        {
            "old_password": "pass-for-tests-1",
            "new_password1": "12345678",
            "new_password2": "12345678",
        },
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "This password is too common." in content
    assert "This password is entirely numeric." in content
    superuser_client.user.refresh_from_db()
    assert superuser_client.user.check_password("pass-for-tests-1")


def test_sessions_last_eight_hours_without_activity():
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60


def test_a_request_after_the_refresh_interval_pushes_the_idle_expiry_forward(staff_user):
    client = Client()
    client.force_login(staff_user)
    session_key = client.session.session_key
    # Pretend the session was last refreshed 10 minutes ago and expires in 7h50m.
    session = client.session
    session[SessionIdleTimeoutMiddleware.refreshed_at_key] = int(time.time()) - 600
    session.set_expiry(None)
    session.save()
    Session.objects.filter(pk=session_key).update(
        expire_date=timezone.now() + timedelta(hours=7, minutes=50)
    )

    assert client.get("/admin/").status_code == 200

    expires_in = Session.objects.get(pk=session_key).expire_date - timezone.now()
    assert expires_in > timedelta(hours=7, minutes=59)


def test_requests_within_the_refresh_interval_do_not_write_the_session(
    staff_user, django_assert_num_queries
):
    client = Client()
    client.force_login(staff_user)
    client.get("/admin/password_change/")  # warm-up: content types, permissions caches
    before = Session.objects.get(pk=client.session.session_key).expire_date
    # Session, user, the user's and its groups' permissions; nothing written.
    with django_assert_num_queries(4) as captured:
        client.get("/admin/password_change/")
    assert all(query["sql"].startswith("SELECT") for query in captured.captured_queries)
    assert Session.objects.get(pk=client.session.session_key).expire_date == before


def test_a_session_idle_longer_than_the_timeout_is_logged_out(staff_user):
    client = Client()
    client.force_login(staff_user)
    Session.objects.filter(pk=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
