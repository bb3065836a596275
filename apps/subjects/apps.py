from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubjectsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.subjects"
    verbose_name = _("Credit subjects and records")

    def ready(self):
        # The public portal's cached pages are replaced when what they show changes
        # (`apps.subjects.portal_cache`): records filed in bulk or changing status send the events,
        # every other save goes through post_save.
        from django.db.models.signals import post_delete, post_save

        from apps.catalog.models import Catalog, CatalogItem
        from apps.core.models import Organization
        from apps.subjects import events, portal_cache
        from apps.subjects.models import Commitment, CreditRecord, ResponsiblePerson, Subject

        events.record_created.connect(portal_cache.records_changed, dispatch_uid="subjects.portal_cache.created")
        events.record_status_changed.connect(portal_cache.records_changed, dispatch_uid="subjects.portal_cache.status")
        post_save.connect(portal_cache.record_saved, sender=CreditRecord, dispatch_uid="subjects.portal_cache.record")
        post_save.connect(portal_cache.commitment_saved, sender=Commitment, dispatch_uid="subjects.portal_cache.commit")
        post_save.connect(portal_cache.subject_saved, sender=Subject, dispatch_uid="subjects.portal_cache.subject")
        for signal in (post_save, post_delete):
            signal.connect(
                portal_cache.responsible_person_changed,
                sender=ResponsiblePerson,
                dispatch_uid=f"subjects.portal_cache.responsible.{signal is post_save}",
            )
        for model in (Catalog, CatalogItem, Organization):
            post_save.connect(
                portal_cache.reference_saved, sender=model, dispatch_uid=f"subjects.portal_cache.{model.__name__}"
            )
