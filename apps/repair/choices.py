from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RepairStatus(models.TextChoices):
    """The steps are in `apps.repair.services.REPAIR_CASE`."""

    RECEIVED = "received", _("Received, not yet accepted")
    REFUSED = "refused", _("Not accepted")
    REVIEWING = "reviewing", _("Accepted, under review")
    MATERIAL = "material", _("Waiting for more material")
    GRACE = "grace", _("Grace period granted")
    REPAIRED = "repaired", _("Decided: repaired")
    NOT_REPAIRED = "not_repaired", _("Decided: not repaired")
    DELIVERED = "delivered", _("Decision delivered")


class Outcome(models.TextChoices):
    REPAIRED = "repaired", pgettext_lazy("repair outcome", "Repaired")
    NOT_REPAIRED = "not_repaired", _("Not repaired")


class RefusalGround(models.TextChoices):
    """Why an application was not accepted, for the statistics (the reasons are written out too)."""

    TOO_EARLY = "too_early", _("Minimum publication period not over")
    NOT_DISCLOSED = "not_disclosed", _("Not within the disclosure period")
    UNREPAIRABLE = "unrepairable", _("Not repairable by law")
    NOT_CORRECTED = "not_corrected", _("Conduct not corrected or obligations not met")
    INCOMPLETE = "incomplete", _("Material incomplete or not genuine")
    OTHER = "other", _("Other")


class Means(models.TextChoices):
    """How the subject repaired its credit: the union of the regulations' lists (Nanjing art. 60
    para. 2, Tianjin art. 45, Ningbo art. 44 para. 2); `MEANS_BY_CITY` says which a city names."""

    CORRECTED = "corrected", _("Corrected the dishonest conduct, removed its effects")
    OBLIGATIONS = "obligations", _("Met the obligations (paid the fine, served the penalty)")
    COMMITMENT = "commitment", _("Made a credit commitment")
    RECTIFICATION = "rectification", _("Completed credit rectification")
    VERIFICATION = "verification", _("Passed a credit check")
    REPORT = "report", _("Submitted a credit report")
    TRAINING = "training", _("Attended special training")
    CHARITY = "charity", _("Took part in public welfare or charity")
    LIABILITY = "liability", _("Bore the liability for breach")
    SETTLEMENT = "settlement", _("Settled with the right holder")


# Which means each city's regulation names (the national rules need the conduct corrected, the
# obligations met and a commitment made in every city: those three are always offered).
_ALWAYS = (Means.CORRECTED, Means.OBLIGATIONS, Means.COMMITMENT)
MEANS_BY_CITY = {
    # Nanjing art. 60 para. 2: 公开信用承诺、提交信用报告、承担违约责任、与权利人和解
    "nanjing": (*_ALWAYS, Means.REPORT, Means.LIABILITY, Means.SETTLEMENT),
    # Tianjin art. 45: 纠正失信行为、消除不良影响、作出信用承诺、完成信用整改、通过信用核查、
    # 接受专题培训、提交信用报告、参加公益慈善活动
    "tianjin": (
        *_ALWAYS,
        Means.RECTIFICATION,
        Means.VERIFICATION,
        Means.TRAINING,
        Means.REPORT,
        Means.CHARITY,
    ),
    # Dalian art. 44: 主动履行义务、依法纠正失信行为消除不良影响
    "dalian": _ALWAYS,
    # Ningbo art. 44 para. 2: 消除不良影响、信用承诺、信用整改、信用核查、专题培训、公益或志愿服务
    "ningbo": (*_ALWAYS, Means.RECTIFICATION, Means.VERIFICATION, Means.TRAINING, Means.CHARITY),
    # Zhangye art. 52: by the national measures
    "zhangye": (*_ALWAYS, Means.RECTIFICATION, Means.TRAINING, Means.REPORT, Means.CHARITY),
}


def means_for(policy) -> list[Means]:
    """The means the active city offers (every means when the preset is not one of the five)."""
    return list(MEANS_BY_CITY.get(policy.code, tuple(Means)))


class Channel(models.TextChoices):
    WINDOW = "window", _("At the window")
    ONLINE = "online", _("Online")
    FORWARDED = "forwarded", _("Forwarded")


class GoodInfoStatus(models.TextChoices):
    """The steps are in `apps.repair.good_info.GOOD_INFO_CASE`."""

    RECEIVED = "received", _("Received")
    APPLIED = "applied", _("Applied: not disclosed")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Published again on request")


class InterviewKind(models.TextChoices):
    """Tianjin art. 44: 提示约谈 or 警示约谈 during the disclosure period."""

    PROMPT = "prompt", _("Prompt interview")
    WARNING = "warning", _("Warning interview")


class EventKind(models.TextChoices):
    """What the outbound feed tells other systems (Tianjin art. 45 para. 2: 共享至相关部门和信用服务机构)."""

    REPAIRED = "repaired", pgettext_lazy("repair event", "Repaired")
    HIDDEN = "hidden", _("Good information not disclosed")
    REPUBLISHED = "republished", _("Good information published again")
