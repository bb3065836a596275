from django.db import models
from django.utils.translation import gettext_lazy as _


class SubjectStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Deregistered or deceased")


class ResponsibleRole(models.TextChoices):
    """People responsible for an organisation (Nanjing art. 43, Tianjin art. 32)."""

    LEGAL_REPRESENTATIVE = "legal_representative", _("Legal representative")
    ACTUAL_CONTROLLER = "actual_controller", _("Actual controller")
    PRINCIPAL = "principal", _("Principal person in charge")
    DIRECTLY_RESPONSIBLE = "directly_responsible", _("Other directly responsible person")


class RecordStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    OBJECTION = "objection", _("Under objection")
    REPAIRED = "repaired", _("Repaired")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")
    HIDDEN = "hidden", _("Hidden on request")


class CommitmentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    KEPT = "kept", _("Kept")
    BROKEN = "broken", _("Broken")


class BatchStatus(models.TextChoices):
    """validated → submitted → integrated; has_errors may still be submitted (valid rows only)."""

    VALIDATED = "validated", _("Checked, no errors")
    HAS_ERRORS = "has_errors", _("Checked, with errors")
    SUBMITTED = "submitted", _("Submitted")
    INTEGRATED = "integrated", _("Integrated")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Channel(models.TextChoices):
    WEB = "web", _("Upload")
    API = "api", _("API")
