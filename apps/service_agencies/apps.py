from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceAgenciesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.service_agencies"
    verbose_name = _("Credit service agencies")

    def ready(self):
        from apps.service_agencies.panels import pushed_reports_panel
        from apps.subjects.events import credit_file_panels

        credit_file_panels.connect(pushed_reports_panel, dispatch_uid="service_agencies.pushed_reports_panel")
