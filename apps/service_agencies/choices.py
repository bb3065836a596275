from django.db import models
from django.utils.translation import gettext_lazy as _


class FilingStatus(models.TextChoices):
    """A registry filing's states; the steps are `apps.service_agencies.services.REGISTRY_FILING`."""

    FILED = "filed", _("Filed, awaiting review")
    RETURNED = "returned", _("Returned to the agency")
    ACCEPTED = "accepted", _("Accepted")
    PUBLISHED = "published", _("Published on the registry")
    REMOVED = "removed", _("Removed from the registry")


class ActionKind(models.TextChoices):
    """What the authority does in supervising an agency (Ningbo art. 52, Nanjing art. 69, Tianjin
    art. 47)."""

    INSPECTION = "inspection", _("Inspection")
    INQUIRY = "inquiry", _("Inquiry")
    MATERIALS = "materials", _("Request for materials")
    INTERVIEW = "interview", _("Interview (约谈)")
    SPOT_CHECK = "spot_check", _("Spot check of a rating report")
    PENALTY = "penalty", _("Penalty")
    RESTRICTION = "restriction", _("Restriction of its rating products")


class Finding(models.TextChoices):
    """The result of a spot check of a rating or evaluation report (Nanjing art. 69)."""

    COMPLIANT = "compliant", _("Compliant")
    FALSE = "false", _("False or misleading report")


class MatterKind(models.TextChoices):
    """The government matter in which a credit service agency's report was used and that obliges
    the body to push it into the platform (Nanjing art. 65)."""

    APPROVAL = "approval", _("Administrative approval (行政审批)")
    PROCUREMENT = "procurement", _("Government procurement (政府采购)")
    TENDER = "tender", _("Tendering and bidding (招标投标)")
    SUBSIDY = "subsidy", _("Policy support funds (政策扶持资金)")
    OTHER = "other", _("Other administrative matter")
