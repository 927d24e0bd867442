"""Cost that grows with the tables: the same admin pages at 10k rows and at 1M rows.

    .venv/bin/python bench/pages_bench.py \\
        --small-url postgres://postgres@127.0.0.1:5432/bo_perf_small \\
        --large-url postgres://postgres@127.0.0.1:5432/bo_perf_large
    .venv/bin/python bench/pages_bench.py   # SQLite: 10k against 100k rows in /tmp

Each page (same filters, 50 rows a page) is rendered at both sizes: the small database holds
10k products and 10k stock alerts, the large one 1M products, 1M alerts and 200k deletion
records on PostgreSQL (100k, 100k and 20k on SQLite). Both are seeded by bench/seed_scale.py
when they are not seeded at these sizes already (its marker table says so; seeding 1M rows
takes minutes on a 2-core machine, so a seeded database is kept across runs).

One worker process per database (Django's test client, a force-logged-in superuser,
production settings) renders the pages; the workers take turns in short rounds so that other
load on the machine hits every side alike. Printed per page: median and p95 time of the
whole request, the median time spent in the database (the sum of the page's query
durations, measured around each execute), the query counts at both sizes, the ratio of the
medians large/small, and the verdict against the target: at the large size the database
time at most 10 ms and the median within 1.3x of the small one, with identical query counts.

--baseline DIR renders the same pages with another checkout's code (e.g. a worktree of the
commit to compare with) on --baseline-small-url / --baseline-large-url, in the same rounds:
"before" and "after" side by side from one run. Those databases must hold the same seeded
rows with that checkout's schema (docs/performance.md: a copy made with createdb -T before
migrating).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _django import ROOT, calibration, collect_static, two_factor_login

BENCH_USERNAME = "bench-superuser"
SEARCH_TERM = "TEA-00"
SAMPLES = ("seconds", "cpu_seconds", "queries", "sql_seconds")
DB_MS_TARGET = 10.0
RATIO_TARGET = 1.3
# (label, URL name, query string or None)
PAGES = [
    ("dashboard", "admin:index", None),
    ("deletion record list", "admin:alerts_deletionrecord_changelist", None),
    ("products: low stock", "admin:catalog_product_changelist", "stock_state=low"),
    ("article list", "admin:catalog_article_changelist", None),
    ("product list", "admin:catalog_product_changelist", None),
    ("stock alert list", "admin:alerts_stockalert_changelist", None),
    ("product change form", "admin:catalog_product_change", None),
    ("products: sku search", "admin:catalog_product_changelist", f"q={SEARCH_TERM}"),
]
SIZES = {
    "small": {"products": 10_000, "alerts": 10_000, "deletions": 2_000, "articles": 500},
    "large postgresql": {
        "products": 1_000_000,
        "alerts": 1_000_000,
        "deletions": 200_000,
        "articles": 50_000,
    },
    "large sqlite": {
        "products": 100_000,
        "alerts": 100_000,
        "deletions": 20_000,
        "articles": 5_000,
    },
}


# --- worker: one process per database and checkout -----------------------------------------


class PageWorker:
    """Renders pages on the database of DATABASE_URL; answers commands on stdin."""

    def __init__(self, project: Path) -> None:
        # stdout carries the answers; whatever Django or a command prints goes to stderr.
        self.answers, sys.stdout = sys.stdout, sys.stderr
        sys.path.insert(0, str(project))
        os.chdir(project)
        import django

        django.setup()
        from django.test import Client

        from catalog.models import Product

        if not Product.objects.exists():
            raise SystemExit("No products: seed this database with bench/seed_scale.py first.")
        self.client = Client()
        two_factor_login(self.client, self._superuser())
        self.urls = self._urls()

    def _superuser(self):
        from django.contrib.auth import get_user_model

        user, _ = get_user_model().objects.get_or_create(
            username=BENCH_USERNAME, defaults={"is_staff": True, "is_superuser": True}
        )
        return user

    def _urls(self) -> dict[str, str]:
        from django.urls import reverse

        from catalog.models import Product

        # The product in the middle of the SKU order: a typical row, not the first one.
        middle = Product.objects.count() // 2
        product_pk = Product.objects.order_by("sku").values_list("pk", flat=True)[middle]
        urls = {}
        for label, name, query in PAGES:
            url = reverse(name, args=[product_pk] if name.endswith("_change") else [])
            urls[label] = f"{url}?{query}" if query else url
        return urls

    def measure(self, label: str, runs: int) -> dict:
        from django.db import connection

        url = self.urls[label]
        seconds, cpu_seconds, queries, sql_seconds = [], [], [], []
        for _ in range(runs):
            durations: list[float] = []

            def timed(execute, sql, params, many, context, durations=durations):
                started = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    durations.append(time.perf_counter() - started)

            with connection.execute_wrapper(timed):
                started, cpu_started = time.perf_counter(), time.process_time()
                response = self.client.get(url, secure=True)
                if hasattr(response, "render") and not response.is_rendered:
                    response.render()
                elapsed = time.perf_counter() - started
                cpu_seconds.append(time.process_time() - cpu_started)
            if response.status_code != 200:
                raise SystemExit(f"{label}: {url} answered {response.status_code}")
            seconds.append(elapsed)
            queries.append(len(durations))
            sql_seconds.append(sum(durations))
        return {
            "label": label,
            "url": url,
            "seconds": seconds,
            "cpu_seconds": cpu_seconds,
            "queries": queries,
            "sql_seconds": sql_seconds,
        }

    def serve(self) -> None:
        from django.db import connection

        self.answer({"ready": connection.vendor})
        for line in sys.stdin:
            command = json.loads(line)
            self.answer(self.measure(command["label"], command["runs"]))

    def answer(self, message: dict) -> None:
        self.answers.write(json.dumps(message) + "\n")
        self.answers.flush()


# --- driver ------------------------------------------------------------------------------


def project_environment(project: Path, database_url: str) -> dict[str, str]:
    from _django import bench_environment

    return {
        **bench_environment(),
        "DATABASE_URL": database_url,
        "STATIC_ROOT": str(project / "bench" / "out" / "staticfiles"),
    }


def seed(database_url: str, sizes: dict[str, int]) -> None:
    """Seed the database at these sizes unless it is seeded so already (seed_scale --reuse)."""
    arguments = [sys.executable, str(ROOT / "bench" / "seed_scale.py"), "--reuse"]
    for name, value in sizes.items():
        arguments += [f"--{name}", str(value)]
    started = time.perf_counter()
    finished = subprocess.run(
        arguments,
        env=project_environment(ROOT, database_url),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if finished.returncode != 0:
        raise SystemExit(f"seeding {database_url} failed:\n{finished.stdout}{finished.stderr}")
    last_line = finished.stdout.strip().splitlines()[-1]
    print(f"{database_url}: {last_line} ({time.perf_counter() - started:.0f} s)")


def check_seeded(project: Path, database_url: str, sizes: dict[str, int]) -> None:
    """A baseline database is not seeded here (it has another schema): it must be seeded."""
    script = (
        "import json; import django; django.setup();"
        "from seed_scale import marker_read; print(json.dumps(marker_read()))"
    )
    finished = subprocess.run(
        [sys.executable, "-c", script],
        env={**project_environment(project, database_url), "PYTHONPATH": str(ROOT / "bench")},
        cwd=project,
        capture_output=True,
        text=True,
    )
    marker = json.loads(finished.stdout.strip().splitlines()[-1] or "null")
    if not marker or any(marker.get(name) != value for name, value in sizes.items()):
        raise SystemExit(f"{database_url} is not seeded with {sizes} (its marker: {marker})")


def start_worker(project: Path, database_url: str) -> subprocess.Popen:
    environment = project_environment(project, database_url)
    if not (Path(environment["STATIC_ROOT"]) / "staticfiles.json").exists():
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
            cwd=project,
            env=environment,
            check=True,
        )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "--verbosity", "0"],
        cwd=project,
        env=environment,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [sys.executable, __file__, "--worker", str(project)],
        env=environment,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    if not worker.stdout.readline():
        raise SystemExit(f"the worker for {database_url} ({project}) failed to start")
    return worker


def ask(worker: subprocess.Popen, label: str, runs: int) -> dict:
    worker.stdin.write(json.dumps({"label": label, "runs": runs}) + "\n")
    worker.stdin.flush()
    answer = worker.stdout.readline()
    if not answer:
        raise SystemExit(f"a worker stopped while measuring {label}")
    return json.loads(answer)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small-url", default="sqlite:////tmp/bench_small.sqlite3")
    parser.add_argument("--large-url", default="sqlite:////tmp/bench_large.sqlite3")
    parser.add_argument("--baseline", type=Path, help="another checkout to compare with")
    parser.add_argument("--baseline-small-url")
    parser.add_argument("--baseline-large-url")
    parser.add_argument("--rounds", type=int, default=6, help="turns per page and database")
    parser.add_argument("--runs", type=int, default=5, help="requests per turn")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    if args.worker:
        PageWorker(args.worker).serve()
        return 0

    vendor = "postgresql" if args.large_url.startswith("postgres") else "sqlite"
    sizes = {"small": SIZES["small"], "large": SIZES[f"large {vendor}"]}
    urls = {"small": args.small_url, "large": args.large_url}
    print(f"({calibration()} at the start)")
    for size, url in urls.items():
        seed(url, sizes[size])
    collect_static()
    sides = {"after": (ROOT, urls)}
    if args.baseline:
        baseline_urls = {"small": args.baseline_small_url, "large": args.baseline_large_url}
        for size, url in baseline_urls.items():
            check_seeded(args.baseline.resolve(), url, sizes[size])
        sides = {"before": (args.baseline.resolve(), baseline_urls), **sides}

    load_before = os.getloadavg()[0]
    workers = {
        (side, size): start_worker(project, side_urls[size])
        for side, (project, side_urls) in sides.items()
        for size in ("small", "large")
    }
    results: dict[str, dict[str, dict]] = {f"{side} {size}": {} for side, size in workers}
    try:
        for label, *_ in PAGES:
            for worker in workers.values():
                ask(worker, label, 2)  # warm-up: caches, connections, template loading
            for _ in range(args.rounds):
                for (side, size), worker in workers.items():
                    answer = ask(worker, label, args.runs)
                    kept = results[f"{side} {size}"].setdefault(
                        label, {**answer, **dict.fromkeys(SAMPLES, ())}
                    )
                    for key in SAMPLES:
                        kept[key] = [*kept[key], *answer[key]]
    finally:
        for worker in workers.values():
            worker.stdin.close()
            worker.wait(timeout=60)

    print(
        f"\nAdmin pages on {vendor}: {sizes['small']['products']:,} products/alerts"
        f" against {sizes['large']['products']:,} products, {sizes['large']['alerts']:,}"
        f" alerts, {sizes['large']['deletions']:,} deletion records"
    )
    print(
        "(ms per request; db: median time in the database, the sum of the page's query"
        f" durations; target at the large size: db <= {DB_MS_TARGET:g} ms, median <="
        f" {RATIO_TARGET}x the small one's, same queries; cpu: the web process's CPU per request"
        " at the large size)"
    )
    failures = {side: report(side, results) for side in sides}
    if args.baseline:
        side_by_side(results)
    samples = args.rounds * args.runs
    print(f"({samples} requests per page and database, taken in alternating turns)")
    # Other processes on the machine slow every side alike (alternating turns), but they
    # widen the spread: the 1-minute load average tells how quiet the machine was.
    print(f"(load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end)")
    print(f"({calibration()} at the end)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"sizes": sizes, "results": results}, indent=1))
    return 1 if failures["after"] else 0


def figures(side: dict) -> dict:
    return {
        "median": statistics.median(side["seconds"]) * 1000,
        "p95": p95(side["seconds"]) * 1000,
        "db": statistics.median(side["sql_seconds"]) * 1000,
        "cpu": statistics.median(side["cpu_seconds"]) * 1000,
        "queries": sorted(set(side["queries"])),
    }


def verdict(small: dict, large: dict) -> tuple[bool, float, str]:
    ratio = large["median"] / small["median"]
    problems = []
    if large["db"] > DB_MS_TARGET:
        problems.append("db")
    if ratio > RATIO_TARGET:
        problems.append("ratio")
    if not (small["queries"] == large["queries"] and len(large["queries"]) == 1):
        problems.append("queries")
    return not problems, ratio, "ok" if not problems else "MISSED " + ",".join(problems)


def report(side: str, results: dict) -> int:
    header = (
        f"{'page':<21} {'small med':>9} {'p95':>6} {'db':>5}  {'large med':>9} {'p95':>6}"
        f" {'db':>5} {'cpu':>5}  {'ratio':>5} {'queries s/l':>11}  target"
    )
    print(f"\n{side}:\n{header}\n{'-' * len(header)}")
    failures = 0
    for label, *_ in PAGES:
        small = figures(results[f"{side} small"][label])
        large = figures(results[f"{side} large"][label])
        met, ratio, text = verdict(small, large)
        failures += not met
        queries = "/".join(",".join(map(str, side["queries"])) for side in (small, large))
        print(
            f"{label:<21} {small['median']:9.1f} {small['p95']:6.1f} {small['db']:5.1f}"
            f"  {large['median']:9.1f} {large['p95']:6.1f} {large['db']:5.1f} {large['cpu']:5.1f}"
            f"  {ratio:5.2f} {queries:>11}  {text}"
        )
    return failures


def side_by_side(results: dict) -> None:
    header = (
        f"{'page':<21} {'before: med small -> large (db ms)':>36}  {'ratio':>5}"
        f"   {'after: med small -> large (db ms)':>35}  {'ratio':>5}"
    )
    print(f"\nbefore / after, same run:\n{header}\n{'-' * len(header)}")
    for label, *_ in PAGES:
        cells = []
        for side in ("before", "after"):
            small = figures(results[f"{side} small"][label])
            large = figures(results[f"{side} large"][label])
            _, ratio, _ = verdict(small, large)
            cells.append(
                f"{small['median']:6.1f} -> {large['median']:6.1f}"
                f" (db {small['db']:4.1f} -> {large['db']:5.1f})  {ratio:5.2f}"
            )
        print(f"{label:<21} {cells[0]:>43}   {cells[1]:>42}")
    # The web process's own CPU per request (time.process_time in the worker): what limits
    # throughput once the database side is flat, and what rendering costs.
    header = (
        f"{'page':<21} {'cpu ms before':>13} {'after':>7} {'after/before':>12}"
        f"   {'db ms before':>12} {'after':>7}   (at the large size)"
    )
    print(f"\n{header}\n{'-' * len(header)}")
    for label, *_ in PAGES:
        before = figures(results["before large"][label])
        after = figures(results["after large"][label])
        cpu_ratio = after["cpu"] / before["cpu"]
        print(
            f"{label:<21} {before['cpu']:13.1f} {after['cpu']:7.1f} {cpu_ratio:12.2f}"
            f"   {before['db']:12.1f} {after['db']:7.1f}"
        )


if __name__ == "__main__":
    sys.exit(main())
