"""Product and article importers: the columns of each file and how rows are written.

The generic loop (read, validate, compare, write) is backoffice.kit.importing.engine's;
products add the search index and the set-wise stock-alert notice, articles resolve
authors and stamp publishing (docs/architecture.md#the-import-engine).
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth.models import User
from django.core.validators import validate_slug
from django.db import connection
from django.db.models import Model, Q, QuerySet

from backoffice.kit.importing.engine import Column, Importer, ParsedRow
from backoffice.kit.importing.parsing import (
    django_validated,
    parse_boolean,
    parse_choice,
    parse_datetime,
    parse_price,
    parse_text,
    parse_whole_number,
)
from backoffice.kit.importing.report import ImportReport, RowError

from . import ledger, search, services
from .models import Article, Product, StockMovement, validate_sku_visible

# Products whose alerts are synced per call: fewer, larger set-wise syncs.
ALERT_SYNC_BATCH = 5000


class ProductImporter(Importer):
    model = Product
    key = "sku"
    _changed_ids: list[int]
    columns = (
        Column(
            "sku",
            django_validated(validate_sku_visible, 64),
            required=True,
            aliases=("article number", "item number", "product code", "art. no."),
        ),
        Column("name", parse_text(200), required=True, aliases=("product name", "article name")),
        Column("price", parse_price, required=True, aliases=("unit price", "price each")),
        Column("stock", parse_whole_number, required=True, aliases=("qty", "quantity", "on hand")),
        Column("low_stock_threshold", parse_whole_number, aliases=("reorder level", "min stock")),
        Column("is_active", parse_boolean, aliases=("enabled",)),
        Column("description", parse_text(required=False), empty_means_unset=False),
    )

    def __init__(self, *, user: User | None = None) -> None:
        super().__init__(user=user)
        self._changed_ids = []
        self._stock_changes: list[tuple[int, str, int, int]] = []
        self._locking = False
        self._name_index = search.NameIndexBulkWrites(collecting=False)  # until writing()

    def match_key(self, key: str) -> str:
        # SKUs are unique regardless of case (docs/architecture.md#skus): acc-001 updates
        # ACC-001, and keeps its stored spelling.
        return key.upper()

    def lock_stored(self, key_chunks: Iterator[list[str]]) -> None:
        # Every stored product the file names, locked in pk order before the first write
        # (the chunks below come in the file's order): the one order of every path that
        # locks several products (docs/architecture.md#the-stock-lock).
        if not connection.features.has_select_for_update:
            return  # SQLite: no row locks, its writers are serialised
        ids: list[int] = []
        for keys in key_chunks:
            ids += self._stored(Product.objects.order_by().values_list("pk", flat=True), keys)
        services.products_lock(product_ids=ids)

    def _stored(self, products: QuerySet, keys: list[str]) -> list:
        # Through the index of the case-insensitive unique constraint (an OR with the exact
        # keys made PostgreSQL scan the whole table for every chunk: quadratic imports).
        # Non-ASCII keys are looked up exactly too: SQLite's UPPER folds ASCII letters only.
        found = list(products.skus_matching(keys))
        non_ascii = [key for key in keys if not key.isascii()]
        if non_ascii:
            found += products.filter(sku__in=non_ascii)
        return found

    def existing(self, keys: list[str]) -> Iterable[Model]:
        # Written for real: the rows are read under the stock lock (taken by lock_stored
        # already; taken again here, free, for a row renamed into the file meanwhile), so
        # the stock they hold is the committed one the ledger's movements start from, and
        # nobody changes it before the import commits (docs/architecture.md#the-stock-ledger).
        # The preview locks nothing.
        products = Product.objects.only(*self.load_fields())
        products = products.select_for_stock_change() if self._locking else products.order_by()
        return self._stored(products, keys)

    @contextmanager
    def writing(self, *, dry_run: bool) -> Iterator[None]:
        # SQLite's name index is brought up to date once, after the last write, instead of
        # by a trigger per row (catalog.search.product_name_index_bulk_writes).
        if dry_run:
            yield
            return
        self._locking = True
        try:
            with search.product_name_index_bulk_writes() as self._name_index:
                yield
        finally:
            self._locking = False

    def apply(self, instance: Model, changes: dict[str, tuple[Any, Any]]) -> None:
        if "name" in changes:
            self._name_index.renamed(instance.pk, changes["name"][0])
        if "stock" in changes:
            before, after = changes["stock"]
            self._stock_changes.append((instance.pk, instance.sku, before, after))
        super().apply(instance, changes)

    def write(self, created: list[Any], updated: list[Model], fields: set[str]) -> None:
        super().write(created, updated, fields)
        if created:  # inserted without RETURNING: one indexed lookup for the new ids
            new_ids = list(
                Product.objects.filter(sku__in=[row["sku"] for row in created]).values_list(
                    "pk", flat=True
                )
            )
            self._name_index.inserted(new_ids)
            self._changed_ids.extend(new_ids)
            ledger.stock_movements_created(product_ids=new_ids, **self._ledger_entry())
        self._changed_ids.extend(product.pk for product in updated)
        # One movement per row whose stock changed, in the import's transaction.
        changes, self._stock_changes = self._stock_changes, []
        ledger.stock_movements_record(changes=changes, **self._ledger_entry())
        if len(self._changed_ids) >= ALERT_SYNC_BATCH:
            self.finish()

    def _ledger_entry(self) -> dict:
        # "supplier-2026-11.csv (import job 12)": the file, and the job that has its report.
        note = f"{self.source_name} ({self.reference})" if self.reference else self.source_name
        return {"reason": StockMovement.Reason.IMPORT, "note": note, "actor": self.user}

    def finish(self) -> None:
        # Bulk writes send no post_save: the alert rules run set-wise, in the same
        # transaction, a few thousand products at a time.
        ids, self._changed_ids = self._changed_ids, []
        services.products_changed_in_bulk(product_ids=ids)


class ArticleImporter(Importer):
    model = Article
    key = "slug"
    columns = (
        Column("slug", django_validated(validate_slug, 200), required=True),
        Column("title", parse_text(200), required=True, aliases=("headline",)),
        Column("body", parse_text(required=False), empty_means_unset=False, aliases=("text",)),
        Column("status", parse_choice(Article.Status.values)),
        Column("author", parse_text(150), aliases=("writer",)),
        Column("published_at", parse_datetime, aliases=("publication date",)),
    )

    def __init__(self, *, user: User | None = None) -> None:
        super().__init__(user=user)
        self._usernames: dict[int, str] = {}  # author ids -> usernames, for the preview

    def shown(self, name: str, value: Any) -> tuple[str, str]:
        if name == "author_id":
            return "author", "—" if value is None else self._usernames.get(value, f"#{value}")
        return super().shown(name, value)

    def prepare(self, rows: list[ParsedRow], report: ImportReport) -> list[ParsedRow]:
        usernames = {row.values["author"] for row in rows if "author" in row.values}
        # The stored authors too: an update's preview shows "author: jane → mark".
        stored = {row.instance.author_id for row in rows if row.instance is not None} - {None}
        found = User.objects.filter(Q(username__in=usernames) | Q(pk__in=stored))
        self._usernames.update(found.values_list("pk", "username"))
        authors = {username: pk for pk, username in self._usernames.items()}
        valid = []
        for row in rows:
            username = row.values.pop("author", None)
            if username is not None:
                if username not in authors:
                    report.add_error(
                        RowError(row.number, "author", username, "No user has this username.")
                    )
                    continue
                row.values["author_id"] = authors[username]
            # Publishing stamps published_at once, as in the admin (article_stamp_published).
            probe = Article(
                status=row.values.get("status", getattr(row.instance, "status", "draft")),
                published_at=row.values.get(
                    "published_at", getattr(row.instance, "published_at", None)
                ),
            )
            services.article_stamp_published(article=probe)
            if probe.published_at is not None:
                row.values.setdefault("published_at", probe.published_at)
            valid.append(row)
        return valid
