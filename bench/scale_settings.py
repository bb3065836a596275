"""Settings for `bench/scale.py`'s gunicorn: the test settings (keys, policy) without DEBUG, with the
bare-view peer of the check API mounted beside the project's URLs (bench/scale_urls.py)."""

from tests.settings import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.scale_urls"
LOGGING = {"version": 1, "disable_existing_loggers": False}
