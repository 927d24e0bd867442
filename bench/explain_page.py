"""Each query of one admin page with its time, and the plan of the slow ones (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bo_perf_large .venv/bin/python \\
        bench/explain_page.py /admin/ --min-ms 0.5

Renders the page as the bench superuser through Django's test client (production settings),
once to warm up and once captured, then prints every query with its duration and, for each
one that took at least --min-ms, EXPLAIN (ANALYZE, BUFFERS) of it (EXPLAIN QUERY PLAN on
SQLite). Where the time of a page's database side goes, query by query.
"""

import argparse
import time

from _django import collect_static, setup, two_factor_login


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="URL path, e.g. /admin/ or /admin/catalog/product/?q=TEA")
    parser.add_argument("--min-ms", type=float, default=0.5, help="explain queries this slow")
    arguments = parser.parse_args()

    collect_static()
    setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    user, _ = get_user_model().objects.get_or_create(
        username="bench-superuser", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    two_factor_login(client, user)
    client.get(arguments.path, secure=True)
    queries = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append((time.perf_counter() - started, sql, params))

    with connection.execute_wrapper(timed):
        response = client.get(arguments.path, secure=True)
    if response.status_code != 200:
        raise SystemExit(f"{arguments.path} answered {response.status_code}")
    total = sum(seconds for seconds, *_ in queries)
    print(f"{arguments.path}: {len(queries)} queries, {total * 1000:.2f} ms in the database")
    for number, (seconds, sql, params) in enumerate(queries, 1):
        print(f"\n#{number} {seconds * 1000:.2f} ms: {sql[:600]}{' …' if len(sql) > 600 else ''}")
        if seconds * 1000 < arguments.min_ms or not sql.lstrip().upper().startswith(
            ("SELECT", "WITH")
        ):
            continue
        explain = (
            "EXPLAIN (ANALYZE, BUFFERS) "
            if connection.vendor == "postgresql"
            else "EXPLAIN QUERY PLAN "
        )
        with connection.cursor() as cursor:
            cursor.execute(explain + sql, params)
            for row in cursor.fetchall():
                print("    " + " | ".join(str(column) for column in row))


if __name__ == "__main__":
    main()
