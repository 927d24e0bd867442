"""Progress of a running job, written to its row while the work goes on, and how a worker
notices that a job was cancelled (docs/architecture.md#background-jobs)."""

import time

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model
from django.utils import timezone

# rows_done is written at most this often, whatever the chunk size.
WRITE_INTERVAL = 0.5


class JobCancelled(Exception):
    """The job left the state it ran in (cancelled): stop, write nothing more."""


class ProgressWriter:
    """A progress callback for the import engine: counts rows, writes rows_done now and then.

    Other requests must see rows_done while the job's own work is uncommitted. Validation
    runs outside any transaction (a dry run writes nothing), so it writes on the job's own
    connection, and a job no longer in `status` (cancelled) stops it. The confirmed import is
    one transaction, so its progress goes through a second connection, on PostgreSQL only:
    SQLite has one writer at a time and the import holds that lock, so there the page shows
    the import running without a row count.
    """

    def __init__(
        self, *, model: type[Model], pk: int, status: str, separate_connection: bool = False
    ) -> None:
        self.model, self.pk, self.status = model, pk, status
        self.rows_done = 0
        self._written_at = time.monotonic()
        self._side = None
        if separate_connection and connection.vendor != "sqlite":
            self._side = connections.create_connection(DEFAULT_DB_ALIAS)
        self.separate_connection = separate_connection

    def __call__(self, rows: int) -> None:
        self.rows_done += rows
        if time.monotonic() - self._written_at >= WRITE_INTERVAL:
            self.write()

    def write(self) -> None:
        self._written_at = time.monotonic()
        now = timezone.now()  # progress_at: the sweeper's sign that the worker lives
        if self._side is not None:
            quote = self._side.ops.quote_name
            opts = self.model._meta
            with self._side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {quote(opts.db_table)} SET {quote('rows_done')} = %s, "
                    f"{quote('progress_at')} = %s "
                    f"WHERE {quote(opts.pk.column)} = %s AND {quote('status')} = %s",
                    [
                        self.rows_done,
                        self._side.ops.adapt_datetimefield_value(now),
                        self.pk,
                        self.status,
                    ],
                )
        elif not self.separate_connection:
            updated = self.model.objects.filter(pk=self.pk, status=self.status).update(
                rows_done=self.rows_done, progress_at=now
            )
            if not updated:
                raise JobCancelled(self.pk)

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None
