"""Settings of a Celery worker process started by a test (tests/subjects/test_batch_jobs.py): the
test settings, with the queue, the database and the media folder of the test that started it."""

import os

from tests.settings import *  # noqa: F403
from tests.settings import DATABASES

CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = os.environ["TEST_WORKER_BROKER_URL"]
CELERY_TASK_DEFAULT_QUEUE = os.environ["TEST_WORKER_QUEUE"]
DATABASES["default"]["NAME"] = os.environ["TEST_WORKER_DATABASE"]
DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_WORKER_DATABASE"]}
MEDIA_ROOT = os.environ["TEST_WORKER_MEDIA_ROOT"]
