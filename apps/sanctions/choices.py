from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.catalog.choices import MeasureTarget


class ListType(models.TextChoices):
    SERIOUS = "serious", _("Serious dishonesty list")
    KEY_ATTENTION = "key_attention", _("Key-attention list")
    RED = "red", _("Red list (trustworthy)")


# Which published measures a list's case may name (a measure for another list is refused).
MEASURE_TARGET = {
    ListType.SERIOUS: MeasureTarget.SERIOUS,
    ListType.KEY_ATTENTION: MeasureTarget.KEY_ATTENTION,
    ListType.RED: MeasureTarget.RED,
}


class CaseStatus(models.TextChoices):
    # serious list
    DRAFT = "draft", _("Draft")
    NOTICE_ISSUED = "notice_issued", _("Prior notice issued")
    STATEMENT_RECEIVED = "statement_received", _("Statement received")
    STATEMENT_LAPSED = "statement_lapsed", _("Statement period lapsed")
    DECIDED = "decided", _("Decided")
    DROPPED = "dropped", _("Dropped")
    PUBLISHED = "published", _("Published")
    REMOVED = "removed", _("Removed")
    # key-attention list
    ACTIVE = "active", _("On the list")
    ENDED = "ended", _("Ended after its validity")
    CONVERTED = "converted", _("Turned dishonest")
    # red list
    PROPOSED = "proposed", _("Proposed")
    PUBLIC_NOTICE = "public_notice", _("Public notice")
    CONFIRMED = "confirmed", _("Confirmed")
    RETURNED = "returned", _("Returned after an objection")


class RemovalReason(models.TextChoices):
    REPAIR = "repair", _("Credit repair")
    EXPIRY = "expiry", _("End of the listing period")
    REVOCATION = "revocation", _("Revocation of the underlying decision")
    COURT = "court", _("Court ruling")


class ReviewOutcome(models.TextChoices):
    """The credit authority's review (复核) of a listing the subject still objects to (Ningbo art. 28)."""

    UPHELD = "upheld", _("Upheld")
    OVERTURNED = "overturned", _("Overturned: the listing is revoked")


class EntryRole(models.TextChoices):
    """Who an entry puts on the list: the subject itself, or a responsible person of a listed
    organisation (Nanjing art. 43)."""

    SUBJECT = "subject", _("Listed subject")
    LEGAL_REPRESENTATIVE = "legal_representative", _("Legal representative")
    ACTUAL_CONTROLLER = "actual_controller", _("Actual controller")
    PRINCIPAL = "principal", _("Principal person in charge")
    DIRECTLY_RESPONSIBLE = "directly_responsible", _("Other directly responsible person")
