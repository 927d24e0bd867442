"""Render time and query count of the admin pages, demo data against the large data set.

    .venv/bin/python bench/pages_bench.py \\
        --demo-url sqlite:////tmp/bench_demo.sqlite3 --large-url sqlite:////tmp/bench_large.sqlite3

One worker process per database (Django's test Client, a force-logged-in superuser,
production settings) renders each page; the two workers take turns in short rounds so that
other load on the machine hits both sides alike. The demo database is rebuilt from the demo
fixture on every run (migrate, flush, setup_demo); the large one must be seeded beforehand
with bench/seed_scale.py. Prints median and p95 render time and the query count per page and
the ratio large/demo, checked against the targets (same queries; median within 2x, the
dashboard within 1.5x).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _django import calibration, collect_static, setup

BENCH_USERNAME = "bench-superuser"
SEARCH_TERM = "TEA-00"
DEMO_SIZE_LIMIT = 1000
SAMPLES = ("seconds", "queries", "sql_seconds")
# (label, URL name, query string or None, target ratio of medians large/demo)
PAGES = [
    ("dashboard", "admin:index", None, 1.5),
    ("product list", "admin:catalog_product_changelist", None, 2.0),
    ("products: low stock", "admin:catalog_product_changelist", "stock_state=low", 2.0),
    ("products: sku search", "admin:catalog_product_changelist", f"q={SEARCH_TERM}", 2.0),
    ("products: by stock", "admin:catalog_product_changelist", "o={stock_column}", 2.0),
    ("stock alert list", "admin:alerts_stockalert_changelist", None, 2.0),
    ("deletion record list", "admin:alerts_deletionrecord_changelist", None, 2.0),
    ("product change form", "admin:catalog_product_change", None, 2.0),
    ("article list", "admin:catalog_article_changelist", None, 2.0),
]


# --- worker: one process per database ------------------------------------------------------


class PageWorker:
    """Renders pages on the database of DATABASE_URL; answers commands on stdin."""

    def __init__(self, *, rebuild_demo: bool) -> None:
        # stdout carries the answers; whatever Django or a command prints goes to stderr.
        self.answers, sys.stdout = sys.stdout, sys.stderr
        setup()
        from django.core.management import call_command
        from django.test import Client

        from catalog.models import Product

        call_command("migrate", verbosity=0, interactive=False)
        if rebuild_demo:
            if Product.objects.count() > DEMO_SIZE_LIMIT:
                raise SystemExit("--demo-url holds more than demo data; refusing to flush it.")
            call_command("flush", verbosity=0, interactive=False)
            call_command("setup_demo", verbosity=0)
        if not Product.objects.exists():
            raise SystemExit("No products: seed this database with bench/seed_scale.py first.")
        self.client = Client()
        self.client.force_login(self._superuser())
        self.urls = self._urls()

    def _superuser(self):
        from django.contrib.auth import get_user_model

        user, _ = get_user_model().objects.get_or_create(
            username=BENCH_USERNAME, defaults={"is_staff": True, "is_superuser": True}
        )
        return user

    def _urls(self) -> dict[str, str | None]:
        from django.contrib import admin
        from django.test import RequestFactory
        from django.urls import NoReverseMatch, reverse

        from catalog.models import Product

        request = RequestFactory().get("/")
        request.user = self._superuser()
        product_admin = admin.site.get_model_admin(Product)
        columns = list(product_admin.get_list_display(request))
        if product_admin.get_actions(request):
            columns.insert(0, "action_checkbox")
        # The product in the middle of the SKU order: a typical row, not the first one.
        product_count = Product.objects.count()
        product_pk = Product.objects.order_by("sku").values_list("pk", flat=True)[
            product_count // 2
        ]
        urls: dict[str, str | None] = {}
        for label, name, query, _target in PAGES:
            try:
                url = reverse(name, args=[product_pk] if name.endswith("_change") else [])
            except NoReverseMatch:
                urls[label] = None  # that app or admin is not installed in this checkout
                continue
            if query:
                url += "?" + query.format(stock_column=columns.index("stock"))
            urls[label] = url
        return urls

    def measure(self, label: str, runs: int) -> dict:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        url = self.urls[label]
        if url is None:
            return {"label": label, "skipped": True}
        seconds, queries, sql_seconds = [], [], []
        for _ in range(runs):
            sql_time = [0.0]

            def timed(execute, sql, params, many, context, sql_time=sql_time):
                # Django's captured "time" is rounded to milliseconds; this is not.
                started = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    sql_time[0] += time.perf_counter() - started

            with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timed):
                started = time.perf_counter()
                response = self.client.get(url, secure=True)
                if hasattr(response, "render") and not response.is_rendered:
                    response.render()
                elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise SystemExit(f"{label}: {url} answered {response.status_code}")
            seconds.append(elapsed)
            queries.append(len(captured))
            sql_seconds.append(sql_time[0])
        # Rows on a changelist page (one selection checkbox each): render time grows with them.
        rows = response.content.count(b'name="_selected_action"')
        return {
            "label": label,
            "url": url,
            "seconds": seconds,
            "queries": queries,
            "sql_seconds": sql_seconds,
            "rows": rows,
        }

    def serve(self) -> None:
        self.answer({"ready": connection_vendor()})
        for line in sys.stdin:
            command = json.loads(line)
            self.answer(self.measure(command["label"], command["runs"]))

    def answer(self, message: dict) -> None:
        self.answers.write(json.dumps(message) + "\n")
        self.answers.flush()


def connection_vendor() -> str:
    from django.db import connection

    return connection.vendor


# --- driver ------------------------------------------------------------------------------


def start_worker(database_url: str, *, rebuild_demo: bool) -> subprocess.Popen:
    arguments = [sys.executable, __file__, "--worker"]
    if rebuild_demo:
        arguments.append("--rebuild-demo")
    worker = subprocess.Popen(
        arguments,
        env={**os.environ, "DATABASE_URL": database_url},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    ready = worker.stdout.readline()
    if not ready:
        raise SystemExit(f"the worker for {database_url} failed to start")
    return worker


def ask(worker: subprocess.Popen, label: str, runs: int) -> dict:
    worker.stdin.write(json.dumps({"label": label, "runs": runs}) + "\n")
    worker.stdin.flush()
    answer = worker.stdout.readline()
    if not answer:
        raise SystemExit(f"the worker stopped while measuring {label}")
    return json.loads(answer)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo-url", default="sqlite:////tmp/bench_demo.sqlite3")
    parser.add_argument("--large-url", default="sqlite:////tmp/bench_large.sqlite3")
    parser.add_argument("--rounds", type=int, default=6, help="turns per page and database")
    parser.add_argument("--runs", type=int, default=5, help="requests per turn")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--rebuild-demo", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        PageWorker(rebuild_demo=args.rebuild_demo).serve()
        return 0

    collect_static()
    load_before = os.getloadavg()[0]
    workers = {
        "demo": start_worker(args.demo_url, rebuild_demo=True),
        "large": start_worker(args.large_url, rebuild_demo=False),
    }
    results: dict[str, dict[str, dict]] = {"demo": {}, "large": {}}
    try:
        for label, *_ in PAGES:
            for worker in workers.values():
                ask(worker, label, 2)  # warm-up: caches, connections, template loading
            for _ in range(args.rounds):
                for side, worker in workers.items():
                    answer = ask(worker, label, args.runs)
                    kept = results[side].setdefault(label, {**answer, **dict.fromkeys(SAMPLES, ())})
                    for key in SAMPLES:
                        kept[key] = [*kept[key], *answer.get(key, [])]
    finally:
        for worker in workers.values():
            worker.stdin.close()
            worker.wait(timeout=30)

    failures = report(results, database=args.large_url.split(":", 1)[0])
    # Other processes on the machine slow both sides alike (alternating turns), but they
    # widen the spread: the 1-minute load average tells how quiet the machine was.
    print(f"(load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end)")
    print(f"({calibration()} at the end)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1))
    return 1 if failures else 0


def report(results: dict, *, database: str) -> int:
    header = (
        f"{'page':<22} {'demo med':>9} {'demo p95':>9} {'large med':>10} {'large p95':>10}"
        f" {'ratio':>6} {'queries d/l':>12} {'rows d/l':>9} {'sql ms d/l':>11}  target"
    )
    print(f"\nAdmin pages on {database}: milliseconds per request, ratio of medians large/demo")
    print("(rows: rows on the page; sql ms: median time inside the database per request)")
    print(header)
    print("-" * len(header))
    failures = 0
    for label, _name, _query, target in PAGES:
        demo, large = results["demo"][label], results["large"][label]
        if demo.get("skipped") or large.get("skipped"):
            print(f"{label:<22} {'not installed in this checkout':>50}")
            continue
        demo_median = statistics.median(demo["seconds"]) * 1000
        large_median = statistics.median(large["seconds"]) * 1000
        ratio = large_median / demo_median
        demo_queries, large_queries = set(demo["queries"]), set(large["queries"])
        same_queries = demo_queries == large_queries and len(demo_queries) == 1
        met = same_queries and ratio <= target
        failures += not met
        queries = "/".join(",".join(map(str, sorted(q))) for q in (demo_queries, large_queries))
        rows = f"{demo['rows']}/{large['rows']}" if large["rows"] else "-"
        sql = "/".join(
            f"{statistics.median(side['sql_seconds']) * 1000:.1f}" for side in (demo, large)
        )
        verdict = f"{'ok' if met else 'MISSED'} (<= {target}x, same queries)"
        print(
            f"{label:<22} {demo_median:9.1f} {p95(demo['seconds']) * 1000:9.1f}"
            f" {large_median:10.1f} {p95(large['seconds']) * 1000:10.1f} {ratio:6.2f}"
            f" {queries:>12} {rows:>9} {sql:>11}  {verdict}"
        )
    samples = len(next(iter(results["demo"].values())).get("seconds", []))
    print(f"({samples} requests per page and database, taken in alternating turns)")
    return failures


if __name__ == "__main__":
    sys.exit(main())
