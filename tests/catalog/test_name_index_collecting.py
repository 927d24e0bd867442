"""What bulk writers tell the name index is kept only where an index needs it (SQLite)."""

import pytest
from django.db import connection, transaction

from catalog import search

pytestmark = pytest.mark.django_db


def test_only_sqlite_collects_what_bulk_writes_tell_the_name_index():
    # These rows do not exist: the block is left by an error, so nothing is indexed and
    # the transaction rolls back.
    with (
        pytest.raises(RuntimeError),
        transaction.atomic(),
        search.product_name_index_bulk_writes() as writes,
    ):
        writes.inserted([1, 2])
        writes.renamed(3, "Old name")
        collected = (writes.inserted_ids, writes.old_names)
        raise RuntimeError("roll back")
    if connection.vendor == "sqlite":
        assert collected == ([1, 2], {3: "Old name"})
    else:  # no index needs them: a large import holds no list of every id
        assert collected == ([], {})
