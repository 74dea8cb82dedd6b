"""Test settings: the project's settings with jobs run immediately and fast hashing."""

import os

# Tests never read a developer's .env, and run with DEBUG off (as pytest-django does) and
# a key and hosts of their own; subprocesses that tests start inherit these.
os.environ["NMIRF_ENV_FILE"] = ""
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-that-is-long-enough-to-pass-checks")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

from nmirf.settings import *  # noqa: E402, F403

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Static files straight from the app folders, under their own names: no collectstatic.
# (The production storage, hashed and compressed, is tested by tests/operations/test_serve.)
STORAGES = {**STORAGES, "staticfiles": {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
# The registry list opens on every state in tests (as the API and exports do); the tests of
# the home state's scope turn it on (tests/recommendations/test_list_view.py).
NMIRF_LIST_HOME_SCOPE = False
