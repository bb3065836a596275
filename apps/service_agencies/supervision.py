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
    return SupervisionAction.objects.filter(agency=agency, kind=ActionKind.RESTRICTION).order_by("-taken_on").first()


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
