"""Supervision of credit service agencies by the authority (Ningbo art. 52, Nanjing art. 69,
Tianjin art. 47): each action is recorded with the acting user and the reason.

- A request for materials opens the `AGENCY_MATERIALS` clock (the Policy's working days,
  `agency_materials_days`), met when the authority records the materials received.
- A spot check of a rating or evaluation report names the report and the finding — compliant, or
  false or misleading with the reasons — and is published on the public registry at once (Nanjing
  art. 69 para. 3: 抽查结果向社会公开).
- A false report (虚假信用评级评价报告) restricts the use of the agency's rating products: a
  restriction action is recorded with it, naming the spot check (Nanjing art. 69 para. 4)."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.core.audit import audited_save
from apps.core.choices import DeadlineKind, OrganizationKind, Role
from apps.core.deadlines import deadline_meet, deadline_of, deadline_open
from apps.core.exceptions import Conflict
from apps.core.selectors import active_policy
from apps.core.services import require_reason
from apps.core.workflow import lock
from apps.service_agencies.choices import ActionKind, Finding
from apps.service_agencies.models import SupervisionAction

MSG_REQUIRED = gettext_lazy("This field is required.")
MSG_ONLY_AUTHORITY = gettext_lazy("Only the credit authority records supervision actions.")
MSG_NOT_AGENCY = gettext_lazy("Supervision actions are recorded on credit service agencies only.")
MSG_FALSE_NEEDS_REASONS = gettext_lazy("A finding of a false or misleading report gives the reasons.")
MSG_NOT_MATERIALS = gettext_lazy("Only a request for materials has materials to receive.")
MSG_ALREADY_RECEIVED = gettext_lazy("The materials were already received on {day}.")
MSG_FUTURE = gettext_lazy("The date cannot be after today.")
MSG_RESTRICTED_BECAUSE = gettext_lazy("Spot check of report {number} found a false or misleading report.")

SPOT_CHECK_FIELDS = ("report_number", "report_date", "finding")


def is_authority(user) -> bool:
    return user is not None and (
        user.is_superuser or (user.role == Role.AUTHORITY and user.has_perm("service_agencies.add_supervisionaction"))
    )


def restriction_in_force(agency) -> SupervisionAction | None:
    """The restriction on the agency's rating products, if one was recorded."""
    if agency is None:
        return None
    return restrictions_of([agency.pk]).get(agency.pk)


def restrictions_of(agency_ids) -> dict[int, SupervisionAction]:
    """{agency id: the restriction in force on its rating products} for the agencies that have
    one (Nanjing art. 69 para. 4); one query for any number of agencies. The pushed reports of
    these agencies are flagged from it whenever they are shown, so the flag follows the
    restriction and is never a copy that could go stale."""
    found: dict[int, SupervisionAction] = {}
    actions = (
        SupervisionAction.objects.filter(agency_id__in=set(agency_ids), kind=ActionKind.RESTRICTION)
        .select_related("agency", "because_of")
        .order_by("agency_id", "-taken_on", "-id")
    )
    for action in actions:
        found.setdefault(action.agency_id, action)
    return found


@transaction.atomic
def supervision_record(
    *,
    by,
    agency,
    kind: str,
    summary: str,
    reason: str,
    taken_on: datetime.date | None = None,
    basis: str = "",
    report_number: str = "",
    report_date: datetime.date | None = None,
    finding: str = "",
    finding_reasons: str = "",
) -> SupervisionAction:
    """The authority records `kind` on `agency`. A spot check is published at once; a false
    report also records the restriction of the agency's rating products; a request for materials
    opens the agency's clock."""
    reason = require_reason(reason)
    if not is_authority(by):
        raise PermissionDenied(str(MSG_ONLY_AUTHORITY))
    today = timezone.localdate()
    taken_on = taken_on or today
    errors: dict[str, list[str]] = {}
    if agency is None or agency.kind != OrganizationKind.SERVICE_AGENCY:
        errors["agency"] = [str(MSG_NOT_AGENCY)]
    if kind not in ActionKind.values:
        errors["kind"] = [str(MSG_REQUIRED)]
    if not (summary or "").strip():
        errors["summary"] = [str(MSG_REQUIRED)]
    if taken_on > today:
        errors["taken_on"] = [str(MSG_FUTURE)]
    if kind == ActionKind.SPOT_CHECK:
        values = {"report_number": (report_number or "").strip(), "report_date": report_date, "finding": finding}
        for name in SPOT_CHECK_FIELDS:
            if not values[name]:
                errors[name] = [str(MSG_REQUIRED)]
        if finding and finding not in Finding.values:
            errors["finding"] = [str(MSG_REQUIRED)]
        if finding == Finding.FALSE and not (finding_reasons or "").strip():
            errors["finding_reasons"] = [str(MSG_FALSE_NEEDS_REASONS)]
    if errors:
        raise ValidationError(errors)
    spot_check = kind == ActionKind.SPOT_CHECK
    action = SupervisionAction(
        agency=agency,
        kind=kind,
        taken_on=taken_on,
        summary=summary.strip(),
        basis=(basis or "").strip(),
        report_number=(report_number or "").strip() if spot_check else "",
        report_date=report_date if spot_check else None,
        finding=finding if spot_check else "",
        finding_reasons=(finding_reasons or "").strip() if spot_check else "",
        # Nanjing art. 69 para. 3: the spot-check results are made public.
        published_on=today if spot_check else None,
    )
    audited_save(action, by=by, reason=reason)
    if kind == ActionKind.MATERIALS:
        deadline_open(action, DeadlineKind.AGENCY_MATERIALS, start=taken_on, by=by, reason=reason)
    if spot_check and finding == Finding.FALSE and restriction_in_force(agency) is None:
        # Nanjing art. 69 para. 4: an agency that issued a false report is restricted.
        audited_save(
            SupervisionAction(
                agency=agency,
                kind=ActionKind.RESTRICTION,
                taken_on=today,
                summary=str(MSG_RESTRICTED_BECAUSE).format(number=action.report_number),
                basis=action.basis,
                because_of=action,
            ),
            by=by,
            reason=reason,
        )
    return action


@transaction.atomic
def materials_receive(
    action: SupervisionAction, *, by, reason: str, on: datetime.date | None = None
) -> SupervisionAction:
    """The agency handed in the requested materials on `on` (today): the clock is met, on time
    or late."""
    reason = require_reason(reason)
    if not is_authority(by):
        raise PermissionDenied(str(MSG_ONLY_AUTHORITY))
    lock(action)
    if action.kind != ActionKind.MATERIALS:
        raise Conflict(str(MSG_NOT_MATERIALS))
    if action.materials_received_on:
        raise Conflict(str(MSG_ALREADY_RECEIVED).format(day=action.materials_received_on))
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationError({"on": [str(MSG_FUTURE)]})
    action.materials_received_on = on
    audited_save(action, by=by, reason=reason)
    deadline_meet(action, DeadlineKind.AGENCY_MATERIALS, on=on, by=by, reason=reason)
    return action


def materials_clock(action: SupervisionAction):
    return deadline_of(action, DeadlineKind.AGENCY_MATERIALS)


# --- a listing case from a false report (Nanjing art. 69 para. 4: 依据本条例实施联合惩戒) ----------

MSG_CASE_NOT_FALSE = gettext_lazy(
    "A listing case is opened only from a spot check that found a false or misleading report "
    "(Nanjing art. 69 para. 4); this action is “{action}”."
)
MSG_CASE_EXISTS = gettext_lazy("List case #{case} was already opened from this supervision action.")
MSG_AGENCY_NOT_A_SUBJECT = gettext_lazy(
    "The agency {agency} has no credit file under its code {code}: a listing case rests on its dishonest "
    "records, which come first."
)
MSG_CASE_FACTS = gettext_lazy(
    "Spot check on {day}: report {number} of {report_day} issued by {agency} is a false or misleading "
    "credit rating report. {reasons}"
)


def case_opened_from(action: SupervisionAction):
    """The list case opened from this supervision action, if any."""
    from apps.sanctions.selectors import cases_opened_from

    return cases_opened_from(action).first()


def may_open_case(action: SupervisionAction, user) -> bool:
    """Whether the action's page offers `user` to open a list case from it: a spot check that
    found a false report, no case opened from it yet, and a user the sanctions app lets open a
    case from a finding (`apps.sanctions.services.common.CASE_ROLES`)."""
    from apps.sanctions.services.common import CASE_ROLES

    return (
        user is not None
        and (user.is_superuser or user.role in CASE_ROLES)
        and action.kind == ActionKind.SPOT_CHECK
        and action.finding == Finding.FALSE
        and case_opened_from(action) is None
    )


def case_defaults(action: SupervisionAction) -> dict[str, str]:
    """The facts and the legal basis a case from this finding starts with."""
    return {
        "facts": str(MSG_CASE_FACTS)
        .format(
            day=action.taken_on,
            number=action.report_number,
            report_day=action.report_date,
            agency=action.agency,
            reasons=action.finding_reasons,
        )
        .strip(),
        # the spot check's own basis, else the city's regulation (Nanjing's art. 69 para. 4 has
        # joint sanctions follow a false report; the regulation in force is the Policy's)
        "legal_basis": action.basis or active_policy().regulation_title,
    }


def agency_subject(agency):
    """The agency's own credit file (信用主体), found by its unified social credit code."""
    from apps.subjects.models import Subject

    return Subject.objects.filter(identifier=(agency.unified_code or "").upper()).first()


@transaction.atomic
def listing_case_open_from(
    action: SupervisionAction,
    *,
    by,
    reason: str,
    facts: str = "",
    legal_basis: str = "",
    basis_records=(),
    measures=(),
):
    """Open a serious-list case against the agency whose report a spot check found false
    (Nanjing art. 69 para. 4: 依据本条例实施联合惩戒), through the sanctions services: the case
    names the action as its source and goes on as any case of its deciding body. Refused for
    any other action, and when a case was already opened from this one."""
    from apps.sanctions import services as sanctions
    from apps.sanctions.choices import ListType

    reason = require_reason(reason)
    # The sanctions app's rule of who opens a case from a finding (403 before anything else).
    sanctions.require_case_officer(by, from_source=True)
    lock(action)
    if action.kind != ActionKind.SPOT_CHECK or action.finding != Finding.FALSE:
        label = action.get_kind_display() + (f"：{action.get_finding_display()}" if action.finding else "")
        raise Conflict(str(MSG_CASE_NOT_FALSE).format(action=label))
    existing = case_opened_from(action)
    if existing is not None:
        raise Conflict(str(MSG_CASE_EXISTS).format(case=existing.pk))
    subject = agency_subject(action.agency)
    if subject is None:
        raise ValidationError(
            {"subject": [str(MSG_AGENCY_NOT_A_SUBJECT).format(agency=action.agency, code=action.agency.unified_code)]}
        )
    defaults = case_defaults(action)
    items = sanctions.listing_items_for(by.organization) if by.organization_id else []
    return sanctions.case_open(
        by=by,
        list_type=ListType.SERIOUS,
        subject=subject,
        facts=(facts or "").strip() or defaults["facts"],
        legal_basis=(legal_basis or "").strip() or defaults["legal_basis"],
        basis_records=basis_records,
        measures=measures,
        record_item=items[0] if items else None,
        reason=reason,
        source=action,
    )
