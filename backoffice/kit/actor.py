"""Who is acting right now: set per request by backoffice.middleware, empty for shell and jobs.

In the kit so every app (catalog's stock ledger, alerts' deletion records) reads the one
contextvar (docs/architecture.md#layers).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.auth.base_user import AbstractBaseUser

_actor: ContextVar[AbstractBaseUser | None] = ContextVar("backoffice_actor", default=None)


def get_actor() -> AbstractBaseUser | None:
    """The authenticated user behind the current request, or None for system work."""
    user = _actor.get()
    # request.user is lazy: it is only resolved here, when a record actually needs it.
    if user is None or not user.is_authenticated:
        return None
    return user


@contextmanager
def acting_as(user: AbstractBaseUser | None) -> Iterator[None]:
    token = _actor.set(user)
    try:
        yield
    finally:
        _actor.reset(token)
