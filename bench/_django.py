"""Django set-up shared by the bench scripts: production settings with loopback-only defaults."""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Production settings are what gunicorn serves; these defaults only fill what a bench run on
# this machine needs and never override a value already in the environment.
BENCH_ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "backoffice.settings.production",
    "SECRET_KEY": "bench-only-not-a-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "DEBUG": "false",
    # Collected apart from the project's staticfiles/, which other runs may rebuild meanwhile.
    "STATIC_ROOT": str(ROOT / "bench" / "out" / "staticfiles"),
    # Alert emails are not what is measured, and there is no SMTP server on loopback.
    "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    # No worker runs beside these benches: tasks (alert emails) go to an in-process broker and
    # are dropped. bench/import_bench.py's job path sets a real broker.
    "CELERY_BROKER_URL": "memory://",
}


def bench_environment() -> dict[str, str]:
    """os.environ with the bench defaults filled in (for child processes too)."""
    return {**BENCH_ENVIRONMENT, **os.environ}


def collect_static() -> None:
    """Collect static files once: production settings need the manifest to render pages."""
    environment = bench_environment()
    if not (Path(environment["STATIC_ROOT"]) / "staticfiles.json").exists():
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
            cwd=ROOT,
            env=environment,
            check=True,
        )


def setup() -> None:
    """Put the project on sys.path, fill the bench defaults and start Django."""
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    for name, value in BENCH_ENVIRONMENT.items():
        os.environ.setdefault(name, value)

    import django

    django.setup()


def calibration() -> str:
    """The machine's speed of the moment, to read absolute figures by.

    This 2-core VM ran this loop in 0.3 to 0.5 s of CPU, and a plain one in 0.9 to 1.7 s of
    wall time, from one minute to the next; seconds and requests per second move with it,
    ratios taken in one run much less.
    """
    started = time.process_time()
    sum(i for i in range(10**7))
    seconds = time.process_time() - started
    return f"calibration: a fixed pure-Python loop took {seconds:.2f} s of CPU"


if __name__ == "__main__" and sys.argv[1:] == ["calibration"]:
    print(calibration())
