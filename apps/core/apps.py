from django.apps import AppConfig
from django.db.models.signals import post_migrate
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


class CoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.core"
    verbose_name = _("Platform")

    def ready(self):
        from apps.core import checks, recompute, signals  # noqa: F401

        # Connected for this app only, so it runs once per migrate, after all migrations.
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="core_after_migrate")
