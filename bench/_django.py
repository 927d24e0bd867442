"""Django set-up shared by the bench scripts: production settings with loopback-only defaults."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Production settings are what gunicorn serves; these defaults only fill what a bench run on
# this machine needs and never override a value already in the environment.
BENCH_ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "backoffice.settings.production",
    "SECRET_KEY": "bench-only-not-a-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "DEBUG": "false",
}


def setup() -> None:
    """Put the project on sys.path, fill the bench defaults and start Django."""
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    for name, value in BENCH_ENVIRONMENT.items():
        os.environ.setdefault(name, value)

    import django

    django.setup()
