from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ObjectionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.objections"
    verbose_name = _("Objections")
