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
