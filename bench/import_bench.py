"""Benchmark the product import: import-export defaults vs the project's path vs a bare bound.

    .venv/bin/python bench/import_bench.py [--rows 100000] [--seed 7]

Generates a seeded product CSV (about 10% low on stock) and, for new rows and for a
re-import of the same file, times the preview (dry run) and the confirm of
  (a) a plain ModelResource with import-export defaults (import_id_fields=["sku"]),
  (b) the project's import path (catalog.importers.ProductImporter),
  (c) a bare bound: csv.reader + bulk_create in batches of 1000 + one set-based alert sync;
and the whole admin flow (upload → preview page → confirm → result page) through Django's
test client. Every measurement runs in a fresh child process on a copy of a migrated SQLite
database, so peak memory is that process's peak RSS (Django itself included).

    .venv/bin/python bench/import_bench.py --scale 50000,100000,500000,1000000 \
        --database-url postgres://postgres@127.0.0.1:5432/bench_import

Growth with the rows (issue 12, item 9): for each size, a fresh database (dropped and created
again under that name, then migrated), the project's import of that many new products, then
a re-import of the same SKUs with other stocks (every row updated, alerts raised, refreshed
and resolved); seconds, rows per second, queries, the child's peak RSS, unresolved alerts
and alert emails sent (one Inventory manager receives them), and the growth factor of the
time against the growth of the rows (linear: time ratio = rows ratio; the target is 10x the
rows within 12x the time from 50k to 500k, peak memory within 300 MB).
"""

import argparse
import csv
import itertools
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from _django import calibration

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["sku", "name", "price", "stock", "low_stock_threshold", "is_active", "description"]


def generate_csv(path: Path, rows: int, seed: int) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for number in range(rows):
            low = rng.random() < 0.10
            writer.writerow(
                [
                    f"BENCH-{number:06d}",
                    f"Product {number} {rng.choice(['red', 'blue', 'large', 'small'])}",
                    f"{rng.randint(1, 99999) / 100:.2f}",
                    rng.randint(0, 4) if low else rng.randint(5, 500),
                    5,
                    "true",
                    "Quoted, with a comma" if number % 10 == 0 else "",
                ]
            )


# --------------------------------------------------------------------------------------
# Child side: one measurement in a fresh process.


def _setup_django(database: Path | str) -> None:
    os.environ["DATABASE_URL"] = (
        str(database) if "://" in str(database) else f"sqlite:///{database}"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings.test")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _alert_count() -> int:
    try:
        from alerts.models import StockAlert
    except ImportError:
        return -1
    return StockAlert.objects.exclude(status="resolved").count()


def _plain_resource_steps(csv_path: Path):
    from import_export import resources
    from import_export.formats.base_formats import CSV

    from catalog.models import Product

    class PlainProductResource(resources.ModelResource):
        class Meta:
            model = Product
            import_id_fields = ["sku"]
            fields = HEADER

    def step(dry_run: bool) -> None:
        dataset = CSV(encoding="utf-8-sig").create_dataset(csv_path.read_text("utf-8-sig"))
        result = PlainProductResource().import_data(dataset, dry_run=dry_run, raise_errors=True)
        assert not result.has_validation_errors()

    return step


def _project_steps(csv_path: Path):
    from backoffice.kit.importing.engine import file_import
    from catalog.importers import ProductImporter

    def step(dry_run: bool) -> None:
        report = file_import(
            importer=ProductImporter(),
            data=csv_path.read_bytes(),
            name=csv_path.name,
            dry_run=dry_run,
        )
        assert not report.has_errors, report.errors[:3]

    return step


def _bound_steps(csv_path: Path):
    from decimal import Decimal

    from django.db import transaction

    from catalog import services
    from catalog.models import Product

    def step(dry_run: bool) -> None:
        with transaction.atomic():
            with csv_path.open(newline="", encoding="utf-8-sig") as handle:
                reader = csv.reader(handle)
                next(reader)
                parsed = [
                    (sku, name, Decimal(price), int(stock), int(threshold), description)
                    for sku, name, price, stock, threshold, _active, description in reader
                ]
            existing = dict(Product.objects.values_list("sku", "stock"))
            new = [
                Product(
                    sku=sku,
                    name=name,
                    price=price,
                    stock=stock,
                    low_stock_threshold=threshold,
                    description=description,
                )
                for sku, name, price, stock, threshold, description in parsed
                if sku not in existing
            ]
            created = Product.objects.bulk_create(new, batch_size=1000)
            services.products_changed_in_bulk(product_ids=[product.pk for product in created])
            transaction.set_rollback(dry_run)

    return step


def _admin_flow(csv_path: Path) -> dict:
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    setup_test_environment()
    user = User.objects.create_superuser("bench", "bench@example.com", "bench-password-1")
    client = Client()
    client.force_login(user)
    started = time.perf_counter()
    upload = SimpleUploadedFile(csv_path.name, csv_path.read_bytes())
    preview = client.post(
        reverse("admin:catalog_product_import"), {"import_file": upload, "resource": "0"}
    )
    preview_seconds = time.perf_counter() - started
    confirm_form = preview.context["confirm_form"]
    data = {name: confirm_form.initial[name] for name in confirm_form.fields}
    result = client.post(reverse("admin:catalog_product_process_import"), data, follow=True)
    total = time.perf_counter() - started
    assert result.status_code == 200
    message = [str(m) for m in result.context["messages"]]
    # Peak memory of the import flow alone, before the export below adds its own.
    import_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    export_seconds, export_rows, _ = _export(client, "0")
    xlsx_seconds, _, xlsx_bytes = _export(client, "1")
    # Python allocations while streaming the CSV once more (tracemalloc slows the run,
    # so the timings above are taken without it).
    tracemalloc.start()
    _export(client, "0")
    export_alloc_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return {
        "preview_seconds": preview_seconds,
        "total_seconds": total,
        "preview_page_kb": len(preview.content) / 1024,
        "message": message[-1] if message else "",
        "import_peak_mb": import_peak_mb,
        "export_seconds": export_seconds,
        "export_rows": export_rows,
        "export_alloc_mb": export_alloc_mb,
        "xlsx_seconds": xlsx_seconds,
        "xlsx_kb": xlsx_bytes / 1024,
    }


def _export(client, file_format: str) -> tuple[float, int, int]:
    """Export every product column through the admin, reading the streamed response."""
    from django.urls import reverse

    started = time.perf_counter()
    response = client.post(
        reverse("admin:catalog_product_export"),
        {
            "format": file_format,
            "resource": "0",
            **{f"productresource_{name}": "on" for name in HEADER},
        },
    )
    assert response.status_code == 200
    lines = size = 0
    for chunk in response.streaming_content:
        lines += chunk.count(b"\n")
        size += len(chunk)
    return time.perf_counter() - started, lines - 1, size


def _scale_import(csv_path: Path) -> dict:
    """One confirm of the project's import, as `import_catalog products FILE` runs it."""
    from django.contrib.auth.models import Group, User
    from django.core import mail
    from django.db import connection

    from backoffice.kit.importing.engine import file_import
    from catalog.importers import ProductImporter

    if not User.objects.filter(username="bench-manager").exists():
        manager = User.objects.create_user("bench-manager", "manager@example.com")
        manager.groups.add(Group.objects.get(name="Inventory managers"))
    mail.outbox = []
    data = csv_path.read_bytes()
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        report = file_import(
            importer=ProductImporter(), data=data, name=csv_path.name, dry_run=False
        )
        seconds = time.perf_counter() - started
    assert report.written and not report.has_errors, [str(e) for e in report.errors[:3]]
    return {
        "seconds": seconds,
        "queries": counter.count,
        "summary": report.summary(),
        "alerts": _alert_count(),
        "emails": len(mail.outbox),
        "email_subject": mail.outbox[0].subject if mail.outbox else "",
    }


def child(args: argparse.Namespace) -> None:
    _setup_django(args.database)
    from django.db import connection

    if args.variant == "scale":
        output = _scale_import(args.csv)
    elif args.variant == "admin":
        output = _admin_flow(args.csv)
    else:
        step = {"a": _plain_resource_steps, "b": _project_steps, "c": _bound_steps}[args.variant](
            args.csv
        )
        output = {}
        for phase, dry_run in (("preview", True), ("confirm", False)):
            counter = QueryCounter()
            with connection.execute_wrapper(counter):
                started = time.perf_counter()
                step(dry_run)
                output[f"{phase}_seconds"] = time.perf_counter() - started
            output[f"{phase}_queries"] = counter.count
        output["alerts"] = _alert_count()
    output["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(output))


# --------------------------------------------------------------------------------------
# Parent side


def run_child(variant: str, database: Path | str, csv_path: Path) -> dict:
    completed = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            variant,
            "--database",
            str(database),
            "--csv",
            str(csv_path),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"variant {variant} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-plain", action="store_true", help="skip the slow variant (a)")
    parser.add_argument(
        "--job-path",
        action="store_true",
        help="measure the import job path instead (PostgreSQL + Redis + a real worker; "
        "bench/import_jobs_bench.py, which takes its own --rows)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)  # a path or a URL
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--scale", help="comma-separated row counts: growth on --database-url")
    parser.add_argument("--database-url", help="PostgreSQL URL for --scale (dropped, created)")
    if "--job-path" in sys.argv[1:]:  # the job path's script takes its own arguments
        script = Path(__file__).with_name("import_jobs_bench.py")
        arguments = [argument for argument in sys.argv[1:] if argument != "--job-path"]
        raise SystemExit(subprocess.call([sys.executable, str(script), *arguments]))
    args = parser.parse_args()
    if args.child:
        args.variant = args.child
        child(args)
        return
    if args.scale:
        if not args.database_url:
            parser.error("--scale needs --database-url (a database it may drop and create)")
        scale(sorted(int(rows) for rows in args.scale.split(",")), args.database_url, args.seed)
        return

    workdir = Path(tempfile.mkdtemp(prefix="import-bench-"))
    try:
        pristine = workdir / "pristine.sqlite3"
        csv_path = workdir / "products.csv"
        generate_csv(csv_path, args.rows, args.seed)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"],
            cwd=ROOT,
            check=True,
            env={
                **os.environ,
                "DATABASE_URL": f"sqlite:///{pristine}",
                "DJANGO_SETTINGS_MODULE": "backoffice.settings.test",
            },
        )
        size_mb = csv_path.stat().st_size / 1_000_000
        print(f"{args.rows} product rows, {size_mb:.1f} MB CSV, seed {args.seed}, SQLite")
        print(f"{calibration()} (at the start)\n")
        results: dict[tuple[str, str], dict] = {}
        variants = ["b", "c"] if args.skip_plain else ["a", "b", "c"]
        for variant in variants:
            database = workdir / f"{variant}.sqlite3"
            shutil.copy(pristine, database)
            results[(variant, "new")] = run_child(variant, database, csv_path)
            results[(variant, "re-import")] = run_child(variant, database, csv_path)
        database = workdir / "admin.sqlite3"
        shutil.copy(pristine, database)
        admin = run_child("admin", database, csv_path)
        report(args.rows, results, admin)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# --------------------------------------------------------------------------------------
# Growth with the rows (--scale)


def _recreate_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        quoted = sql.Identifier(name)
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(quoted))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(quoted))
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        check=True,
        env={
            **os.environ,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "backoffice.settings.test",
        },
    )


def scale(sizes: list[int], url: str, seed: int) -> None:
    # The engine is measured, not the upload limit (20 MB: about 380k rows of this file).
    os.environ.setdefault("BACKOFFICE_IMPORT_MAX_BYTES", str(2**31))
    print(f"Import growth on PostgreSQL ({urlsplit(url).path.lstrip('/')}), seed {seed}")
    print(f"{calibration()} (at the start)")
    print(
        "Machine: 2 cores shared with other jobs; absolute seconds move with the load "
        "(read them beside the calibration), ratios within one run much less.\n"
    )
    workdir = Path(tempfile.mkdtemp(prefix="import-scale-"))
    results: dict[tuple[int, str], dict] = {}
    try:
        for rows in sizes:
            new_csv, changed_csv = workdir / "new.csv", workdir / "changed.csv"
            generate_csv(new_csv, rows, seed)
            generate_csv(changed_csv, rows, seed + 1)  # same SKUs, other stocks and prices
            _recreate_database(url)
            for scenario, path in (("new", new_csv), ("re-import", changed_csv)):
                result = run_child("scale", url, path)
                results[(rows, scenario)] = result
                print(
                    f"{rows:>9,} rows {scenario:9} {result['seconds']:8.2f} s "
                    f"{rows / result['seconds']:9,.0f} rows/s "
                    f"{result['queries'] / rows:6.3f} q/row "
                    f"peak {result['peak_mb']:5.0f} MB  {result['alerts']:7,} alerts open  "
                    f"{result['emails']} email(s) “{result['email_subject']}”",
                    flush=True,
                )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\n{calibration()} (at the end)")
    print("\ngrowth (time ratio against rows ratio; linear when they are equal):")
    for scenario in ("new", "re-import"):
        for smaller, larger in itertools.pairwise(sizes):
            _print_growth(results, scenario, smaller, larger)
        if 50_000 in sizes and 500_000 in sizes:
            _print_growth(results, scenario, 50_000, 500_000, target=12.0)


def _print_growth(
    results: dict, scenario: str, smaller: int, larger: int, target: float | None = None
) -> None:
    factor = results[(larger, scenario)]["seconds"] / results[(smaller, scenario)]["seconds"]
    verdict = ""
    if target is not None:
        verdict = f"  target <= {target:.0f}x: {'ok' if factor <= target else 'MISSED'}"
    print(
        f"  {scenario:9} {smaller:>9,} -> {larger:>9,} rows ({larger / smaller:4.1f}x): "
        f"time {factor:5.2f}x{verdict}"
    )


NAMES = {
    "a": "(a) ModelResource defaults",
    "b": "(b) project import path",
    "c": "(c) bulk_create bound",
}


def report(rows: int, results: dict, admin: dict) -> None:
    print(
        f"{'variant':28} {'scenario':10} {'step':8} {'seconds':>8} {'rows/s':>9} "
        f"{'q/row':>7} {'peak MB':>8} {'alerts':>7}"
    )
    for (variant, scenario), result in results.items():
        for phase in ("preview", "confirm"):
            seconds = result[f"{phase}_seconds"]
            print(
                f"{NAMES[variant]:28} {scenario:10} {phase:8} {seconds:8.2f} "
                f"{rows / seconds:9.0f} {result[f'{phase}_queries'] / rows:7.3f} "
                f"{result['peak_mb']:8.0f} {result['alerts']:7d}"
            )
    print()
    for scenario in ("new", "re-import"):
        for phase in ("preview", "confirm"):
            b = results[("b", scenario)][f"{phase}_seconds"]
            ratios = [f"b/c = {b / results[('c', scenario)][f'{phase}_seconds']:.2f}"]
            if ("a", scenario) in results:
                a = results[("a", scenario)][f"{phase}_seconds"]
                ratios.insert(0, f"b/a = {b / a:.3f} ({a / b:.1f}x faster)")
            print(f"{scenario:10} {phase:8} " + ", ".join(ratios))
    print(
        f"\nadmin flow through the test client (upload → preview → confirm → result): "
        f"{admin['total_seconds']:.2f} s (preview {admin['preview_seconds']:.2f} s, "
        f"preview page {admin['preview_page_kb']:.0f} KB, peak {admin['import_peak_mb']:.0f} MB)"
        f"\nresult message: {admin['message']}"
    )
    if "export_seconds" in admin:
        print(
            f"CSV export of {admin['export_rows']} products through the admin (streamed): "
            f"{admin['export_seconds']:.2f} s (Python allocation peak while streaming "
            f"{admin['export_alloc_mb']:.1f} MB; process peak {admin['peak_mb']:.0f} MB)"
            f"\nXLSX export of the same products (write-only workbook): "
            f"{admin['xlsx_seconds']:.2f} s ({admin['xlsx_kb']:.0f} KB)"
        )


if __name__ == "__main__":
    main()
