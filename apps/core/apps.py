import os
import sys
import threading

from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


def _after_migrate(sender, using="default", verbosity=1, **kwargs):
    """After every migrate: permissions of every app, role groups, append-only triggers."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.db import connections

    from apps.core.audit import install_append_only_triggers
    from apps.core.permissions import sync_roles

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    sync_roles()
    covered = install_append_only_triggers(connections[using])
    if verbosity >= 2:
        print(f"  append-only triggers on {covered} tables")


def _before_migrate(sender, using="default", **kwargs):
    """SQLite's append-only triggers name every column of their history table, so SQLite refuses
    to drop a column of a protected table while they stand ("error in trigger … no such column").
    They are lifted for the migration run and put back, for the tables as they are then, by
    `_after_migrate`. PostgreSQL's triggers name no column and stay."""
    from django.db import connections

    from apps.core.audit import drop_append_only_triggers

    connection = connections[using]
    if connection.vendor == "sqlite":
        drop_append_only_triggers(connection)


class CoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.core"
    verbose_name = _("Platform")

    def ready(self):
        from apps.core import checks, recompute, signals  # noqa: F401

        # Connected for this app only, so it runs once per migrate, after all migrations.
        pre_migrate.connect(_before_migrate, sender=self, dispatch_uid="core_before_migrate")
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="core_after_migrate")
        if _serving_dev_server():
            # Once every app is loaded: the worker it starts sets Django up again otherwise.
            threading.Thread(target=_start_embedded_jobs, name="embedded-jobs-start", daemon=True).start()


def _start_embedded_jobs():
    from django.apps import apps
    from django.conf import settings

    from credit_portal.celery import embedded_jobs_start

    apps.ready_event.wait()
    embedded_jobs_start(str(settings.EMBEDDED_JOBS_SCHEDULE))


def _serving_dev_server() -> bool:
    """`manage.py runserver` in the process that serves (the autoreloader's child, or the only
    process with --noreload), with EMBEDDED_JOBS on: `make run` runs the daily jobs itself."""
    from django.conf import settings

    if not settings.EMBEDDED_JOBS or len(sys.argv) < 2 or sys.argv[1] != "runserver":
        return False
    return os.environ.get("RUN_MAIN") == "true" or "--noreload" in sys.argv
