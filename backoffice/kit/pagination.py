"""Changelist counts that stay cheap on large tables.

Two shortcuts, each where an exact COUNT(*) costs the most and tells staff the least:
- an unfiltered list of a large PostgreSQL table takes its total from the planner's row
  estimate ("about 100,000 products");
- a search or a filter counts its rows up to a limit ("More than 1000 products"): an exact
  count reads every matching row (a filter matching 80k of 1M products: ~8 ms on
  PostgreSQL, growing with the table), and past a thousand rows the exact number is not
  what anyone filtered for. Below the limit counts are exact.
"""

from django.contrib.admin.views.main import PAGE_VAR
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property


class EstimatedCountPaginator(Paginator):
    """Exact counts, except an unfiltered large PostgreSQL table and a filtered or searched
    list past its limit.

    Whole table on PostgreSQL: COUNT(*) reads the whole table on every page view, while the
    planner's row estimate (pg_class.reltuples, kept current by autovacuum and ANALYZE) is
    free and close enough for the total and the page links. One query either way, so a
    changelist runs the same number of queries at any size: PostgreSQL evaluates the
    exact-count subquery only when the estimate is small or missing (-1 before the first
    ANALYZE).

    count_limit (given by LargeTableCountsMixin): a filtered or searched list counts at most
    count_limit + 1 rows. When there are more, `count_is_capped` is true, `count` is
    count_limit + 1 (the page links reach one page past the limit, never further than the
    rows counted) and the elided page range ends with an ellipsis instead of last pages that
    are not the last. `count_is_estimated` says the count is the planner's estimate.
    """

    estimate_above = 10_000

    def __init__(self, *args, count_limit: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.count_limit = count_limit
        self.count_is_capped = False
        self.count_is_estimated = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if isinstance(queryset, QuerySet):
            if self._is_whole_table(queryset):
                connection = connections[queryset.db]
                if connection.vendor == "postgresql":
                    return self._estimated_or_exact_count(connection, queryset.model._meta.db_table)
            elif self.count_limit is not None:
                # SELECT COUNT(*) FROM (SELECT ... LIMIT n): the database stops at n matches.
                # Unordered, or it would sort every match first.
                counted = queryset.order_by()[: self.count_limit + 1].count()
                self.count_is_capped = counted > self.count_limit
                return counted
        return super().count

    def get_elided_page_range(self, number=1, *, on_each_side=3, on_ends=2):
        """Django's elided range; when capped, no last pages (they are not known)."""
        if not self.count_is_capped:
            yield from super().get_elided_page_range(
                number, on_each_side=on_each_side, on_ends=on_ends
            )
            return
        number = self.validate_number(number)
        if number > (1 + on_each_side + on_ends) + 1:
            yield from range(1, on_ends + 1)
            yield self.ELLIPSIS
            yield from range(number - on_each_side, number + 1)
        else:
            yield from range(1, number + 1)
        # Not up to num_pages: jazzmin ends the links with its next arrow at that page.
        yield from range(number + 1, min(number + on_each_side, self.num_pages - 1) + 1)
        yield self.ELLIPSIS

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
                f" ELSE (SELECT COUNT(*) FROM {quoted}) END, c.reltuples > %s"
                " FROM pg_class c WHERE c.oid = %s::regclass",
                [self.estimate_above, self.estimate_above, quoted],
            )
            count, self.count_is_estimated = cursor.fetchone()
            return count


MAX_COUNT_LIMIT = 2**62


class LargeTableCountsMixin:
    """ModelAdmin mixin for a changelist over a table that grows large.

    Uses EstimatedCountPaginator, never counts the unfiltered table a second time
    (show_full_result_count), and counts the rows of a search or filter up to
    `search_count_limit` rows past the start of the page asked for: deep pages stay
    reachable, and counting costs no more than the database's walk to that page's OFFSET.
    """

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    search_count_limit = 1_000

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        # The paginator applies the limit to a filtered or searched list only; the whole
        # table is estimated (PostgreSQL) or counted.
        try:  # as ChangeList reads the page number
            page_number = max(int(request.GET.get(PAGE_VAR, 1)), 1)
        except ValueError:
            page_number = 1
        # Never below a page or the "Show all" size: a capped count must still make the
        # list paginate (a count within one page would show every match unpaginated).
        limit = max(self.search_count_limit, per_page, self.list_max_show_all)
        # A page number from the URL may be anything (?p=10**30): no database takes a LIMIT
        # past a signed 64-bit integer, and no table here holds 2**62 rows.
        count_limit = min((page_number - 1) * per_page + limit, MAX_COUNT_LIMIT)
        return self.paginator(
            queryset, per_page, orphans, allow_empty_first_page, count_limit=count_limit
        )
