from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ObjectionStatus(models.TextChoices):
    """The steps are in `apps.objections.services.OBJECTION_CASE`."""

    RECEIVED = "received", _("Received, not yet accepted")
    MARKED = "marked", _("Accepted and marked")
    FORWARDED = "forwarded", _("Forwarded to the providing agency")
    ANSWERED = "answered", _("Answered by the agency")
    # "Decided" alone is a listing case's 已认定; an objection is 已作出处理.
    DECIDED = "decided", pgettext_lazy("objection status", "Decided")
    CLOSED = "closed", _("Applicant informed")
    REFUSED = "refused", _("Not accepted")


class Ground(models.TextChoices):
    """Nanjing art. 58 para. 2, Ningbo art. 42: 错误、遗漏或者侵犯其商业秘密、个人隐私."""

    ERROR = "error", _("Wrong information")
    OMISSION = "omission", _("Missing information")
    TRADE_SECRET = "trade_secret", _("Infringes a trade secret")
    PRIVACY = "privacy", _("Infringes privacy or other personal information")


class Channel(models.TextChoices):
    WINDOW = "window", _("At the window")
    ONLINE = "online", _("Online")
    LETTER = "letter", _("By letter")
    AGENCY = "agency", _("Forwarded by an agency")
    SERVICE_AGENCY = "service_agency", _("Forwarded by a credit service agency")
    DIRECT = "direct", _("Filed with the providing agency")


class Outcome(models.TextChoices):
    CORRECTED = "corrected", _("Corrected")
    DELETED = "deleted", _("Deleted")
    # "Kept" alone is a commitment's 已履约; an objection's record is 予以维持.
    KEPT = "kept", pgettext_lazy("objection outcome", "Kept")


class RevocationStatus(models.TextChoices):
    """The steps are in `apps.objections.revocations.REVOCATION_CASE`."""

    FILED = "filed", _("Filed by the agency")
    APPLIED = "applied", _("Applied to the records")
    RETURNED = "returned", _("Returned to the agency")


class RevocationKind(models.TextChoices):
    """What became of the decision a record rests on (Nanjing art. 59: 撤销; Tianjin art. 43:
    撤销或者变更; Dalian art. 43: 自行更正、复议或判决撤销; Ningbo art. 43: 撤销、变更、确认违法或无效)."""

    REVOKED = "revoked", _("Decision revoked")
    CHANGED = "changed", _("Decision changed")
    UNLAWFUL = "unlawful", _("Decision found unlawful or void")


class AgencyObjectionStatus(models.TextChoices):
    """An objection received by a credit service agency; the steps are in
    `apps.objections.agency.AGENCY_OBJECTION_CASE`."""

    RECEIVED = "received", _("Received, not yet marked")
    MARKED = "marked", _("Marked as under objection")
    DECIDED = "decided", _("Decided, the reply issued")


class AgencyOutcome(models.TextChoices):
    """A service agency decides whether to correct its information (是否更正, Ningbo art. 42 para. 3);
    not correcting it is a refusal that states its reasons (Tianjin art. 41 para. 2, Dalian art. 42)."""

    CORRECTED = "corrected", _("Corrected")
    KEPT = "kept", _("Not corrected (kept)")
