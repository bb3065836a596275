"""The city's rules (本市规则, `Policy`: every figure the regulations set, with its article, and the
national limits above them) and the working-day overrides of the holiday calendar."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.audit import AuditedModel, history
from apps.core.choices import DisclosureStart, GoodInfoHiding, ResponsibleRole, RuleSource

# The responsible people of an organisation a listing may be recorded for (Nanjing art. 43,
# Tianjin art. 32, Dalian art. 36, Zhangye art. 48).
RESPONSIBLE_ROLES = tuple(ResponsibleRole.values)


class NationalRuleSet(StrEnum):
    """Which national rule binds a record's publication period (chosen by its determination date):
    the current rules (国办发〔2025〕22号, 信用修复管理办法) or the 2023 measures before them."""

    CURRENT = "current"
    MEASURES_2023 = "2023"


class NationalLimits(NamedTuple):
    """The national rule binding a record and its (at least, at most) months of publication."""

    rule: str
    low: int
    high: int


# The figures of the 2023 national measures: all given, or none.
NATIONAL_2023_FIGURES = (
    "national_2023_general_min_months",
    "national_2023_general_max_months",
    "national_2023_serious_min_months",
    "national_2023_serious_max_months",
    "national_2023_effective_from",
)


class Policy(AuditedModel):
    """The city's rules (本市规则): every figure the regulations set, with the article it comes from.

    Five presets ship as fixtures (fixtures/policies/<city>.json). The active one is chosen by the
    CREDIT_POLICY setting; the authority edits its figures in the admin, with history. Each figure
    has a `*_basis` field saying which article it comes from, or why the preset chose it where
    the regulation is silent ("—" in DESIGN.md section 5).
    """

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    city = models.CharField(_("city"), max_length=20)
    regulation = models.CharField(_("regulation"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    # Objections (异议)
    objection_mark_days = models.PositiveSmallIntegerField(
        _("objection mark within (working days)"), help_text=_("0 means on the day of receipt.")
    )
    objection_mark_days_basis = models.CharField(_("basis"), max_length=300)
    objection_office_decision_days = models.PositiveSmallIntegerField(
        _("credit office decides an objection within (working days)")
    )
    objection_office_decision_days_basis = models.CharField(_("basis"), max_length=300)
    objection_applicant_notice_days = models.PositiveSmallIntegerField(
        _("applicant told of the outcome within (working days)")
    )
    objection_applicant_notice_days_basis = models.CharField(_("basis"), max_length=300)
    objection_forward_days = models.PositiveSmallIntegerField(
        _("objection forwarded to the providing agency within (working days)")
    )
    objection_forward_days_basis = models.CharField(_("basis"), max_length=300)
    objection_agency_answer_days = models.PositiveSmallIntegerField(
        _("agency answers a forwarded objection within (working days)")
    )
    objection_agency_answer_days_basis = models.CharField(_("basis"), max_length=300)
    objection_forwarded_overall_days = models.PositiveSmallIntegerField(
        _("objection needing the agency's check settled overall within (working days)"),
        null=True,
        blank=True,
        help_text=_("Counted from receipt; forwarding and the agency's answer fit within it. Empty: no overall limit."),
    )
    objection_forwarded_overall_days_basis = models.CharField(_("basis"), max_length=300, default="", blank=True)
    objection_agency_direct_days = models.PositiveSmallIntegerField(
        _("agency decides an objection filed with it within (working days)")
    )
    objection_agency_direct_days_basis = models.CharField(_("basis"), max_length=300)
    objection_clock_pause_allowed = models.BooleanField(
        _("deadline paused for testing or expert review"), default=False
    )
    objection_clock_pause_allowed_basis = models.CharField(_("basis"), max_length=300)
    service_agency_objection_mark_days = models.PositiveSmallIntegerField(
        _("service agency marks an objection within (working days)")
    )
    service_agency_objection_mark_days_basis = models.CharField(_("basis"), max_length=300)
    service_agency_objection_decision_days = models.PositiveSmallIntegerField(
        _("service agency decides an objection within (working days)")
    )
    service_agency_objection_decision_days_basis = models.CharField(_("basis"), max_length=300)

    # Revoked decisions (撤销/变更)
    revocation_agency_notice_days = models.PositiveSmallIntegerField(
        _("revoking agency tells the credit office within (working days)")
    )
    revocation_agency_notice_days_basis = models.CharField(_("basis"), max_length=300)
    revocation_office_change_days = models.PositiveSmallIntegerField(
        _("credit office changes the record within (working days)")
    )
    revocation_office_change_days_basis = models.CharField(_("basis"), max_length=300)

    # Credit service agencies (信用服务机构, apps.service_agencies)
    agency_materials_days = models.PositiveSmallIntegerField(
        _("service agency hands in requested materials within (working days)"), null=True, blank=True
    )
    agency_materials_days_basis = models.CharField(_("basis"), max_length=300, default="", blank=True)
    service_agency_free_reports_per_year = models.PositiveSmallIntegerField(
        _("free credit reports a service agency gives one person per year"),
        null=True,
        blank=True,
        help_text=_("Empty: no limit."),
    )
    service_agency_free_reports_per_year_basis = models.CharField(_("basis"), max_length=300, default="", blank=True)

    # Disclosure on request (依申请公开, Nanjing art. 27)
    disclosure_request_days = models.PositiveSmallIntegerField(
        _("credit office answers a request for disclosure within (working days)"),
        null=True,
        blank=True,
        help_text=_("Counted from receipt. Empty: the regulation sets no period, and no clock runs."),
    )
    disclosure_request_days_basis = models.CharField(_("basis"), max_length=300, default="", blank=True)

    # Disclosure of dishonest information (失信信息公开/查询期限)
    disclosure_start = models.CharField(_("disclosure period starts"), max_length=20, choices=DisclosureStart.choices)
    disclosure_start_basis = models.CharField(_("basis"), max_length=300)
    disclosure_custodial_from_sentence_end = models.BooleanField(
        _("custodial sentences counted from their end"), default=False
    )
    disclosure_custodial_from_sentence_end_basis = models.CharField(_("basis"), max_length=300)
    disclosure_minor_months = models.PositiveSmallIntegerField(
        _("minor dishonest information, where its catalog item publishes it, disclosed for (months)"),
        help_text=_(
            "Minor dishonest information is published only under a catalog item that says so; this is "
            "its period then. 0: never published, whatever the item says."
        ),
    )
    disclosure_minor_months_basis = models.CharField(_("basis"), max_length=300)
    disclosure_general_months = models.PositiveSmallIntegerField(
        _("general dishonest information disclosed for (months)")
    )
    disclosure_general_months_basis = models.CharField(_("basis"), max_length=300)
    disclosure_serious_months = models.PositiveSmallIntegerField(
        _("serious dishonest information disclosed for (months)")
    )
    disclosure_serious_months_basis = models.CharField(_("basis"), max_length=300)
    disclosure_extended_while_listed = models.BooleanField(
        _("disclosure extended while on the serious list"), default=True
    )
    disclosure_extended_while_listed_basis = models.CharField(_("basis"), max_length=300)
    market_disclosure_general_months = models.PositiveSmallIntegerField(
        _("general market information disclosed for (months)"), null=True, blank=True
    )
    market_disclosure_serious_months = models.PositiveSmallIntegerField(
        _("serious market information disclosed for (months)"), null=True, blank=True
    )
    market_disclosure_basis = models.CharField(_("basis"), max_length=300, blank=True)

    # National rules (国办发〔2025〕22号; NDRC 信用修复管理办法, in force from 2026-04-01).
    national_minor_max_months = models.PositiveSmallIntegerField(_("national: minor, at most (months)"))
    national_general_min_months = models.PositiveSmallIntegerField(_("national: general, at least (months)"))
    national_general_max_months = models.PositiveSmallIntegerField(_("national: general, at most (months)"))
    national_serious_min_months = models.PositiveSmallIntegerField(_("national: serious, at least (months)"))
    national_serious_max_months = models.PositiveSmallIntegerField(_("national: serious, at most (months)"))
    national_rules_effective_from = models.DateField(_("national rules in force from"))
    national_rules_basis = models.CharField(_("basis"), max_length=300)
    # The national rule before it: NDRC order 2023 No. 58, 失信行为纠正后的信用信息修复管理办法（试行）,
    # in force from 2023-05-01 until the rule above replaced it. Its periods are set for
    # administrative-penalty information only, and it has no minor tier.
    national_2023_general_min_months = models.PositiveSmallIntegerField(
        _("2023 national measures: general penalty information, at least (months)"), null=True, blank=True
    )
    national_2023_general_max_months = models.PositiveSmallIntegerField(
        _("2023 national measures: general penalty information, at most (months)"), null=True, blank=True
    )
    national_2023_serious_min_months = models.PositiveSmallIntegerField(
        _("2023 national measures: serious penalty information, at least (months)"), null=True, blank=True
    )
    national_2023_serious_max_months = models.PositiveSmallIntegerField(
        _("2023 national measures: serious penalty information, at most (months)"), null=True, blank=True
    )
    national_2023_effective_from = models.DateField(
        _("2023 national measures in force from"),
        null=True,
        blank=True,
        help_text=_(
            "They bind administrative-penalty records (items whose credit report section is administrative "
            "penalties) determined from this day until the national rules above took effect. Empty: no earlier "
            "national rule; records determined before the national rules keep the city's period."
        ),
    )
    national_2023_basis = models.CharField(_("basis"), max_length=300, default="", blank=True)
    disclosure_rule = models.CharField(
        _("disclosure periods follow"), max_length=10, choices=RuleSource.choices, default=RuleSource.CITY
    )
    disclosure_rule_reason = models.TextField(_("why"), blank=True)

    # Lists (名单)
    listing_statement_days = models.PositiveSmallIntegerField(
        _("statement and defence after a prior notice (working days)")
    )
    listing_statement_days_basis = models.CharField(_("basis"), max_length=300)
    listing_review_by_authority = models.BooleanField(
        _("objections to a listing reviewed by the authority"), default=False
    )
    listing_review_by_authority_basis = models.CharField(_("basis"), max_length=300)
    listing_responsible_roles = models.JSONField(
        _("responsible people recorded with an organisation's listing"),
        default=list,
        blank=True,
        help_text=_(
            "Roles among legal_representative, actual_controller, principal, directly_responsible; "
            "empty: the listing is recorded for the organisation only."
        ),
    )
    listing_responsible_roles_basis = models.CharField(_("basis"), max_length=300, default="")
    remedies_reconsideration_days = models.PositiveSmallIntegerField(
        _("administrative reconsideration within (days of receipt)"), null=True, blank=True
    )
    remedies_lawsuit_months = models.PositiveSmallIntegerField(
        _("administrative lawsuit within (months)"), null=True, blank=True
    )
    remedies_basis = models.CharField(_("basis"), max_length=300, default="", blank=True)
    key_attention_months = models.PositiveSmallIntegerField(
        _("key-attention list valid for (months)"),
        null=True,
        blank=True,
        help_text=_("Empty: the city's regulation has no key-attention list, and none is kept."),
    )
    key_attention_months_basis = models.CharField(_("basis"), max_length=300)
    red_list_notice_days = models.PositiveSmallIntegerField(_("red-list public notice (working days)"))
    red_list_notice_days_basis = models.CharField(_("basis"), max_length=300)

    # Repair, good information, reports
    repair_accept_days = models.PositiveSmallIntegerField(
        _("credit repair: application accepted or refused within (working days)"), default=3
    )
    repair_accept_days_basis = models.CharField(_("basis"), max_length=300, default="", blank=True)
    repair_decision_days = models.PositiveSmallIntegerField(
        _("credit repair: decided within (working days from acceptance)"), default=10
    )
    repair_decision_days_basis = models.CharField(_("basis"), max_length=300, default="", blank=True)
    repair_material_pause = models.BooleanField(
        _("credit repair: the time for more material does not count"), default=True
    )
    repair_material_pause_basis = models.CharField(_("basis"), max_length=300, default="", blank=True)
    repaired_shown_in_authorised = models.BooleanField(
        _("repaired information shown, marked, in authorised lookups"),
        default=False,
        help_text=_("Off: repaired information leaves every outside lookup and stays in the subject's own."),
    )
    repaired_shown_in_authorised_basis = models.CharField(_("basis"), max_length=300, default="", blank=True)
    repair_grace_period_allowed = models.BooleanField(_("repair grace period (宽限期)"), default=False)
    repair_grace_period_allowed_basis = models.CharField(_("basis"), max_length=300)
    good_info_hiding = models.CharField(
        _("good information hidden on request by"), max_length=20, choices=GoodInfoHiding.choices
    )
    good_info_hide_days = models.PositiveSmallIntegerField(_("good information hidden within (working days)"))
    good_info_hide_days_basis = models.CharField(_("basis"), max_length=300)
    self_declared_hide_days = models.PositiveSmallIntegerField(
        _("self-declared market information hidden within (working days)"), null=True, blank=True
    )
    self_declared_hide_days_basis = models.CharField(_("basis"), max_length=300, default="", blank=True)
    free_reports_per_year = models.PositiveSmallIntegerField(
        _("free credit reports per year"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    free_reports_per_year_basis = models.CharField(_("basis"), max_length=300)

    # Integration and queries
    integration_days = models.PositiveSmallIntegerField(_("batches integrated into credit files within (working days)"))
    integration_days_basis = models.CharField(_("basis"), max_length=300)
    query_abnormal_control = models.BooleanField(_("abnormal query volume control"), default=True)
    query_daily_threshold = models.PositiveIntegerField(
        _("lookups per user and day before the user is flagged"), validators=[MinValueValidator(1)]
    )
    query_control_basis = models.CharField(_("basis"), max_length=300)
    query_log_retention_years = models.PositiveSmallIntegerField(
        _("query log kept for (years)"), null=True, blank=True, help_text=_("Empty: kept permanently.")
    )
    query_log_retention_basis = models.CharField(_("basis"), max_length=300)

    history = history()

    class Meta:
        verbose_name = _("city policy")
        verbose_name_plural = _("city policies")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def regulation_title(self) -> str:
        """The regulation's title as pages cite it (《…》), without the dates `regulation` adds."""
        text = self.regulation or ""
        return text[: text.index("》") + 1] if text.startswith("《") and "》" in text else text

    def get_listing_responsible_roles_display(self) -> str:
        labels = [str(ResponsibleRole(r).label) for r in self.listing_responsible_roles or [] if r in RESPONSIBLE_ROLES]
        return "、".join(labels) or str(_("none (the organisation only)"))

    def clean(self):
        errors = {}
        for prefix in ("national", "national_2023"):
            for severity in ("general", "serious"):
                low = getattr(self, f"{prefix}_{severity}_min_months")
                high = getattr(self, f"{prefix}_{severity}_max_months")
                if low is not None and high is not None and low > high:
                    errors[f"{prefix}_{severity}_min_months"] = _("The minimum cannot exceed the maximum.")
        earlier = [getattr(self, name) for name in NATIONAL_2023_FIGURES]
        if any(value is not None for value in earlier) and any(value is None for value in earlier):
            errors["national_2023_effective_from"] = _(
                "Give every figure of the 2023 national measures and the day they took effect, or none."
            )
        elif (
            self.national_2023_effective_from is not None
            and self.national_rules_effective_from is not None
            and self.national_2023_effective_from >= self.national_rules_effective_from
        ):
            errors["national_2023_effective_from"] = _("They must take effect before the national rules above.")
        roles = self.listing_responsible_roles
        if not isinstance(roles, list) or any(role not in RESPONSIBLE_ROLES for role in roles):
            errors["listing_responsible_roles"] = _("Give a list of roles among: %(roles)s.") % {
                "roles": ", ".join(RESPONSIBLE_ROLES)
            }
        if self.disclosure_rule == RuleSource.NATIONAL and not (self.disclosure_rule_reason or "").strip():
            errors["disclosure_rule_reason"] = _("Say why the national figures apply.")
        if errors:
            raise ValidationError(errors)

    def city_months(self, severity: str) -> int:
        """The city's period for a dishonest record of `severity` (minor/general/serious)."""
        return {
            "minor": self.disclosure_minor_months,
            "general": self.disclosure_general_months,
            "serious": self.disclosure_serious_months,
        }[severity]

    def national_range(self, severity: str) -> tuple[int, int]:
        """(at least, at most) months of publication under the national rules for `severity`."""
        return {
            "minor": (0, self.national_minor_max_months),
            "general": (self.national_general_min_months, self.national_general_max_months),
            "serious": (self.national_serious_min_months, self.national_serious_max_months),
        }[severity]

    def national_rule_applies(self, determined_on) -> bool:
        """Whether the current national limits bind a record determined on `determined_on` (认定之日).

        Only when the policy follows the national rules, and only for records determined on or
        after the day they took effect: the rule in force on the determination date applies, not
        the one in force when the conduct ended. Before it, `national_limits` says whether the
        2023 measures bind the record.
        """
        return (
            self.disclosure_rule == RuleSource.NATIONAL
            and determined_on is not None
            and determined_on >= self.national_rules_effective_from
        )

    def national_limits(self, severity: str, determined_on, *, penalty: bool = True) -> NationalLimits | None:
        """The national rule binding a dishonest record of `severity` determined on
        `determined_on` (认定之日), with its (at least, at most) months; None when none binds.

        The rule in force on the determination date: the current national rules from the day they
        took effect; before it, the 2023 measures from theirs, for administrative-penalty
        information (`penalty`) of the general and serious tiers, which are all they set periods
        for. Earlier records, and any record while the policy follows the city, keep the city's
        period.
        """
        if self.disclosure_rule != RuleSource.NATIONAL:
            return None
        return self.national_rule_on(severity, determined_on, penalty=penalty)

    def national_rule_on(self, severity: str, determined_on, *, penalty: bool = True) -> NationalLimits | None:
        """The national rule in force on `determined_on` for a dishonest record of `severity`,
        whichever rule the policy's disclosure periods follow: its minimum publication period is
        also the earliest a record may be repaired (国办发〔2025〕22号, 《信用修复管理办法》; before
        them the 2023 measures, for administrative penalties). None when no national rule binds."""
        if determined_on is None:
            return None
        if determined_on >= self.national_rules_effective_from:
            return NationalLimits(NationalRuleSet.CURRENT, *self.national_range(severity))
        start = self.national_2023_effective_from
        if not penalty or severity not in ("general", "serious") or start is None or determined_on < start:
            return None
        low = getattr(self, f"national_2023_{severity}_min_months")
        high = getattr(self, f"national_2023_{severity}_max_months")
        if low is None or high is None:
            return None
        return NationalLimits(NationalRuleSet.MEASURES_2023, low, high)

    def disclosure_months(self, severity: str, on=None, *, penalty: bool = True) -> int:
        """Months a dishonest record of `severity` stays disclosed when the period counts from its
        determination on `on` (no date: as if determined after the national rules took effect).
        The full rule, with periods counted from other days, is `apps.subjects.disclosure`."""
        months = self.city_months(severity)
        if self.disclosure_rule == RuleSource.CITY:
            return months
        limits = self.national_limits(severity, on or self.national_rules_effective_from, penalty=penalty)
        if limits is None:
            return months
        return min(max(months, limits.low), limits.high)


# How the policy's figures are grouped on screen and in the admin: (figure, its basis field).
POLICY_SECTIONS = [
    (
        _("Objections"),
        [
            ("objection_mark_days", "objection_mark_days_basis"),
            ("objection_office_decision_days", "objection_office_decision_days_basis"),
            ("objection_applicant_notice_days", "objection_applicant_notice_days_basis"),
            ("objection_forward_days", "objection_forward_days_basis"),
            ("objection_agency_answer_days", "objection_agency_answer_days_basis"),
            ("objection_forwarded_overall_days", "objection_forwarded_overall_days_basis"),
            ("objection_agency_direct_days", "objection_agency_direct_days_basis"),
            ("objection_clock_pause_allowed", "objection_clock_pause_allowed_basis"),
            ("service_agency_objection_mark_days", "service_agency_objection_mark_days_basis"),
            ("service_agency_objection_decision_days", "service_agency_objection_decision_days_basis"),
        ],
    ),
    (
        _("Revoked decisions"),
        [
            ("revocation_agency_notice_days", "revocation_agency_notice_days_basis"),
            ("revocation_office_change_days", "revocation_office_change_days_basis"),
        ],
    ),
    (
        _("Credit service agencies"),
        [
            ("agency_materials_days", "agency_materials_days_basis"),
            ("service_agency_free_reports_per_year", "service_agency_free_reports_per_year_basis"),
        ],
    ),
    (
        _("Disclosure on request"),
        [("disclosure_request_days", "disclosure_request_days_basis")],
    ),
    (
        _("Disclosure of dishonest information"),
        [
            ("disclosure_start", "disclosure_start_basis"),
            ("disclosure_custodial_from_sentence_end", "disclosure_custodial_from_sentence_end_basis"),
            ("disclosure_minor_months", "disclosure_minor_months_basis"),
            ("disclosure_general_months", "disclosure_general_months_basis"),
            ("disclosure_serious_months", "disclosure_serious_months_basis"),
            ("disclosure_extended_while_listed", "disclosure_extended_while_listed_basis"),
            ("market_disclosure_general_months", "market_disclosure_basis"),
            ("market_disclosure_serious_months", "market_disclosure_basis"),
        ],
    ),
    (
        _("National rules"),
        [
            ("national_minor_max_months", "national_rules_basis"),
            ("national_general_min_months", "national_rules_basis"),
            ("national_general_max_months", "national_rules_basis"),
            ("national_serious_min_months", "national_rules_basis"),
            ("national_serious_max_months", "national_rules_basis"),
            ("national_rules_effective_from", "national_rules_basis"),
            ("national_2023_general_min_months", "national_2023_basis"),
            ("national_2023_general_max_months", "national_2023_basis"),
            ("national_2023_serious_min_months", "national_2023_basis"),
            ("national_2023_serious_max_months", "national_2023_basis"),
            ("national_2023_effective_from", "national_2023_basis"),
            ("disclosure_rule", "disclosure_rule_reason"),
        ],
    ),
    (
        _("Lists"),
        [
            ("listing_statement_days", "listing_statement_days_basis"),
            ("listing_review_by_authority", "listing_review_by_authority_basis"),
            ("listing_responsible_roles", "listing_responsible_roles_basis"),
            ("remedies_reconsideration_days", "remedies_basis"),
            ("remedies_lawsuit_months", "remedies_basis"),
            ("key_attention_months", "key_attention_months_basis"),
            ("red_list_notice_days", "red_list_notice_days_basis"),
        ],
    ),
    (
        _("Repair, good information and reports"),
        [
            ("repair_accept_days", "repair_accept_days_basis"),
            ("repair_decision_days", "repair_decision_days_basis"),
            ("repair_material_pause", "repair_material_pause_basis"),
            ("repaired_shown_in_authorised", "repaired_shown_in_authorised_basis"),
            ("repair_grace_period_allowed", "repair_grace_period_allowed_basis"),
            ("good_info_hiding", "good_info_hide_days_basis"),
            ("good_info_hide_days", "good_info_hide_days_basis"),
            ("self_declared_hide_days", "self_declared_hide_days_basis"),
            ("free_reports_per_year", "free_reports_per_year_basis"),
        ],
    ),
    (
        _("Integration and queries"),
        [
            ("integration_days", "integration_days_basis"),
            ("query_abnormal_control", "query_control_basis"),
            ("query_daily_threshold", "query_control_basis"),
            ("query_log_retention_years", "query_log_retention_basis"),
        ],
    ),
]


class HolidayOverride(AuditedModel):
    """A day whose working status differs from the calendar package (节假日调整), e.g. a schedule
    published after the package, or a local day off.

    Rows loaded from the State Council's yearly notice (`load_holiday_schedule`, or the upload
    page in the admin) are marked `official_schedule`: a year with such rows is no longer
    estimated (apps.core.workdays).
    """

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=200)
    official_schedule = models.BooleanField(
        _("from the official schedule"),
        default=False,
        help_text=_("Part of the State Council's holiday schedule for its year (放假安排通知)."),
    )
    source_document = models.CharField(_("source document"), max_length=200, blank=True)

    history = history()

    class Meta:
        verbose_name = _("holiday override")
        verbose_name_plural = _("holiday overrides")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date} {self.note}"
