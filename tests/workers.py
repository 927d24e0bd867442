"""A real `celery worker` process for the tests that need one, sharing the test database.

The broker is Redis when 127.0.0.1:6379 answers (`.ci/run` starts it) and kombu's
filesystem transport otherwise, so these tests never skip. Each worker has a broker of its
own (a Redis key prefix, or a fresh folder), so a message left by an earlier, interrupted
run is never picked up.
"""

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

from backoffice.celery import app

REPO_ROOT = Path(__file__).resolve().parent.parent
# Redis database 5 belongs to these tests (the other numbers to other tools on the host).
TEST_REDIS_URL = os.environ.get("BACKOFFICE_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
READY_TIMEOUT = 60


def redis_answers(host: str = "127.0.0.1", port: int = 6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def broker_for_tests(folder: Path, prefix: str) -> tuple[str, dict]:
    if redis_answers():
        return TEST_REDIS_URL, {"visibility_timeout": 3600, "global_keyprefix": prefix}
    queue = str(folder / "queue")
    return "filesystem://", {
        "data_folder_in": queue,
        "data_folder_out": queue,
        "control_folder": str(folder / "control"),
        "processed_folder": str(folder / "processed"),
        "polling_interval": 0.1,
    }


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path
    broker_url: str
    email_dir: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def pool_pids(self) -> list[int]:
        """The prefork pool's child processes: the ones that run the tasks."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]


def wait_for(predicate, *, timeout: float, interval: float = 0.05, message: str = ""):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s: {message}")
        time.sleep(interval)


def _forget_broker_connections() -> None:
    # Celery keeps the connection and producer pools made from the configuration it first
    # used (the test settings' in-memory broker); no public call resets them on a configured
    # app (app.close() also deregisters it), so the two cached pools are dropped here.
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def celery_worker(
    tmp_path: Path,
    *,
    concurrency: int = 1,
    media_root: Path | None = None,
    environment: dict[str, str] | None = None,
) -> Iterator[Worker]:
    """Start a worker on the test database; the test process publishes to its queue.

    Needs a transactional test (`django_db(transaction=True)`): the worker sees only
    committed rows.
    """
    name = connection.settings_dict["NAME"]
    assert "memory" not in str(name), "the worker cannot share an in-memory database"
    name_prefix = f"test-{uuid.uuid4().hex[:12]}"
    broker_url, options = broker_for_tests(tmp_path / "broker", f"{name_prefix}:")
    for key in ("data_folder_in", "control_folder", "processed_folder"):
        if key in options:
            Path(options[key]).mkdir(parents=True, exist_ok=True)
    email_dir = tmp_path / "emails"
    email_dir.mkdir()
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
        "TEST_WORKER_BROKER_URL": broker_url,
        "TEST_WORKER_BROKER_OPTIONS": json.dumps(options),
        "TEST_WORKER_DATABASE_NAME": str(name),
        "TEST_WORKER_EMAIL_DIR": str(email_dir),
        **({"MEDIA_ROOT": str(media_root)} if media_root else {}),
        **(environment or {}),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "backoffice", "worker",
        "--pool=prefork", f"--concurrency={concurrency}", "--loglevel=INFO",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
        "-n", f"{name_prefix}@%h",
    ]  # fmt: skip
    saved = {
        key: app.conf[key]
        for key in (
            "broker_url", "broker_transport_options", "task_always_eager",
        )
    }  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    worker = Worker(process, log, broker_url, email_dir)
    app.conf.update(
        broker_url=broker_url,
        broker_transport_options=options,
        task_always_eager=False,
    )
    _forget_broker_connections()
    # Guards the two private names above: the test process must publish to this broker.
    assert (
        app.amqp.producer_pool.connections.connection.as_uri().split(":")[0]
        == (broker_url.split(":")[0])
    )
    try:
        wait_for(
            lambda: " ready." in worker.log_text() or process.poll() is not None,
            timeout=READY_TIMEOUT,
            message="worker start",
        )
        assert process.poll() is None, worker.log_text()
        yield worker
    finally:
        app.conf.update(saved)
        _forget_broker_connections()
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
