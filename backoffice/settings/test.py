"""Test runs: fast hashing, in-memory email; the database still comes from DATABASE_URL."""

import os

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "django-insecure-test-only"
# Fast hashing for test users; PBKDF2 stays available to check the demo fixture's hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# No collectstatic before tests: let WhiteNoise look files up per request instead of
# scanning (and warning about) a missing STATIC_ROOT. tests/test_static_files.py turns
# it off to check the production path.
WHITENOISE_AUTOREFRESH = True
# Background jobs run inside the call that enqueues them (also within a test's wrapping
# transaction, where on_commit never fires, see the import services). Failures are not
# raised into the caller, as with a worker: a task's retries then run at once, and a task
# that gives up is logged. The real-worker tests (tests/test_celery_worker.py) start a worker
# with their own broker.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_BROKER_URL = "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    (BASE_DIR / "var").mkdir(exist_ok=True)  # noqa: F405
    # A file, not an in-memory database, so a worker process can share it with the
    # real-worker tests; one file per test process, so two runs do not collide.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(BASE_DIR / "var" / f"test-db-{os.getpid()}.sqlite3")  # noqa: F405
    }
# No second login step unless a test asks for it (override_settings).
BACKOFFICE_TWO_FACTOR_REQUIRED = []
