"""A changelist paginator that skips COUNT(*) over a large, unfiltered PostgreSQL table."""

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property


class EstimatedCountPaginator(Paginator):
    """Exact counts everywhere except an unfiltered list of a large PostgreSQL table.

    There COUNT(*) reads the whole table on every page view, while the planner's row estimate
    (pg_class.reltuples, kept current by autovacuum and ANALYZE) is free and close enough for
    "about 100,000 products" and the page links. One query either way, so a changelist runs
    the same number of queries at any size: PostgreSQL evaluates the exact-count subquery only
    when the estimate is small or missing (-1 before the first ANALYZE). Filtered or searched
    lists, and other databases, always get the exact count.
    """

    estimate_above = 10_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if isinstance(queryset, QuerySet) and self._is_whole_table(queryset):
            connection = connections[queryset.db]
            if connection.vendor == "postgresql":
                return self._estimated_or_exact_count(connection, queryset.model._meta.db_table)
        return super().count

    @staticmethod
    def _is_whole_table(queryset: QuerySet) -> bool:
        query = queryset.query
        return (
            not query.where
            and not query.distinct
            and query.low_mark == 0
            and query.high_mark is None
            and not query.combinator
        )

    def _estimated_or_exact_count(self, connection, table: str) -> int:
        quoted = connection.ops.quote_name(table)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT CASE WHEN c.reltuples > %s THEN c.reltuples::bigint"
                f" ELSE (SELECT COUNT(*) FROM {quoted}) END"
                " FROM pg_class c WHERE c.oid = %s::regclass",
                [self.estimate_above, quoted],
            )
            return cursor.fetchone()[0]
