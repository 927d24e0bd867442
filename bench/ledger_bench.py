"""The stock ledger's pages at a small and a large ledger: same rows and queries, time within 1.3x.

    .venv/bin/python bench/ledger_bench.py \\
        --small-url postgres://postgres@127.0.0.1:5432/bo_ledger_small \\
        --large-url postgres://postgres@127.0.0.1:5432/bo_ledger_large --sizes 10000,10000000

Each database is seeded once (a marker table records the size; --reseed forces it): migrate,
empty the catalog, then with COPY (the tables' secondary indexes dropped before and built
after, as bench/seed_scale.py does) `size / per_product` products and `size` movements,
`--per-product` (100) for every product, spread over the last 30 days (a product's
movements every `products`-th one, so they interleave with everyone else's), a quarter of
them by the bench user, reasons in turn; then VACUUM ANALYZE. Both sizes thus give the
measured product the same history: every page below shows the same rows at both sizes
(printed), and only the size of the tables differs.

One worker process per database (Django's test client, production settings, the bench
superuser through both login steps) renders the Stock movements list (unfiltered, by
product, by reason, by user, last 7 days, a SKU search) and one product's change page with
its Stock history; the workers take turns in rounds so that the machine's other load hits
both sides alike. Printed side by side per page: rows shown, median, p95, database time
(the sum of the page's query durations) and queries at each size, the ratio of the medians
large/small and the verdict (median <= 1.3x, same queries, same rows).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _django import ROOT, bench_environment, calibration, collect_static, two_factor_login
from ledger_seed import USERNAME, marker, seed

PAGES = [
    ("movements", ""),
    ("movements by product", "?product={product}"),
    ("movements by reason", "?reason__exact=list_edit"),
    ("movements by user", "?actor__id__exact={user}"),
    ("movements last 7 days", "?created_at__gte={week_ago}"),
    ("movements SKU search", "?q=LEDGER-{product:06d}"),
    ("product page", "PRODUCT"),
]


class Worker:
    """Renders the pages on the database of DATABASE_URL; answers commands on stdin."""

    def __init__(self) -> None:
        from datetime import timedelta
        from urllib.parse import quote

        from django.contrib.auth.models import User
        from django.test import Client
        from django.urls import reverse
        from django.utils import timezone

        from catalog.models import Product

        user = User.objects.get(username=USERNAME)
        self.client = Client()
        two_factor_login(self.client, user)
        product = Product.objects.count() // 2
        # As DateFieldListFilter writes it: an aware midnight, URL-quoted.
        midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        week_ago = quote(str(midnight - timedelta(days=7)))
        listing = reverse("admin:catalog_stockmovement_changelist")
        self.urls = {
            label: reverse("admin:catalog_product_change", args=[product])
            if query == "PRODUCT"
            else listing + query.format(product=product, user=user.pk, week_ago=week_ago)
            for label, query in PAGES
        }

    def measure(self, label: str, runs: int) -> dict:
        from django.db import connection

        seconds, db_seconds, queries = [], [], []
        for _ in range(runs):
            durations: list[float] = []

            def timed(execute, sql, params, many, context, durations=durations):
                started = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    durations.append(time.perf_counter() - started)

            with connection.execute_wrapper(timed):
                started = time.perf_counter()
                response = self.client.get(self.urls[label], secure=True)
                seconds.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise SystemExit(f"{label}: {self.urls[label]} answered {response.status_code}")
            db_seconds.append(sum(durations))
            queries.append(len(durations))
        html = response.content.decode()
        rows = html.count("<tr><td>") if label == "product page" else html.count("field-created_at")
        return {"seconds": seconds, "db": db_seconds, "queries": queries, "rows": rows}


def worker_main() -> None:
    answers, sys.stdout = sys.stdout, sys.stderr  # stdout carries the answers only
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    import django

    django.setup()
    command = json.loads(sys.stdin.readline())
    if command["reseed"] or marker() != command["seed"]:
        movements, per_product = map(int, command["seed"].split("/"))
        started = time.perf_counter()
        seed(movements=movements, per_product=per_product)
        print(f"seeded {command['seed']} in {time.perf_counter() - started:.0f} s")
    worker = Worker()
    answers.write(json.dumps({"ready": True}) + "\n")
    answers.flush()
    for line in sys.stdin:
        request = json.loads(line)
        answers.write(json.dumps(worker.measure(request["label"], request["runs"])) + "\n")
        answers.flush()


def start(url: str, size: int, args: argparse.Namespace) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, __file__, "--worker"],
        env={**bench_environment(), "DATABASE_URL": url},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    seed_command = {"seed": f"{size}/{args.per_product}", "reseed": args.reseed}
    process.stdin.write(json.dumps(seed_command) + "\n")
    process.stdin.flush()
    return process


def ask(process: subprocess.Popen, message: dict) -> dict:
    if message:
        process.stdin.write(json.dumps(message) + "\n")
        process.stdin.flush()
    answer = process.stdout.readline()
    if not answer:
        raise SystemExit("a worker stopped")
    return json.loads(answer)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small-url", default="postgres://postgres@127.0.0.1:5432/bo_ledger_small")
    parser.add_argument("--large-url", default="postgres://postgres@127.0.0.1:5432/bo_ledger_large")
    parser.add_argument("--sizes", default="10000,10000000")
    parser.add_argument("--per-product", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--runs", type=int, default=5, help="requests per page in a round")
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--seed-only", action="store_true", help="seed both, measure nothing")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker_main()
        return 0
    collect_static()
    small_size, large_size = (int(size) for size in args.sizes.split(","))
    print(calibration(), f"(load average {os.getloadavg()[0]:.1f})", flush=True)
    # One after the other: seeding 10M rows takes the machine's two cores.
    sides = {}
    for name, url, size in (
        ("small", args.small_url, small_size),
        ("large", args.large_url, large_size),
    ):
        sides[name] = start(url, size, args)
        ask(sides[name], {})  # ready
    if args.seed_only:
        for process in sides.values():
            process.stdin.close()
            process.wait()
        return 0
    samples = {(name, label): [] for name in sides for label, _ in PAGES}
    for label, _ in PAGES:  # one warm-up request per page and side
        for process in sides.values():
            ask(process, {"label": label, "runs": 1})
    for round_number in range(args.rounds):
        order = list(sides.items()) if round_number % 2 == 0 else list(sides.items())[::-1]
        for label, _ in PAGES:
            for name, process in order:
                samples[(name, label)].append(ask(process, {"label": label, "runs": args.runs}))
    for process in sides.values():
        process.stdin.close()
        process.wait()
    return report(samples, small_size, large_size, args)


def report(samples: dict, small_size: int, large_size: int, args: argparse.Namespace) -> int:
    def figures(name: str, label: str) -> dict:
        answers = samples[(name, label)]
        seconds = sorted(s * 1000 for answer in answers for s in answer["seconds"])
        return {
            "median": statistics.median(seconds),
            "p95": seconds[int(0.95 * (len(seconds) - 1))],
            "db": statistics.median(d * 1000 for answer in answers for d in answer["db"]),
            "queries": max(q for answer in answers for q in answer["queries"]),
            "rows": answers[-1]["rows"],
        }

    print(
        f"\nStock ledger pages on PostgreSQL: {small_size:,} against {large_size:,} movements,"
        f" {args.per_product} per product (ms per request; db: the page's query time)"
    )
    head = f"{'rows':>5} {'med':>7} {'p95':>7} {'db':>6} {'q':>3}"
    print(f"{'page':23} | small {head} | large {head} | ratio  verdict")
    failed = False
    for label, _ in PAGES:
        small, large = figures("small", label), figures("large", label)
        ratio = large["median"] / small["median"]
        problems = [
            name
            for name, bad in (
                ("ratio", ratio > 1.3),
                ("queries", small["queries"] != large["queries"]),
                ("rows", small["rows"] != large["rows"]),
            )
            if bad
        ]
        failed |= bool(problems)
        cells = [
            f"{side['rows']:5d} {side['median']:7.1f} {side['p95']:7.1f} {side['db']:6.1f}"
            f" {side['queries']:3d}"
            for side in (small, large)
        ]
        verdict = "ok" if not problems else "NOT MET: " + ", ".join(problems)
        print(f"{label:23} |       {cells[0]} |       {cells[1]} | {ratio:5.2f}  {verdict}")
    requests = args.rounds * args.runs
    print(f"({requests} requests per page and size, in alternating rounds of {args.runs})")
    print(calibration(), f"(load average {os.getloadavg()[0]:.1f} at the end)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    raise SystemExit(main())
