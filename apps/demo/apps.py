from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Installed only so that Django finds the `seed_demo` command; the package has no models."""

    name = "apps.demo"
