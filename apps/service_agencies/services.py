"""Writes of the service-agencies app: the registry filing (名册, Ningbo art. 50), its transition
table `REGISTRY_FILING`, and the yearly business information.

    filed ─ accept ──→ accepted ─ publish ─→ published ─ remove ─→ removed
          └ return ──→ returned ─ resubmit ─→ filed
    accepted ─ remove ─→ removed

The agency's staff file and resubmit; the credit authority (主管部门) reviews — accepts, or returns
with the reasons — publishes, and removes with the reason (the filing stays in history). Dalian
art. 46: the filing carries the agency's credit commitment (信用承诺制度)."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.core.audit import audited_save
from apps.core.choices import OrganizationKind, Role
from apps.core.identifiers import validate_uscc
from apps.core.services import require_reason
from apps.core.workflow import Step, Workflow
from apps.service_agencies.choices import FilingStatus
from apps.service_agencies.models import BusinessReport, RegistryFiling

MSG_REQUIRED = gettext_lazy("This field is required.")
MSG_ONLY_STAFF = gettext_lazy(
    "Only the staff of a credit service agency file its registration and business information."
)
MSG_ONLY_AUTHORITY = gettext_lazy("Only the credit authority reviews, publishes or removes a registration.")
MSG_ALREADY_FILED = gettext_lazy(
    "Your agency already has registration {number} ({status}); a returned one is resubmitted, not filed anew."
)
MSG_NO_COMMITMENT = gettext_lazy("The registration carries the agency's credit commitment.")
MSG_YEAR = gettext_lazy("Business information is filed for a past or the current year.")
MSG_REPORT_COUNT = gettext_lazy("Give each kind of report with a whole number of reports issued, 0 or more.")

# What an agency files and may change when it resubmits.
CONTENT_FIELDS = (
    "name",
    "unified_code",
    "legal_representative",
    "address",
    "business_scope",
    "qualifications",
    "credit_commitment",
)
OPTIONAL_FIELDS = {"qualifications"}


# --- who may act -----------------------------------------------------------------------------------


def is_agency_staff(user) -> bool:
    """Staff of a credit service agency."""
    return (
        user is not None
        and user.is_authenticated
        and user.role == Role.AGENCY_STAFF
        and user.organization is not None
        and user.organization.kind == OrganizationKind.SERVICE_AGENCY
    )


def is_own_staff(filing: RegistryFiling, user) -> bool:
    return (
        is_agency_staff(user)
        and user.organization_id == filing.agency_id
        and user.has_perm("service_agencies.change_registryfiling")
    )


def is_authority(filing: RegistryFiling, user) -> bool:
    return user.is_superuser or (
        user.role == Role.AUTHORITY and user.has_perm("service_agencies.change_registryfiling")
    )


# --- filing ------------------------------------------------------------------------------------------


def _clean_content(data: dict, errors: dict) -> dict:
    cleaned = {}
    for name in CONTENT_FIELDS:
        value = (data.get(name) or "").strip()
        if not value and name not in OPTIONAL_FIELDS:
            errors[name] = [str(MSG_NO_COMMITMENT if name == "credit_commitment" else MSG_REQUIRED)]
            continue
        cleaned[name] = value
    if cleaned.get("unified_code"):
        try:
            cleaned["unified_code"] = validate_uscc(cleaned["unified_code"])
        except ValidationError as error:
            errors["unified_code"] = error.messages
    return cleaned


def _next_number(year: int) -> str:
    prefix = f"MC-{year}-"
    last = (
        RegistryFiling.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return f"{prefix}{int(last.rsplit('-', 1)[1]) + 1 if last else 1:05d}"


@transaction.atomic
def filing_file(*, by, reason: str, **content) -> RegistryFiling:
    """The agency of `by` files its registration on the registry (Ningbo art. 50), with its
    credit commitment (Dalian art. 46). Refused while the agency has a filing that is not removed.
    The ValidationError names each field that is wrong; nothing is written then."""
    reason = require_reason(reason)
    if not (is_agency_staff(by) and by.has_perm("service_agencies.add_registryfiling")):
        raise PermissionDenied(str(MSG_ONLY_STAFF))
    agency = by.organization
    live = RegistryFiling.objects.select_for_update().filter(agency=agency).exclude(status=FilingStatus.REMOVED).first()
    if live is not None:
        raise ValidationError(str(MSG_ALREADY_FILED).format(number=live.number, status=live.get_status_display()))
    errors: dict[str, list[str]] = {}
    cleaned = _clean_content(content, errors)
    if errors:
        raise ValidationError(errors)
    today = timezone.localdate()
    filing = RegistryFiling(
        number=_next_number(today.year), agency=agency, status=FilingStatus.FILED, filed_on=today, **cleaned
    )
    return audited_save(filing, by=by, reason=reason)


# --- the steps ------------------------------------------------------------------------------------


def _accept(filing, *, by, reason):
    filing.reviewed_on = timezone.localdate()
    filing.return_reason = ""


def _return(filing, *, by, reason, return_reason: str = ""):
    if not (return_reason or "").strip():
        raise ValidationError({"return_reason": str(MSG_REQUIRED)})
    filing.return_reason = return_reason.strip()
    filing.reviewed_on = timezone.localdate()


def _resubmit(filing, *, by, reason, **content):
    """The agency answers the reasons: the content given replaces what was filed."""
    errors: dict[str, list[str]] = {}
    current = {name: getattr(filing, name) for name in CONTENT_FIELDS}
    cleaned = _clean_content(current | {k: v for k, v in content.items() if k in CONTENT_FIELDS}, errors)
    if errors:
        raise ValidationError(errors)
    for name, value in cleaned.items():
        setattr(filing, name, value)
    filing.filed_on = timezone.localdate()


def _publish(filing, *, by, reason):
    filing.published_on = timezone.localdate()


def _remove(filing, *, by, reason, removal_reason: str = ""):
    if not (removal_reason or "").strip():
        raise ValidationError({"removal_reason": str(MSG_REQUIRED)})
    filing.removal_reason = removal_reason.strip()
    filing.removed_on = timezone.localdate()


S = FilingStatus

REGISTRY_FILING = Workflow(
    name=gettext_lazy("registry filings"),
    model=RegistryFiling,
    states=FilingStatus,
    initial=(S.FILED,),
    refused=MSG_ONLY_AUTHORITY,
    resting=(S.PUBLISHED,),
    notes={
        S.FILED: gettext_lazy("Filed: the credit authority accepts it or returns it with the reasons."),
        S.RETURNED: gettext_lazy("Returned: the agency answers the reasons and resubmits it."),
        S.ACCEPTED: gettext_lazy("Accepted: the credit authority publishes it on the public registry."),
        S.PUBLISHED: gettext_lazy("On the public registry."),
        S.REMOVED: gettext_lazy("Removed from the registry, with the reason; it stays in history."),
    },
    steps=(
        Step(
            "accept",
            gettext_lazy("Accept"),
            sources=(S.FILED,),
            target=S.ACCEPTED,
            rule=is_authority,
            apply=_accept,
            help=gettext_lazy("The filing is complete and true: accept it for the registry."),
        ),
        Step(
            "return",
            gettext_lazy("Return with reasons"),
            sources=(S.FILED,),
            target=S.RETURNED,
            rule=is_authority,
            apply=_return,
            help=gettext_lazy("Send the filing back to the agency, saying what is missing or wrong."),
        ),
        Step(
            "resubmit",
            gettext_lazy("Resubmit"),
            sources=(S.RETURNED,),
            target=S.FILED,
            rule=is_own_staff,
            apply=_resubmit,
            refused=MSG_ONLY_STAFF,
            help=gettext_lazy("File the corrected registration again for review."),
        ),
        Step(
            "publish",
            gettext_lazy("Publish"),
            sources=(S.ACCEPTED,),
            target=S.PUBLISHED,
            rule=is_authority,
            apply=_publish,
            help=gettext_lazy("Put the agency on the public registry."),
        ),
        Step(
            "remove",
            gettext_lazy("Remove from the registry"),
            sources=(S.ACCEPTED, S.PUBLISHED),
            target=S.REMOVED,
            rule=is_authority,
            apply=_remove,
            help=gettext_lazy("Take the agency off the registry, with the reason (it stays in history)."),
        ),
    ),
)


def filing_step(filing: RegistryFiling, step: str, *, by, reason: str, **data) -> RegistryFiling:
    """Take `step` of REGISTRY_FILING (accept, return, resubmit, publish, remove)."""
    return REGISTRY_FILING.transition(filing, step, by=by, reason=reason, **data)


# --- yearly business information ---------------------------------------------------------------------


@transaction.atomic
def business_report_file(
    *, by, year: int, services: str, reports_by_kind: dict, staff_count: int, reason: str
) -> BusinessReport:
    """The agency of `by` files (or corrects) its business information of `year` for the registry
    (Ningbo art. 50): the services offered, the reports issued by kind, its staff."""
    reason = require_reason(reason)
    if not (is_agency_staff(by) and by.has_perm("service_agencies.add_businessreport")):
        raise PermissionDenied(str(MSG_ONLY_STAFF))
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    if not isinstance(year, int) or not 2000 <= year <= today.year:
        errors["year"] = [str(MSG_YEAR)]
    if not (services or "").strip():
        errors["services"] = [str(MSG_REQUIRED)]
    if staff_count is None or int(staff_count) < 0:
        errors["staff_count"] = [str(MSG_REQUIRED)]
    counts = {}
    for kind, number in (reports_by_kind or {}).items():
        try:
            counts[str(kind).strip()] = int(number)
        except (TypeError, ValueError):
            counts = None
            break
        if counts[str(kind).strip()] < 0 or not str(kind).strip():
            counts = None
            break
    if counts is None:
        errors["reports_by_kind"] = [str(MSG_REPORT_COUNT)]
    if errors:
        raise ValidationError(errors)
    report = BusinessReport.objects.select_for_update().filter(
        agency=by.organization, year=year
    ).first() or BusinessReport(agency=by.organization, year=year)
    report.services, report.reports_by_kind, report.staff_count = services.strip(), counts, int(staff_count)
    report.filed_on = today
    return audited_save(report, by=by, reason=reason)


def years_offered(today: datetime.date | None = None) -> list[int]:
    """The years an agency may file business information for: this year and the five before."""
    year = (today or timezone.localdate()).year
    return list(range(year, year - 6, -1))
