from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SubjectStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Deregistered or deceased")


class RecordStatus(models.TextChoices):
    """A record's lifecycle (`apps.subjects.record_workflow.RECORD_LIFECYCLE`). Whether it is under
    objection is not a status: it is the mark beside it (`ObjectionMark`)."""

    ACTIVE = "active", _("Active")
    REPAIRED = "repaired", _("Repaired")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")
    HIDDEN = "hidden", _("Hidden on request")


class ObjectionMark(models.TextChoices):
    """The objection mark (异议标注) beside a record's status (`CreditRecord.objection_since`):
    set while an objection to the record is open, whatever the status becomes meanwhile
    (`apps.subjects.record_workflow.OBJECTION_MARK`)."""

    UNMARKED = "unmarked", _("Not under objection")
    MARKED = "marked", _("Under objection")


class CommitmentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    KEPT = "kept", _("Kept")
    BROKEN = "broken", _("Broken")


class BatchStatus(models.TextChoices):
    """checking → validated | has_errors → submitting → submitted → integrated.

    `checking` and `submitting`: the step is queued or running on a worker (`BatchStep` says
    which); has_errors may still be submitted (valid rows only). A step whose job fails leaves
    `failed` with the reason and nothing written; the same step can then be run again."""

    CHECKING = "checking", _("Being checked")
    VALIDATED = "validated", _("Checked, no errors")
    HAS_ERRORS = "has_errors", _("Checked, with errors")
    SUBMITTING = "submitting", _("Being submitted")
    SUBMITTED = "submitted", _("Submitted")
    INTEGRATED = "integrated", _("Integrated")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    FAILED = "failed", _("Failed")


class BatchStep(models.TextChoices):
    """The background step of a batch that is queued, running, or failed last."""

    CHECK = "check", pgettext_lazy("batch step", "Check")
    SUBMIT = "submit", pgettext_lazy("batch step", "Submit")


class Channel(models.TextChoices):
    WEB = "web", _("Upload")
    API = "api", _("API")


class DisclosureBasis(models.TextChoices):
    """Which rule set a record's disclosure end (stored with the end, shown in the credit file)."""

    CITY = "city", _("City regulation's period")
    BEFORE_NATIONAL = (
        "before_national",
        _("City regulation's period: no national limit was in force for it on the determination date"),
    )
    NATIONAL_WITHIN = "national_within", _("City regulation's period, within the national range")
    NATIONAL_MAX = "national_max", _("National maximum from the determination date (the city's period is longer)")
    NATIONAL_MIN = "national_min", _("National minimum from the determination date (the city's period is shorter)")
    # Records determined while the 2023 national measures were in force (administrative penalties).
    NATIONAL_2023_WITHIN = (
        "national_2023_within",
        _("City regulation's period, within the range of the 2023 national measures"),
    )
    NATIONAL_2023_MAX = (
        "national_2023_max",
        _("Maximum of the 2023 national measures from the determination date (the city's period is longer)"),
    )
    NATIONAL_2023_MIN = (
        "national_2023_min",
        _("Minimum of the 2023 national measures from the determination date (the city's period is shorter)"),
    )
    ITEM = "item", _("The catalog item's own period")
    NOT_PUBLISHED = "not_published", _("Minor dishonest information: not published")
    LISTING = "listing", _("Extended while on the serious list")
    LISTING_PAST_NATIONAL = (
        "listing_past_national",
        _("Extended past the national maximum while on the serious list (the listing's own period)"),
    )


class DisclosureRequestStatus(models.TextChoices):
    """A request for information disclosed on request (`apps.subjects.disclosure_requests`)."""

    RECEIVED = "received", _("Received")
    ACCEPTED = "accepted", _("Accepted")
    ANSWERED = "answered", _("Answered")
    REFUSED = "refused", _("Refused")


class AccessForm(models.TextChoices):
    """How information disclosed on request is given (Nanjing art. 27: 提供复制件、安排查阅)."""

    COPY = "copy", _("A copy")
    INSPECTION = "inspection", _("Inspection at the service window")
