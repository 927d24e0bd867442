"""bench/seed_scale.py still matches the models: a small run writes the promised data set."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_small_seed_writes_every_table_with_the_promised_shape(tmp_path):
    database = tmp_path / "seed.sqlite3"
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    environment.pop("DJANGO_SETTINGS_MODULE", None)  # the script's own (production) settings
    arguments = ["--products", "2000", "--alerts", "1500", "--deletions", "40"]
    arguments += ["--articles", "30", "--users", "50"]

    def seed() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "bench/seed_scale.py", *arguments],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )

    finished = seed()
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert "2,000 products" in finished.stdout

    with sqlite3.connect(database) as connection:

        def count(sql: str) -> int:
            return connection.execute(sql).fetchone()[0]

        assert count("SELECT COUNT(*) FROM catalog_product") == 2000
        # The search's trigram name index holds every product (filled in one statement) and
        # its triggers are back: the integrity check fails on a missing or stale entry.
        connection.execute(
            "INSERT INTO catalog_product_name_fts(catalog_product_name_fts, rank)"
            " VALUES ('integrity-check', 1)"
        )
        name_index_triggers = (
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'"
            " AND name LIKE 'catalog_product_name_fts_%'"
        )
        assert count(name_index_triggers) == 3
        low = count("SELECT COUNT(*) FROM catalog_product WHERE stock < low_stock_threshold")
        out = count("SELECT COUNT(*) FROM catalog_product WHERE stock = 0")
        assert 150 <= low <= 250
        assert 20 <= out <= 60
        assert count("SELECT COUNT(*) FROM alerts_stockalert") == 1500
        # Every low product has exactly its one unresolved alert; the rest are resolved.
        unresolved = "status IN ('open', 'acknowledged')"
        assert count(f"SELECT COUNT(*) FROM alerts_stockalert WHERE {unresolved}") == low
        assert (
            count(
                "SELECT COUNT(*) FROM alerts_stockalert a JOIN catalog_product p"
                f" ON p.id = a.product_id WHERE a.{unresolved} AND p.stock >= p.low_stock_threshold"
            )
            == 0
        )
        assert count("SELECT COUNT(DISTINCT status) FROM alerts_stockalert") == 3
        # Handled after being raised and never after the run (julianday: datetime('now')
        # drops the fraction of a second that the stored times keep).
        handled_late = (
            "SELECT COUNT(*) FROM alerts_stockalert"
            " WHERE julianday(resolved_at) > julianday('now')"
            " OR julianday(acknowledged_at) > julianday('now')"
            " OR resolved_at < raised_at OR acknowledged_at < raised_at"
        )
        assert count(handled_late) == 0
        assert count("SELECT COUNT(*) FROM alerts_deletionrecord") == 40
        assert count("SELECT COUNT(*) FROM catalog_article") == 30
        assert count("SELECT COUNT(*) FROM auth_user WHERE username LIKE 'bench-user-%'") == 50
        # The dashboard's kept counts (alerts/migrations/0005) hold the seeded rows.
        kept = "SELECT SUM(value) FROM alerts_dashboardcount WHERE name = "
        assert count(kept + "'alerts_unresolved'") == low
        assert count(kept + "'alerts_raised'") == 1500
        assert count(kept + "'products_out_of_stock'") == out

    again = seed()
    assert again.returncode == 2
    assert "--flush" in again.stdout
    arguments.append("--reuse")  # the same sizes and seed: kept as it is
    reused = seed()
    assert reused.returncode == 0, reused.stderr[-2000:]
    assert "Reused" in reused.stdout
    arguments[arguments.index("--users") + 1] = "60"  # another size: emptied and seeded again
    reseeded = seed()
    assert reseeded.returncode == 0, reseeded.stderr[-2000:]
    assert "Reused" not in reseeded.stdout
    with sqlite3.connect(database) as connection:
        users = "SELECT COUNT(*) FROM auth_user WHERE username LIKE 'bench-user-%'"
        assert connection.execute(users).fetchone()[0] == 60
        assert connection.execute("SELECT COUNT(*) FROM catalog_product").fetchone()[0] == 2000
        # Emptied by flush in no particular order, counted again from zero.
        kept = "SELECT SUM(value) FROM alerts_dashboardcount WHERE name = 'alerts_raised'"
        assert connection.execute(kept).fetchone()[0] == 1500
