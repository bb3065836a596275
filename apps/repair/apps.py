from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepairConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.repair"
    verbose_name = _("Credit repair")

    def ready(self):
        from apps.repair.panels import interviews_panel, record_applications
        from apps.subjects.events import credit_file_panels, record_links

        credit_file_panels.connect(interviews_panel, dispatch_uid="repair.interviews_panel")
        record_links.connect(record_applications, dispatch_uid="repair.record_applications")
