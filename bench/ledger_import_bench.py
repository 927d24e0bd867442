"""What the stock ledger adds to a product import, measured in one run on PostgreSQL.

    .venv/bin/python bench/ledger_import_bench.py --rows 100000,1000000 \\
        --database-url postgres://postgres@127.0.0.1:5432/bo_ledger_import

For each size, in a database dropped, created and migrated again, each import a confirm of
the whole file as `import_catalog products FILE` runs it (file_import, the stock lock and
the pk-order lock pass included), in a fresh child process (peak RSS is that process's):

- re-imports of the same SKUs that update every row, in turns: "stock kept" files change
  every price and no stock (the ledger writes nothing), "stock changed" files change every
  price and every stock (one movement per row). Stocks stay above the threshold, so no
  alert is raised or resolved either way: the difference between the two is the ledger's
  reading and writing of movements;
- the first import of the new rows, in fresh databases, --turns times each: as it is (one
  `created` movement per row), and with the ledger's two writers (`stock_movements_created`,
  `stock_movements_record`) replaced by no-ops in that child process only (up to
  --new-off-max rows: at 1M rows the pair of re-imports is the comparison).

Printed: seconds, rows per second, movements written and peak RSS per import, the ratio
with/without per kind, and the growth from the smallest to the largest size.
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _django import calibration
from import_bench import HEADER, _recreate_database, _setup_django


def write_csv(path: Path, rows: int, *, price_cents: int, stock_step: int) -> None:
    """Every row's price moves with price_cents, its stock with stock_step (10..409 + step)."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write(",".join(HEADER) + "\n")
        for n in range(rows):
            price = (100 + n % 9000 + price_cents) / 100
            stock = 10 + n % 400 + stock_step
            handle.write(f"LEDGER-{n:07d},Ledger product {n},{price:.2f},{stock},5,true,\n")


def child(database: str, csv_path: Path, ledger_off: bool) -> None:
    os.environ.setdefault("BACKOFFICE_IMPORT_MAX_BYTES", str(2**31))
    _setup_django(database)
    from backoffice.kit.importing.engine import file_import
    from catalog import ledger
    from catalog.importers import ProductImporter
    from catalog.models import StockMovement

    if ledger_off:
        # This process only, to measure the import without the ledger's movement writes.
        ledger.stock_movements_created = lambda **kwargs: None
        ledger.stock_movements_record = lambda **kwargs: 0
    before = StockMovement.objects.count()
    started = time.perf_counter()
    report = file_import(
        importer=ProductImporter(), data=csv_path.read_bytes(), name=csv_path.name, dry_run=False
    )
    seconds = time.perf_counter() - started
    assert report.written and not report.has_errors, [str(e) for e in report.errors[:3]]
    print(
        json.dumps(
            {
                "seconds": seconds,
                "movements": StockMovement.objects.count() - before,
                "summary": report.summary(),
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def run(database: str, csv_path: Path, *, ledger_off: bool = False) -> dict:
    command = [sys.executable, __file__, "--child", database, str(csv_path)]
    completed = subprocess.run(
        [*command, *(["--ledger-off"] if ledger_off else [])],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(completed.stderr[-3000:])
    return json.loads(completed.stdout.strip().splitlines()[-1])


def measure(
    rows: int, url: str, workdir: Path, turns: int, *, new_off: bool
) -> dict[str, list[dict]]:
    results: dict[str, list[dict]] = {"new": [], "new, ledger off": [], "kept": [], "changed": []}

    def record(kind: str, result: dict) -> None:
        results[kind].append(result)
        print(
            f"{rows:>9,} rows  {kind:16} {result['seconds']:8.1f} s"
            f" {rows / result['seconds']:8,.0f} rows/s {result['movements']:>9,} movements"
            f"  peak {result['peak_mb']:4.0f} MB  (load {os.getloadavg()[0]:.1f})",
            flush=True,
        )

    new = workdir / "new.csv"
    write_csv(new, rows, price_cents=0, stock_step=0)
    # The new rows in turns too (each in a fresh database); the last one stays for the rest.
    for _turn in range(turns if new_off else 1):
        if new_off:
            _recreate_database(url)
            record("new, ledger off", run(url, new, ledger_off=True))
        _recreate_database(url)
        record("new", run(url, new))
    for turn in range(turns):
        # Every price moves each time; "kept" leaves each stock where the last file put it.
        kept, changed = workdir / "kept.csv", workdir / "changed.csv"
        write_csv(kept, rows, price_cents=4 * turn + 1, stock_step=turn)
        write_csv(changed, rows, price_cents=4 * turn + 2, stock_step=turn + 1)
        record("kept", run(url, kept))
        record("changed", run(url, changed))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default="100000,1000000")
    parser.add_argument("--turns", type=int, default=2, help="kept/changed re-import pairs")
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/bo_ledger_import"
    )
    parser.add_argument(
        "--new-off-max",
        type=int,
        default=100_000,
        help="the new rows without the ledger only up to this size (a fresh database each)",
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--ledger-off", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), args.ledger_off)
        return
    sizes = [int(size) for size in args.rows.split(",")]
    print(calibration(), f"(load average {os.getloadavg()[0]:.1f})", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="ledger-import-"))
    measured = {}
    try:
        for rows in sizes:
            new_off = rows <= args.new_off_max
            measured[rows] = measure(rows, args.database_url, workdir, args.turns, new_off=new_off)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\n{calibration()} (load average {os.getloadavg()[0]:.1f} at the end)")
    print("\nwhat the ledger adds (median seconds; target: at most +25% at 100k rows):")
    for rows, results in measured.items():
        seconds = {
            kind: statistics.median(r["seconds"] for r in runs)
            for kind, runs in results.items()
            if runs
        }
        for label, without, with_ in (
            ("new rows", "new, ledger off", "new"),
            ("every row updated", "kept", "changed"),
        ):
            if not results[without]:
                continue
            added = seconds[with_] / seconds[without] - 1
            print(
                f"  {rows:>9,} rows, {label:18} {seconds[without]:7.1f} s without,"
                f" {seconds[with_]:7.1f} s with: {added:+6.1%}"
            )
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        print(f"\ngrowth {small:,} -> {large:,} rows ({large / small:.0f}x; target: within 12x):")
        for kind in ("new", "changed"):
            factor = statistics.median(
                r["seconds"] for r in measured[large][kind]
            ) / statistics.median(r["seconds"] for r in measured[small][kind])
            peak = max(r["peak_mb"] for r in measured[large][kind])
            print(
                f"  {kind:8} time {factor:5.2f}x, peak {peak:.0f} MB at {large:,} rows"
                " (target 300 MB)"
            )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
