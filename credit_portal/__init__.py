# The Celery app is loaded with Django, so that `shared_task` tasks bind to it (credit_portal/celery.py).
from credit_portal.celery import app as celery_app

__all__ = ["celery_app"]
