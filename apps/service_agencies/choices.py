from django.db import models
from django.utils.translation import gettext_lazy as _


class FilingStatus(models.TextChoices):
    """A registry filing's states; the steps are `apps.service_agencies.services.REGISTRY_FILING`."""

    FILED = "filed", _("Filed, awaiting review")
    RETURNED = "returned", _("Returned to the agency")
    ACCEPTED = "accepted", _("Accepted")
    PUBLISHED = "published", _("Published on the registry")
    REMOVED = "removed", _("Removed from the registry")
