"""Fixtures shared by the whole suite: users per role and logged-in clients."""

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import Client

from tests.factories import UserFactory

ROLES = ["Inventory managers", "Editors", "User admins", "Viewers"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: the admin's menus are cached per user and
    permissions (docs/architecture.md#rendering), and users of different tests share ids."""
    for alias in settings.CACHES:
        caches[alias].clear()


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True)


@pytest.fixture
def admin_client_for(db):
    """Return a logged-in test client for a staff user in the given role group (or None)."""

    def make(role: str | None = None, **user_fields) -> Client:
        username = user_fields.pop("username", (role or "staff").lower().replace(" ", "-"))
        user = UserFactory(username=username, groups=[role] if role else [], **user_fields)
        client = Client()
        client.force_login(user)
        client.user = user
        return client

    return make


@pytest.fixture
def superuser_client(superuser):
    client = Client()
    client.force_login(superuser)
    client.user = superuser
    return client
