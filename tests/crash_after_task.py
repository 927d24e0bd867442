"""Loaded by the test worker (tests/worker_settings.py) when TEST_WORKER_CRASH_AFTER names a
task: the first time that task has run, its process is SIGKILLed before the late
acknowledgement, as a worker lost right after the task's work (an email sent) would be."""

import os
import signal
from pathlib import Path

from celery.signals import task_postrun

CRASH_AFTER = os.environ.get("TEST_WORKER_CRASH_AFTER", "")
MARKER = Path(os.environ.get("TEST_WORKER_CRASH_MARKER", "/nonexistent/marker"))


@task_postrun.connect(dispatch_uid="tests.crash_after_task")
def crash_once(sender=None, **kwargs) -> None:
    # task_postrun runs in the pool process after the task returned and before the result
    # reaches the worker, which acknowledges the message only then (CELERY_TASK_ACKS_LATE).
    if sender is None or sender.name != CRASH_AFTER or MARKER.exists():
        return
    MARKER.write_text(str(os.getpid()))
    os.kill(os.getpid(), signal.SIGKILL)
