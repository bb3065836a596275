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
