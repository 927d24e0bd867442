"""The import job path on PostgreSQL: upload → validation → preview → confirm → done through
the admin's views (Django's test client, in this process) and a real Celery worker process.

    .venv/bin/python bench/import_jobs_bench.py [--rows 100000 1000000] [--seed 7]
    (also: bench/import_bench.py --job-path)

Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/bo_jobs_bench,
created and migrated here) and Redis (BENCH_BROKER_URL, default redis://127.0.0.1:6379/6).
For each size: a fresh product table, a fresh worker (prefork, one process), the product CSV
uploaded as an Inventory manager, the progress JSON polled every 0.5 s as the page does.
Prints each web request's longest duration (must stay under 2 s), the phases' times, the
total, the 1M/100k ratio (at most 12x) and the worker's peak resident memory (at most 300 MB,
its pool process's VmHWM).
"""

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from import_bench import generate_csv  # noqa: E402

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bo_jobs_bench"
)
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/6")
OUT = ROOT / "bench" / "out"
LIMITS = {"request_seconds": 2.0, "ratio": 12.0, "worker_mb": 300}
ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "backoffice.settings.local",
    "DEBUG": "false",  # no query log in either process
    "DATABASE_URL": DATABASE_URL,
    "CELERY_BROKER_URL": BROKER_URL,
    "MEDIA_ROOT": str(OUT / "jobs-media"),
    "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
}


def prepare_database() -> None:
    name = DATABASE_URL.rsplit("/", 1)[1]
    subprocess.run(
        ["createdb", "-h", "127.0.0.1", "-U", "postgres", name], capture_output=True, check=False
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True
    )


def setup_django() -> None:
    os.environ.update(ENVIRONMENT)
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    import django

    django.setup()


def empty_tables() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE catalog_product, alerts_stockalert, jobs_importjob RESTART IDENTITY CASCADE"
        )


class Worker:
    def __init__(self, log: Path) -> None:
        self.log = log
        command = [
            sys.executable, "-m", "celery", "-A", "backoffice", "worker",
            "--pool=prefork", "--concurrency=1", "--loglevel=INFO",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            "-n", f"bench-{os.getpid()}@%h",
        ]  # fmt: skip
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=os.environ.copy(),
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while " ready." not in log.read_text(errors="replace"):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit(f"worker did not start:\n{log.read_text()}")
            time.sleep(0.1)

    def peak_mb(self) -> float:
        """The largest peak resident size among the worker and its pool processes."""
        pids = [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids += [int(pid) for pid in children.read_text().split()]
        peaks = []
        for pid in pids:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        return max(peaks)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def run_size(rows: int, seed: int) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    from backoffice.kit.jobs.models import ImportJob
    from catalog.models import Product
    from tests.factories import UserFactory

    path = OUT / f"jobs-products-{rows}.csv"
    if not path.exists():
        generate_csv(path, rows, seed)
    empty_tables()
    user = UserFactory(username=f"bench-{rows}", groups=["Inventory managers"])
    client = Client()
    client.force_login(user)
    requests: list[tuple[str, float]] = []

    def timed(label: str, call):
        started = time.perf_counter()
        response = call()
        requests.append((label, time.perf_counter() - started))
        return response

    worker = Worker(OUT / f"jobs-worker-{rows}.log")
    try:
        started = time.perf_counter()
        with path.open("rb") as handle:
            upload = SimpleUploadedFile(path.name, handle.read(), content_type="text/csv")
        import_url = reverse("admin:catalog_product_import")
        response = timed("upload", lambda: client.post(import_url, {"import_file": upload}))
        assert response.status_code == 302, response.status_code
        job = ImportJob.objects.latest("pk")
        progress_url = reverse("admin:jobs_importjob_progress", args=[job.pk])
        seen_values = set()

        def wait(until: str) -> dict:
            while True:
                answer = timed("progress", lambda: client.get(progress_url)).json()
                seen_values.add(answer["rows_done"])
                if answer["finished"] and answer["status"] != "importing":
                    assert answer["status"] == until, (answer, worker.log.read_text()[-3000:])
                    return answer
                time.sleep(0.5)

        wait("ready")
        validated = time.perf_counter()
        preview = timed("preview", lambda: client.get(response.url))
        token = re.search(r'name="token" value="([^"]+)"', preview.content.decode()).group(1)
        confirmed = timed(
            "confirm",
            lambda: client.post(reverse("admin:catalog_product_process_import"), {"token": token}),
        )
        assert confirmed.status_code == 302
        wait("done")
        finished = time.perf_counter()
        result = timed("result", lambda: client.get(response.url))
        assert result.status_code == 200
        peak = worker.peak_mb()
    finally:
        worker.stop()
    assert Product.objects.count() == rows
    longest = max(requests, key=lambda item: item[1])
    return {
        "rows": rows,
        "file_mb": path.stat().st_size / 1e6,
        "upload_to_ready": validated - started,
        "confirm_to_done": finished - validated,
        "total": finished - started,
        "requests": len(requests),
        "longest_request": longest,
        "progress_values": len(seen_values),
        "worker_peak_mb": peak,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    os.environ.update(ENVIRONMENT)
    prepare_database()
    subprocess.run(["redis-cli", "-u", BROKER_URL, "flushdb"], capture_output=True, check=False)
    setup_django()
    results = [run_size(rows, args.seed) for rows in args.rows]
    print(f"\nImport job path on PostgreSQL, admin views + one Celery worker ({BROKER_URL})")
    print(
        f"{'rows':>9} {'file':>8} {'to ready':>9} {'to done':>8} {'total':>8} "
        f"{'requests':>8} {'longest request':>22} {'bar values':>10} {'worker peak':>11}"
    )
    for r in results:
        label, seconds = r["longest_request"]
        print(
            f"{r['rows']:>9,} {r['file_mb']:>6.1f}MB {r['upload_to_ready']:>8.1f}s "
            f"{r['confirm_to_done']:>7.1f}s {r['total']:>7.1f}s {r['requests']:>8} "
            f"{seconds:>12.3f}s ({label:>7}) {r['progress_values']:>10} "
            f"{r['worker_peak_mb']:>8.0f} MB"
        )
    longest = max(r["longest_request"][1] for r in results)
    peak = max(r["worker_peak_mb"] for r in results)
    verdicts = [
        f"longest web request {longest:.2f} s (limit {LIMITS['request_seconds']} s): "
        + ("ok" if longest < LIMITS["request_seconds"] else "OVER"),
        f"worker peak {peak:.0f} MB (limit {LIMITS['worker_mb']} MB): "
        + ("ok" if peak <= LIMITS["worker_mb"] else "OVER"),
    ]
    if len(results) >= 2:
        ratio = results[-1]["total"] / results[0]["total"]
        size = results[-1]["rows"] / results[0]["rows"]
        verdicts.append(
            f"{results[-1]['rows']:,}/{results[0]['rows']:,} rows ({size:.0f}x): {ratio:.1f}x the "
            f"time (limit {LIMITS['ratio']:.0f}x): "
            + ("ok" if ratio <= LIMITS["ratio"] else "OVER")
        )
    print("\n".join(verdicts))


if __name__ == "__main__":
    main()
