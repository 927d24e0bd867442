"""Thread tests' runner: work started together in several threads, each on its own connection."""

import threading
import traceback
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client

from tests.factories import UserFactory

THREADS = 8

# The marks of a thread test: committed data every thread's connection sees, and a database
# with real concurrent writers (SQLite serialises them; CI runs the suite on PostgreSQL too).
CONCURRENT_WRITERS = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs concurrent writers; SQLite serialises them (runs on PostgreSQL in CI)",
    ),
]


def run_at_once(work: Callable[[threading.Barrier, int], None]) -> list[str]:
    """Run work(start, n) in THREADS threads that pass start together; return the tracebacks
    of what they raised (an empty list when every thread finished)."""
    start = threading.Barrier(THREADS)
    errors: list[str] = []

    def thread_main(n: int) -> None:
        try:
            work(start, n)
        except BaseException as error:  # any error at all fails the test
            errors.append("".join(traceback.format_exception(error)))
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=thread_main, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def role_clients(role: str | None, **user_fields) -> list[Client]:
    """One logged-in client per thread, each a user of its own in the role group (None: no
    group, e.g. superusers with is_superuser=True)."""
    made = []
    for n in range(THREADS):
        client = Client()
        user = UserFactory(username=f"staff-{n}", groups=[role] if role else [], **user_fields)
        client.force_login(user)
        made.append(client)
    return made
