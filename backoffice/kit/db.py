"""Database limits and locks shared by the apps' set-wise writes (docs/architecture.md#kit)."""

import time
import zlib

from django.db import connection

# SQLite before 3.32 binds at most 999 parameters per statement (Django's
# connection.features.max_query_params): every IN (...) list of ids or keys is cut to at
# most this many, leaving room for the statement's other parameters.
IDS_PER_QUERY = 900


def integer_pks_in(values) -> list[int]:
    """The values that are integer primary keys, as ints. At most 18 digits: any such number
    fits a bigint; odd ones (letters, signs, longer) are left for Django to refuse."""
    return [
        int(value) for value in values if value.isascii() and value.isdigit() and len(value) <= 18
    ]


def transaction_lock_try(*, name: str, wait_seconds: float, poll_seconds: float = 0.05) -> bool:
    """Take a lock named `name` until the current transaction ends; False if still held
    by another transaction after `wait_seconds`.

    On PostgreSQL a transaction-level advisory lock (pg_try_advisory_xact_lock, polled so
    the wait is bounded without touching lock_timeout); SQLite already runs one writing
    transaction at a time, so there it is always True. Call it inside transaction.atomic().
    """
    if connection.vendor != "postgresql":
        return True
    key = zlib.crc32(name.encode())  # stable across processes, fits PostgreSQL's bigint
    deadline = time.monotonic() + wait_seconds
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [key])
            if cursor.fetchone()[0]:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(poll_seconds)
