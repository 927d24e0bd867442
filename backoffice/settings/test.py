"""Test runs: fast hashing, in-memory email; the database still comes from DATABASE_URL."""

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
