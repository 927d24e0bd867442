"""List filters whose choices are read from an index, one probe per distinct value.

A filter listing the values a column holds ("deleted by", "content type", "author") runs
SELECT DISTINCT over the whole table on every view of the list: at 200k deletion records
~30 ms each on PostgreSQL, growing with the table. The same values come from the column's
index with a recursive query that jumps from one value to the next (a "skip scan"): one
index probe per distinct value, a few dozen at any table size. PostgreSQL and SQLite both
run it (docs/architecture.md#why-the-fast-paths-exist).
"""

from django.contrib import admin
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.db.models.expressions import RawSQL


def distinct_values_sql(
    model: type[Model],
    field_name: str,
    *,
    using: str = DEFAULT_DB_ALIAS,
    among: tuple[str, int] | None = None,
):
    """SQL for the distinct non-NULL values of a column, read by index probes.

    The column needs an index (of its own or leading one) for this to be fast. `among`,
    (another field, how many values): only rows whose other field holds one of that many
    parameters (%s each), e.g. the content types a reader may see; the probes then run per
    value of the other field and need an index on (other field, column).
    """
    quote = connections[using].ops.quote_name
    table = quote(model._meta.db_table)
    column = quote(model._meta.get_field(field_name).column)
    if among is None:
        return (
            "WITH RECURSIVE distinct_values(value) AS ("
            f" SELECT MIN({column}) FROM {table}"
            f" UNION ALL SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > d.value)"
            " FROM distinct_values d WHERE d.value IS NOT NULL"
            ") SELECT value FROM distinct_values WHERE value IS NOT NULL"
        )
    other, count = among
    other_column = quote(model._meta.get_field(other).column)
    kinds = ", ".join(["(%s)"] * count)
    return (
        f"WITH RECURSIVE among_values(kind) AS (VALUES {kinds}),"
        " distinct_values(kind, value) AS ("
        f" SELECT a.kind, (SELECT MIN({column}) FROM {table} WHERE {other_column} = a.kind)"
        " FROM among_values a"
        " UNION ALL SELECT d.kind,"
        f" (SELECT MIN({column}) FROM {table} WHERE {other_column} = d.kind AND {column} > d.value)"
        " FROM distinct_values d WHERE d.value IS NOT NULL"
        ") SELECT DISTINCT value FROM distinct_values WHERE value IS NOT NULL"
    )


def distinct_values(
    model: type[Model],
    field_name: str,
    *,
    using: str = DEFAULT_DB_ALIAS,
    among: tuple[str, list] | None = None,
):
    """The distinct non-NULL values of a column, ascending, in one query; with `among`
    (another field, its values), of the rows whose field holds one of those values only."""
    if among is not None and not among[1]:
        return []
    sql = distinct_values_sql(
        model, field_name, using=using, among=among and (among[0], len(among[1]))
    )
    params = list(among[1]) if among is not None else []
    with connections[using].cursor() as cursor:
        cursor.execute(sql + " ORDER BY value", params)
        return [value for (value,) in cursor.fetchall()]


class IndexedRelatedOnlyFieldListFilter(admin.RelatedOnlyFieldListFilter):
    """RelatedOnlyFieldListFilter reading the related keys from the foreign key's index.

    Django's asks for SELECT DISTINCT <key> over the admin's queryset; this asks the index
    for the distinct keys of the whole table, which is the same set for an admin whose
    get_queryset does not filter. Same choices, same single query. Paths through other
    relations ("author__team") keep Django's query.
    """

    def field_choices(self, field, request, model_admin):
        if (
            "__" in self.field_path
            or field.model is not model_admin.model
            or not field.target_field.primary_key
        ):
            return super().field_choices(field, request, model_admin)
        keys = RawSQL(distinct_values_sql(model_admin.model, field.name), ())
        return field.get_choices(
            include_blank=False,
            limit_choices_to={"pk__in": keys},
            ordering=self.field_admin_ordering(field, request, model_admin),
        )
