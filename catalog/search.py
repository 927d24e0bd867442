"""The admin's product search: SKU prefix or name contains, in a form the indexes can serve.

Every term of the query must match, as in Django's admin: its SKU starts with the term or
its name contains it, case-insensitively. Django's own lookups stay the condition that
decides; each term only adds a condition that every match fulfils anyway, so that the
database reads the matches from an index instead of walking the SKU order until a page
is full (matches at the end of that order cost a walk through the whole table).
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import BooleanField, Case, CharField, Q, QuerySet, Subquery, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Least
from django.utils.text import smart_split, unescape_string_literal

from backoffice.kit.db import IDS_PER_QUERY

# catalog/migrations/0006: SQLite's trigram index of product names, kept in step by triggers.
NAME_TRIGRAM_TABLE = "catalog_product_name_fts"
# The trigram index finds no string shorter than one trigram.
TRIGRAM_LENGTH = 3
# Databases whose default collation orders text by code point (PostgreSQL's datcollate).
CODE_POINT_COLLATIONS = ("C", "POSIX", "C.UTF-8", "C.utf8")


def product_search_terms(search_term: str) -> list[str]:
    """The terms of a search, split and unquoted exactly as Django's admin does it."""
    terms = []
    for bit in smart_split(search_term):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
            bit = unescape_string_literal(bit)
        terms.append(bit)
    return terms


def products_search(*, queryset: QuerySet, search_term: str) -> QuerySet:
    """Products of `queryset` matching every term: SKU prefix or name contains."""
    vendor = connections[queryset.db].vendor
    for term in product_search_terms(search_term):
        matches = Q(sku__istartswith=term) | Q(name__icontains=term)
        if vendor == "sqlite":
            matches &= _sqlite_candidates(term)
        elif vendor == "postgresql":
            matches &= _postgresql_first_sku(queryset, term)
        queryset = queryset.filter(matches)
    return queryset


def _sqlite_candidates(term: str) -> Q:
    """SKU prefix (a range of the NOCASE index) or pk among the name's trigram hits.

    Both sides come from an index, so SQLite unites the rowids and sorts those few rows
    instead of walking the SKU index through the table. LIKE folds ASCII case only and
    FTS5's trigram tokenizer folds Unicode case: its hits are a superset, which Django's
    lookups then narrow. Shorter terms have no trigram and keep Django's plan.
    """
    if len(term) < TRIGRAM_LENGTH:
        return Q()
    name_hits = RawSQL(
        f"SELECT rowid FROM {NAME_TRIGRAM_TABLE} WHERE {NAME_TRIGRAM_TABLE} MATCH %s",
        ('"{}"'.format(term.replace('"', '""')),),
    )
    return Q(sku__istartswith=term) | Q(pk__in=name_hits)


def _postgresql_first_sku(queryset: QuerySet, term: str) -> Q:
    """sku >= the lowest SKU a match can have, so the page is read from there in order.

    SKUs starting with any case variant of an ASCII term sort at or after the term in
    upper case when text sorts by code point (UPPER maps one character to one, and
    non-ASCII characters sort after ASCII); the first name match comes from the trigram
    index when it is rare, from the SKU order when it is frequent. Other collations, or
    a non-ASCII term, get no bound. The count still uses the two indexes of 0005.
    """
    if not term.isascii():
        return Q()
    first_name_match = (
        queryset.model._base_manager.filter(name__icontains=term).order_by("sku").values("sku")[:1]
    )
    code_point_order = RawSQL(
        "SELECT datcollate = ANY(%s) FROM pg_database WHERE datname = current_database()",
        (list(CODE_POINT_COLLATIONS),),
        output_field=BooleanField(),
    )
    text = CharField()
    lowest = Case(
        When(
            code_point_order,
            then=Least(Value(term.upper()), Subquery(first_name_match), output_field=text),
        ),
        default=Value(""),
        output_field=text,
    )
    return Q(sku__gte=lowest)


# --- SQLite's name index under bulk writes ----------------------------------------------

# The triggers of catalog/migrations/0006 that index inserted and renamed products.
NAME_INDEX_WRITE_TRIGGERS = ("catalog_product_name_fts_insert", "catalog_product_name_fts_update")


class NameIndexBulkWrites:
    """What a bulk writer tells the name index: rows it inserted, names it changed.

    Kept only where an index needs it (SQLite's): elsewhere nothing is collected, so an
    import of a million rows holds no list of a million ids for nobody.
    """

    def __init__(self, *, collecting: bool = True) -> None:
        self.collecting = collecting
        self.inserted_ids: list[int] = []
        self.old_names: dict[int, str] = {}

    def inserted(self, ids: Iterable[int]) -> None:
        if self.collecting:
            self.inserted_ids.extend(ids)

    def renamed(self, pk: int, old_name: str) -> None:
        if self.collecting:
            self.old_names.setdefault(pk, old_name)  # the name the index holds


@contextmanager
def product_name_index_bulk_writes(
    *, using: str = DEFAULT_DB_ALIAS
) -> Iterator[NameIndexBulkWrites]:
    """Products written in bulk, indexed by name in set-wise statements instead of triggers.

    With a row trigger on the table SQLite keeps a statement journal for every INSERT, and
    FTS5 indexes one row per statement: at 100k imported products that took the import from
    ~5 to ~18 s. Inside this block, within the caller's transaction, the insert and update
    triggers are dropped; the caller reports each row it inserted or renamed; on leaving the
    block those rows are indexed with one INSERT ... SELECT and the triggers are created
    again from their own stored SQL. SQLite's DDL is transactional and the transaction holds
    the write lock, so no other connection ever writes without them. After an error inside
    the block the triggers are restored but the rows written in it are not indexed: the
    transaction must roll back (the import's atomic() does). Other databases: a no-op.
    """
    connection = connections[using]
    if connection.vendor != "sqlite":
        yield NameIndexBulkWrites(collecting=False)
        return
    writes = NameIndexBulkWrites()
    if not connection.in_atomic_block:
        raise RuntimeError("product_name_index_bulk_writes() needs a transaction (atomic()).")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
            f" AND name IN ({', '.join(['%s'] * len(NAME_INDEX_WRITE_TRIGGERS))})",
            NAME_INDEX_WRITE_TRIGGERS,
        )
        triggers = cursor.fetchall()
        for name, _sql in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
        try:
            yield writes
        except BaseException:
            with suppress(DatabaseError):  # the original error is the one to report
                for _name, sql in triggers:
                    cursor.execute(sql)
            raise
        if writes.old_names:
            cursor.executemany(
                f"INSERT INTO {NAME_TRIGRAM_TABLE}({NAME_TRIGRAM_TABLE}, rowid, name)"
                " VALUES ('delete', %s, %s)",
                list(writes.old_names.items()),
            )
        changed = [*writes.inserted_ids, *writes.old_names]
        for start in range(0, len(changed), IDS_PER_QUERY):
            ids = changed[start : start + IDS_PER_QUERY]
            cursor.execute(
                f"INSERT INTO {NAME_TRIGRAM_TABLE}(rowid, name) SELECT id, name"
                f" FROM catalog_product WHERE id IN ({', '.join(['%s'] * len(ids))})",
                ids,
            )
        for _name, sql in triggers:
            cursor.execute(sql)
