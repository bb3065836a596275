from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SanctionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.sanctions"
    verbose_name = _("Lists and joint sanctions")

    def ready(self):
        # What a listing changes in the credit files, through the subjects app's events.
        from apps.sanctions import events as sanctions_events
        from apps.sanctions import hooks
        from apps.subjects import events

        events.disclosure_extensions.connect(hooks.serious_listing_end, dispatch_uid="sanctions.serious_listing_end")
        events.record_created.connect(hooks.dishonest_record_created, dispatch_uid="sanctions.key_attention")
        events.record_links.connect(hooks.record_cases, dispatch_uid="sanctions.record_cases")
        events.public_file_panels.connect(hooks.public_list_entries, dispatch_uid="sanctions.public_list_entries")
        events.public_file_presence.connect(hooks.public_list_presence, dispatch_uid="sanctions.public_list_presence")
        # The public portal shows the published list entries: its cached pages follow them.
        sanctions_events.listing_started.connect(hooks.public_entries_changed, dispatch_uid="sanctions.portal_started")
        sanctions_events.listing_ended.connect(hooks.public_entries_changed, dispatch_uid="sanctions.portal_ended")
