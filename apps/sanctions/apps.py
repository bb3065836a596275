from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SanctionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.sanctions"
    verbose_name = _("Lists and joint sanctions")

    def ready(self):
        # The subjects app leaves hooks for what a listing changes in the credit files.
        from apps.sanctions import hooks
        from apps.subjects import disclosure, services

        disclosure.EXTENSIONS.append(hooks.serious_listing_end)
        services.RECORD_CREATED.append(hooks.dishonest_record_created)
