"""Settings of the Celery worker processes the real-worker tests start (tests/workers.py):
the test settings, with a real broker instead of eager tasks and the test database the
test process created, both passed in the environment."""

import json
import os

from backoffice.settings.test import *  # noqa: F403
from backoffice.settings.test import DATABASES

CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = os.environ["TEST_WORKER_BROKER_URL"]
CELERY_BROKER_TRANSPORT_OPTIONS = json.loads(os.environ["TEST_WORKER_BROKER_OPTIONS"])
DATABASES["default"]["NAME"] = os.environ["TEST_WORKER_DATABASE_NAME"]
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["TEST_WORKER_EMAIL_DIR"]

if os.environ.get("TEST_WORKER_CRASH_AFTER"):
    import tests.crash_after_task  # noqa: F401  (connects its task_postrun receiver)
