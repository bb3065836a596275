"""Test settings: the project's settings plus a small test-only app for case permissions."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789-abcdefghijklmnopqrstuvwxyz")

from credit_portal.settings import *  # noqa: F403
from credit_portal.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
SECURE_SSL_REDIRECT = False
# Static files straight from the finders (no collectstatic in tests).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Uploaded and generated files of the tests go to a scratch folder, not var/media.
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

MEDIA_ROOT = tempfile.mkdtemp(prefix="credit_portal_test_media_")
# The query-log anchors of the tests go to a scratch folder too (each test gets its own file,
# tests/conftest.py), signed with a test key.
QUERY_LOG_ANCHOR_PATH = Path(tempfile.mkdtemp(prefix="credit_portal_test_anchors_")) / "anchors.jsonl"
QUERY_LOG_ANCHOR_KEY = "test-anchor-key-not-for-production-0123456789"
# Tasks run at once, in the test's own transaction (tests/subjects/test_tasks.py also runs them
# through a real worker against Redis).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
CACHES["batch_progress"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "bp"}  # noqa: F405

# A second alias on the same test database, as a read replica would be (tests/core/test_replica.py
# installs the router for its tests only; without it nothing reads from this alias).
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
