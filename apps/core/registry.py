"""Each project app may contribute to shared registries through modules of a fixed name
(`roles.py` for role permissions, `navigation.py` for menu entries)."""

from importlib import import_module
from types import ModuleType

from django.apps import apps

PROJECT_APP_PREFIXES = ("apps.", "tests.")


def project_submodules(name: str) -> list[ModuleType]:
    """`<app>.<name>` of every installed project app that has one, in INSTALLED_APPS order."""
    modules = []
    for app_config in apps.get_app_configs():
        if not app_config.name.startswith(PROJECT_APP_PREFIXES):
            continue
        dotted = f"{app_config.name}.{name}"
        try:
            modules.append(import_module(dotted))
        except ModuleNotFoundError as error:
            if error.name != dotted:
                raise
    return modules
