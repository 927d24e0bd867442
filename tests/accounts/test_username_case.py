"""Usernames are unique regardless of letter case (backoffice.accounts.usernames): the add and
change forms refuse "Bob" beside "bob" with a message naming the taken one, so does every other
path creating an account (createsuperuser, a script's create_user), the database refuses it
on any path that sends no signal, and migration 0003 refuses to run over existing clashes."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from backoffice.accounts.usernames import username_taken_by
from tests.factories import UserFactory
from tests.test_user_admin_escalation import change_url, user_form_data
from tests.threads import CONCURRENT_WRITERS, THREADS, role_clients, run_at_once

pytestmark = pytest.mark.django_db

migration = importlib.import_module(
    "backoffice.accounts.migrations.0003_username_unique_regardless_of_case"
)
SCHEMA_EDITOR = SimpleNamespace(connection=connection)
NAMES = {"first_name": "", "last_name": ""}
TAKEN = "The username “bob” is taken: usernames are unique regardless of upper and lower case."


def test_the_add_form_refuses_a_username_differing_only_in_case(superuser_client):
    UserFactory(username="bob")
    response = superuser_client.post(
        reverse("admin:auth_user_add"),
        {"username": "Bob", "email": "bob2@shop.example", "first_name": "", "last_name": ""},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["username"] == [TAKEN]
    assert list(User.objects.filter(username__iexact="bob").values_list("username", flat=True)) == [
        "bob"
    ]


def test_the_add_form_refuses_a_username_in_compatibility_characters_of_another_case(
    superuser_client,
):
    # "BOB" in fullwidth letters: the form checked it as typed (free), then the model's clean()
    # stored it in NFKC form, "BOB", and the save hit the check of new accounts: 500.
    UserFactory(username="bob")
    response = superuser_client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "\uff22\uff2f\uff22",
            "email": "b@shop.example",
            "first_name": "",
            "last_name": "",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["username"] == [TAKEN]
    assert sorted(User.objects.values_list("username", flat=True)) == ["bob", "root"]


def test_the_change_form_refuses_a_rename_onto_another_case(superuser_client):
    UserFactory(username="bob")
    ann = UserFactory(username="ann")
    response = superuser_client.post(change_url(ann), user_form_data(ann, username="BOB"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["username"] == [TAKEN]
    ann.refresh_from_db()
    assert ann.username == "ann"


def test_an_account_may_change_the_case_of_its_own_username(superuser_client):
    ann = UserFactory(username="ann")
    response = superuser_client.post(change_url(ann), user_form_data(ann, username="Ann"))
    assert response.status_code == 302
    ann.refresh_from_db()
    assert ann.username == "Ann"


def test_the_check_compares_as_the_database_index_does():
    bob = UserFactory(username="bob")
    assert username_taken_by("BOB") == "bob"
    assert username_taken_by("bob", other_than=bob.pk) is None
    assert username_taken_by("bobby") is None


def test_createsuperuser_refuses_a_username_differing_only_in_case(monkeypatch):
    UserFactory(username="bob")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-enough-password-4711")
    with pytest.raises(CommandError) as raised:
        call_command("createsuperuser", "--noinput", username="BOB", email="bob@shop.example")
    assert str(raised.value) == TAKEN
    assert list(User.objects.values_list("username", flat=True)) == ["bob"]


def test_a_script_creating_an_account_gets_the_same_message():
    UserFactory(username="bob")
    with pytest.raises(ValidationError) as raised:
        User.objects.create_user(username="Bob", password="a-long-enough-password-4711")
    assert raised.value.messages == [TAKEN]
    assert User.objects.count() == 1


def test_saving_an_existing_account_costs_no_username_query(django_assert_num_queries):
    bob = UserFactory(username="bob")
    with django_assert_num_queries(1):  # the UPDATE: a login's last_login save
        bob.save(update_fields=["last_login"])


def test_the_database_refuses_a_username_differing_only_in_case():
    UserFactory(username="bob")
    # bulk_create sends no pre_save: only the unique index on LOWER(username) stands.
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(username="BOB")])
    assert User.objects.count() == 1


def test_the_migration_refuses_to_run_over_case_duplicates_and_lists_them():
    # DDL is transactional on both databases: the test's rollback restores the index.
    with connection.cursor() as cursor:
        cursor.execute(f'DROP INDEX "{migration.INDEX}"')
    first = UserFactory(username="bob")
    # Accounts from before the rule: written past the new-account check, as they once were.
    (second,) = User.objects.bulk_create([User(username="BOB")])
    UserFactory(username="ann")
    with pytest.raises(migration.CaseDuplicateUsernames) as raised:
        migration.refuse_case_duplicates(apps, SCHEMA_EDITOR)
    message = str(raised.value)
    assert message.startswith("1 username(s) are used by several accounts in different letter")
    assert f"bob (id {first.pk}), BOB (id {second.pk})" in message
    assert "ann" not in message


def test_the_migration_check_passes_without_case_duplicates():
    UserFactory(username="bob")
    UserFactory(username="bobby")
    assert migration.refuse_case_duplicates(apps, SCHEMA_EDITOR) is None


@CONCURRENT_WRITERS[0]
@CONCURRENT_WRITERS[1]
def test_one_username_added_in_several_cases_at_once_makes_one_account():
    # Broke: "Bob", "bob", "BOB", … added in the same instant all passed the form's check;
    # the first INSERT won and the others met the unique index: a 500 page each.
    sessions = role_clients(None, is_superuser=True, is_staff=True)
    spellings = ["bob", "Bob", "BOB", "bOb", "boB", "BOb", "bOB", "BoB"]
    statuses = {}

    def add(start, n):
        data = {"username": spellings[n], "email": f"bob{n}@shop.example"}
        start.wait()
        response = sessions[n].post(reverse("admin:auth_user_add"), {**data, **NAMES})
        statuses[n] = (response.status_code, response.content.decode())

    assert run_at_once(add) == []

    assert sorted(status for status, _ in statuses.values()) == [200] * (THREADS - 1) + [302]
    (created,) = User.objects.filter(username__iexact="bob").values_list("username", flat=True)
    for status, page in statuses.values():
        if status == 200:
            assert f"The username “{created}” is taken" in page
