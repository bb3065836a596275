"""Enumerations of the catalog app; the subjects and sanctions apps use them too."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    NATIONAL = "national", _("National level")
    PROVINCIAL = "provincial", _("Provincial level")
    CITY = "city", _("City level")


class ListStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONSULTATION = "consultation", _("Public consultation")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")


class Category(models.TextChoices):
    BASIC = "basic", _("Basic information")
    GOOD = "good", _("Good information")
    DISHONEST = "dishonest", _("Dishonest information")
    OTHER = "other", _("Other information")


class ReportSection(models.TextChoices):
    """The sections of a public credit report (公共信用信息报告) a record is shown in."""

    BASIC = "basic", _("Basic information")
    LICENCE = "licence", _("Administrative licences")
    PENALTY = "penalty", _("Administrative penalties")
    SERIOUS_LIST = "serious_list", _("Serious dishonesty list entries")
    COMMITMENT = "commitment", _("Credit commitments and their fulfilment")
    GOOD = "good", _("Good information")
    OTHER = "other", _("Other information")


# Where an item's records go when it does not say.
DEFAULT_REPORT_SECTION = {
    "basic": ReportSection.BASIC,
    "good": ReportSection.GOOD,
    "dishonest": ReportSection.PENALTY,
    "other": ReportSection.OTHER,
}


class Severity(models.TextChoices):
    """National tiers of dishonest conduct (DESIGN.md section 5)."""

    MINOR = "minor", _("Minor")
    GENERAL = "general", _("General")
    SERIOUS = "serious", _("Serious")


class SubjectType(models.TextChoices):
    NATURAL_PERSON = "natural_person", _("Natural person")
    LEGAL_PERSON = "legal_person", _("Legal person")
    UNINCORPORATED = "unincorporated", _("Unincorporated organisation")


class Disclosure(models.TextChoices):
    PUBLIC = "public", _("Disclosed to the public")
    ON_REQUEST = "on_request", _("Disclosed on request")
    GOVERNMENT = "government", _("Shared with government")
    NONE = "none", _("Not disclosed")


class Frequency(models.TextChoices):
    REALTIME = "realtime", _("Real time")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    ON_OCCURRENCE = "on_occurrence", _("On occurrence")


class PeriodRule(models.TextChoices):
    POLICY = "policy", _("The city policy's period for the record's severity")
    ITEM = "item", _("A period of its own")
    UNLIMITED = "unlimited", _("No end (kept current)")


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    INTEGER = "integer", _("Integer")
    DECIMAL = "decimal", _("Decimal")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    BOOLEAN = "boolean", _("Yes/no")


class MeasureKind(models.TextChoices):
    REWARD = "reward", _("Reward")
    SANCTION = "sanction", _("Sanction")


class MeasureTarget(models.TextChoices):
    """The list or status a measure applies to."""

    SERIOUS = "serious", _("Serious dishonesty list")
    DISHONEST = "dishonest", _("General dishonest status")
    KEY_ATTENTION = "key_attention", _("Key-attention list")
    RED = "red", _("Red list (trustworthy)")
    NO_DISHONEST = "no_dishonest", _("No dishonest record")


class Matter(models.TextChoices):
    """The matters in which rewards and sanctions apply (Nanjing art. 33, Tianjin art. 31)."""

    ADMINISTRATIVE_LICENSING = "administrative_licensing", _("Administrative licensing")
    PUBLIC_PROCUREMENT = "public_procurement", _("Government procurement")
    BIDDING = "bidding", _("Tendering and bidding")
    FISCAL_FUNDING = "fiscal_funding", _("Fiscal funding support")
    HONOURS = "honours", _("Commendations and awards")
    DAILY_SUPERVISION = "daily_supervision", _("Day-to-day supervision")
    PUBLIC_RESOURCE_TRADING = "public_resource_trading", _("Public resource trading")
    QUALIFICATION = "qualification", _("Appointment qualifications")
    HIGH_CONSUMPTION = "high_consumption", _("High consumption")
    LAND_TRANSFER = "land_transfer", _("Transfer of state-owned land use rights")
    FINANCING = "financing", _("Credit and financing")
    MARKET_ACCESS = "market_access", _("Market access")
    PUBLIC_SERVICE = "public_service", _("Public services")
