from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceAgenciesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.service_agencies"
    verbose_name = _("Credit service agencies")
