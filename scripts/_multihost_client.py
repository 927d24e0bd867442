"""The client side of scripts/multihost_demo.sh: one browser-like session (requests with a
cookie jar and the CSRF token) that uploads through web server 1 and follows the job through
web server 2. Standard library only."""

import http.cookiejar
import json
import re
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

WEB_1, WEB_2 = "http://127.0.0.1:8101", "http://127.0.0.1:8102"
rows, work = int(sys.argv[1]), Path(sys.argv[2])
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def wait_up(base: str) -> None:
    for _ in range(120):
        try:
            opener.open(f"{base}/healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{base} did not start")


def csrf() -> str:
    return next(cookie.value for cookie in jar if cookie.name == "csrftoken")


def request(base: str, path: str, data: bytes | None = None, headers: dict | None = None):
    started = time.perf_counter()
    req = urllib.request.Request(f"{base}{path}", data=data, headers=headers or {})
    if data is not None:
        req.add_header("Referer", f"{base}{path}")
        req.add_header("X-CSRFToken", csrf())
    with opener.open(req, timeout=60) as response:
        body = response.read().decode()
        return response.geturl(), body, time.perf_counter() - started


def post_form(base: str, path: str, fields: dict) -> tuple[str, str, float]:
    data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": csrf()}).encode()
    return request(base, path, data, {"Content-Type": "application/x-www-form-urlencoded"})


for base in (WEB_1, WEB_2):
    wait_up(base)
print(f"/healthz on web 2: {request(WEB_2, '/healthz')[1]}")
request(WEB_1, "/admin/login/")
post_form(
    WEB_1,
    "/admin/login/",
    {"username": "demo-manager", "password": "multihost-demo-password", "next": "/admin/"},
)
csv = work / "supplier.csv"
with csv.open("w") as handle:
    handle.write("sku,name,price,stock\n")
    for n in range(rows):
        handle.write(f"MH-{n:07d},Product {n},{n % 90 + 1}.25,{n % 60}\n")

request(WEB_1, "/admin/catalog/product/import/")
boundary = uuid.uuid4().hex
body = (
    (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
        f"{csrf()}\r\n--{boundary}\r\n"
        f'Content-Disposition: form-data; name="import_file"; filename="{csv.name}"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    + csv.read_bytes()
    + f"\r\n--{boundary}--\r\n".encode()
)
url, _, seconds = request(
    WEB_1,
    "/admin/catalog/product/import/",
    body,
    {"Content-Type": f"multipart/form-data; boundary={boundary}"},
)
job = int(re.search(r"job=(\d+)", url).group(1))
print(
    f"web 1: uploaded {csv.stat().st_size / 1e6:.1f} MB ({rows:,} rows) in {seconds:.2f} s "
    f"-> import job {job}"
)


def follow(until: str) -> None:
    shown = None
    while True:
        _, body, seconds = request(WEB_2, f"/admin/jobs/importjob/{job}/progress/")
        state = json.loads(body)
        line = f"{state['status']} {state['rows_done']:,}/{state['rows_total'] or '?'}"
        if line != shown:
            print(f"web 2: progress {line} ({seconds * 1000:.0f} ms)")
            shown = line
        if state["finished"]:
            assert state["status"] == until, state
            return
        time.sleep(0.5)


follow("ready")
_, page, seconds = request(WEB_2, f"/admin/catalog/product/import/?job={job}")
totals = re.search(r'import-totals">(.*?)</p>', page, re.S).group(1)
print(f"web 2: preview in {seconds:.2f} s: {' '.join(re.sub('<[^>]+>', ' ', totals).split())}")
token = re.search(r'name="token" value="([^"]+)"', page).group(1)
url, _, seconds = post_form(WEB_2, "/admin/catalog/product/process_import/", {"token": token})
print(f"web 2: confirmed in {seconds:.2f} s -> {urllib.parse.urlparse(url).path}")
follow("done")
_, page, _ = request(WEB_2, f"/admin/catalog/product/import/?job={job}")
print(
    "web 2: "
    + " ".join(
        re.sub(
            "<[^>]+>", " ", re.search(r'import-job-result">(.*?)</p>', page, re.S).group(1)
        ).split()
    )
)
_, page, _ = request(WEB_1, "/admin/")
notice = re.search(r'import-finished-notice".*?<span>(.*?)</span>', page, re.S)
print("web 1: dashboard: " + " ".join(re.sub("<[^>]+>", " ", notice.group(1)).split()))
