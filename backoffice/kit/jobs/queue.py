"""Enqueueing a task for a job after the current transaction commits."""

from celery import Task
from django.db import transaction


def enqueue_after_commit(task: Task, *args: int | str) -> None:
    """Queue the task once the rows it will read are committed (a worker sees only those).

    Under eager settings (the test settings) the task runs at once instead: a test's
    wrapping transaction never commits, so on_commit would never run it there.
    """
    if task.app.conf.task_always_eager:
        task.delay(*args)
        return

    def send() -> None:
        task.delay(*args)

    # Robust: with the broker down the request still answers (the error is logged, the job
    # waits as `queued` and can be cancelled; /healthz shows the broker failing).
    transaction.on_commit(send, robust=True)
