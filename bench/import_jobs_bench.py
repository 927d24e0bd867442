"""The import job path on PostgreSQL: upload → validation → preview → confirm → done through
a real web server (gunicorn, two sync workers, as in production) and a real Celery worker.

    .venv/bin/python bench/import_jobs_bench.py [--rows 100000 1000000] [--seed 7]
    (also: bench/import_bench.py --job-path)

Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/bo_jobs_bench,
created and migrated here) and Redis (BENCH_BROKER_URL, default redis://127.0.0.1:6379/6).
For each size: a fresh product table, a fresh worker (prefork, one process), the product CSV
uploaded as an Inventory manager the way a browser sends it (the multipart body streamed from
the file over HTTP; the time is from the first byte sent to the answer read, what the person
waits for), the progress JSON polled every 0.5 s as the page does. Prints each web request's
longest duration (must stay under 2 s), the phases' times, the total, the 1M/100k ratio (at
most 12x), the worker's peak resident memory (at most 300 MB, its pool process's VmHWM) and
the web servers' (gunicorn workers') peak, with the load average before and after.
"""

import argparse
import http.client
import http.cookiejar
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from import_bench import generate_csv  # noqa: E402

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bo_jobs_bench"
)
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/6")
WEB_ADDRESS = os.environ.get("BENCH_WEB_ADDRESS", "127.0.0.1:8131")
OUT = ROOT / "bench" / "out"
LIMITS = {"request_seconds": 2.0, "ratio": 12.0, "worker_mb": 300}
PASSWORD = "bench-jobs-password"
ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "backoffice.settings.local",
    "DEBUG": "false",  # no query log in any process
    "DATABASE_URL": DATABASE_URL,
    "CELERY_BROKER_URL": BROKER_URL,
    "MEDIA_ROOT": str(OUT / "jobs-media"),
    "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    "GUNICORN_BIND": WEB_ADDRESS,
    "WEB_CONCURRENCY": "2",
    "LOG_LEVEL": "warning",
    # The access log gives each request's time inside the server (the bench's own clock
    # adds the transfer), e.g. "POST /admin/catalog/product/import/ HTTP/1.1 302 1234ms".
    "GUNICORN_CMD_ARGS": "--access-logformat '%(r)s %(s)s %(M)sms'",
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


def peak_mb(pid: int) -> float:
    """The largest peak resident size (VmHWM) among a process and its children."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    peaks = []
    for each in [pid, *(int(child) for child in children.read_text().split())]:
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return max(peaks)


class Process:
    """A server process of the bench (the web server or the worker), logging to a file."""

    def __init__(self, command: list[str], log: Path, ready) -> None:
        self.log = log
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=os.environ.copy(), stdout=output, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 60
        while not ready(self):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit(f"{command[2]} did not start:\n{log.read_text()}")
            time.sleep(0.1)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def peak_mb(self) -> float:
        return peak_mb(self.process.pid)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_worker(log: Path) -> Process:
    command = [
        sys.executable, "-m", "celery", "-A", "backoffice", "worker",
        "--pool=prefork", "--concurrency=1", "--loglevel=INFO",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
        "-n", f"bench-{os.getpid()}@%h",
    ]  # fmt: skip
    return Process(command, log, lambda worker: " ready." in worker.log_text())


def start_web_server(log: Path) -> Process:
    def answers(_server: Process) -> bool:
        try:
            urllib.request.urlopen(f"http://{WEB_ADDRESS}/healthz", timeout=2).close()
        except OSError:
            return False
        return True

    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
    return Process(command, log, answers)


class Browser:
    """One logged-in session against the web server, timing every request it makes."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.requests: list[tuple[str, float]] = []

    def csrf(self) -> str:
        return next(cookie.value for cookie in self.jar if cookie.name == "csrftoken")

    def get(self, label: str, path: str) -> tuple[str, str]:
        return self._timed(label, urllib.request.Request(f"http://{WEB_ADDRESS}{path}"))

    def post(self, label: str, path: str, fields: dict) -> tuple[str, str]:
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": self.csrf()}).encode()
        request = urllib.request.Request(f"http://{WEB_ADDRESS}{path}", data=data)
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        return self._timed(label, request)

    def _timed(self, label: str, request: urllib.request.Request) -> tuple[str, str]:
        started = time.perf_counter()
        with self.opener.open(request, timeout=300) as response:
            body = response.read().decode()
            url = response.geturl()
        self.requests.append((label, time.perf_counter() - started))
        return url, body

    def upload(self, path: str, file: Path) -> str:
        """POST the file as a browser does (multipart), streamed from disk; the redirect."""
        boundary = uuid.uuid4().hex
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
            f"{self.csrf()}\r\n--{boundary}\r\n"
            f'Content-Disposition: form-data; name="import_file"; filename="{file.name}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        cookies = "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.jar)
        host, port = WEB_ADDRESS.split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=300)
        started = time.perf_counter()
        connection.putrequest("POST", path)
        connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
        connection.putheader("Content-Length", str(len(head) + file.stat().st_size + len(tail)))
        connection.putheader("Cookie", cookies)
        connection.endheaders()
        connection.send(head)
        with file.open("rb") as handle:
            while chunk := handle.read(256 * 1024):
                connection.send(chunk)
        connection.send(tail)
        response = connection.getresponse()
        response.read()
        self.requests.append(("upload", time.perf_counter() - started))
        connection.close()
        assert response.status == 302, (response.status, response.getheaders())
        return response.getheader("Location")


def run_size(rows: int, seed: int) -> dict:
    from django.urls import reverse

    from backoffice.kit.jobs.models import ImportJob
    from catalog.models import Product
    from tests.factories import UserFactory

    path = OUT / f"jobs-products-{rows}.csv"
    if not path.exists():
        generate_csv(path, rows, seed)
    empty_tables()
    user = UserFactory(username=f"bench-{rows}", groups=["Inventory managers"])
    user.set_password(PASSWORD)
    user.save()
    load_before = os.getloadavg()
    web = start_web_server(OUT / f"jobs-web-{rows}.log")
    worker = start_worker(OUT / f"jobs-worker-{rows}.log")
    browser = Browser()
    try:
        browser.get("login page", "/admin/login/")
        browser.post("login", "/admin/login/", {"username": user.username, "password": PASSWORD})
        import_url = reverse("admin:catalog_product_import")
        browser.get("import page", import_url)
        browser.requests.clear()  # what the import costs, from the upload on
        started = time.perf_counter()
        job_page = browser.upload(import_url, path)
        job = ImportJob.objects.latest("pk")
        progress_url = reverse("admin:jobs_importjob_progress", args=[job.pk])
        seen_values = set()

        def wait(until: str) -> dict:
            while True:
                answer = json.loads(browser.get("progress", progress_url)[1])
                seen_values.add(answer["rows_done"])
                if answer["finished"] and answer["status"] != "importing":
                    assert answer["status"] == until, (answer, worker.log_text()[-3000:])
                    return answer
                time.sleep(0.5)

        wait("ready")
        validated = time.perf_counter()
        _, preview = browser.get("preview", job_page)
        token = re.search(r'name="token" value="([^"]+)"', preview).group(1)
        browser.post("confirm", reverse("admin:catalog_product_process_import"), {"token": token})
        wait("done")
        finished = time.perf_counter()
        _, result = browser.get("result", job_page)
        assert "Import finished" in result
        worker_peak, web_peak = worker.peak_mb(), web.peak_mb()
    finally:
        worker.stop()
        web.stop()
    upload_in_server = re.search(rf"POST {import_url} \S+ 302 (\d+)ms", web.log_text())
    assert Product.objects.count() == rows
    longest = max(browser.requests, key=lambda item: item[1])
    return {
        "rows": rows,
        "file_mb": path.stat().st_size / 1e6,
        "upload": next(seconds for label, seconds in browser.requests if label == "upload"),
        "upload_in_server": int(upload_in_server.group(1)) / 1000 if upload_in_server else None,
        "upload_to_ready": validated - started,
        "confirm_to_done": finished - validated,
        "total": finished - started,
        "requests": len(browser.requests),
        "longest_request": longest,
        "progress_values": len(seen_values),
        "worker_peak_mb": worker_peak,
        "web_peak_mb": web_peak,
        "load": (load_before, os.getloadavg()),
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
    print(
        "\nImport job path on PostgreSQL: gunicorn (2 sync workers) and one Celery worker "
        f"({BROKER_URL})"
    )
    print(
        f"{'rows':>9} {'file':>8} {'upload (server)':>16} {'to ready':>9} {'to done':>8} "
        f"{'total':>8} {'requests':>8} {'longest request':>22} {'bar values':>10} "
        f"{'worker peak':>11} {'web peak':>8}  load average before/after"
    )
    for r in results:
        label, seconds = r["longest_request"]
        before, after = r["load"]
        print(
            f"{r['rows']:>9,} {r['file_mb']:>6.1f}MB {r['upload']:>6.2f}s "
            f"({r['upload_in_server'] or 0:>5.2f}s) "
            f"{r['upload_to_ready']:>8.1f}s {r['confirm_to_done']:>7.1f}s {r['total']:>7.1f}s "
            f"{r['requests']:>8} {seconds:>12.3f}s ({label:>8}) {r['progress_values']:>10} "
            f"{r['worker_peak_mb']:>8.0f} MB {r['web_peak_mb']:>5.0f} MB  "
            f"{before[0]:.1f} {before[1]:.1f} {before[2]:.1f} / {after[0]:.1f} {after[1]:.1f} "
            f"{after[2]:.1f}"
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
