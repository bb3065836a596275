"""Free credit reports an agency gives natural persons (Tianjin art. 39 para. 2: 信用服务机构每年
应当为自然人免费提供两次本人信用报告; Zhangye art. 50). The agency records each one; where the
Policy sets `service_agency_free_reports_per_year`, one more than that to the same person in the
same calendar year is refused, citing the Policy's basis (the article)."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.core.audit import audited_save
from apps.core.identifiers import validate_citizen_id
from apps.core.models import Organization
from apps.core.selectors import active_policy
from apps.core.services import require_reason
from apps.service_agencies.models import FreeReport
from apps.service_agencies.services import MSG_ONLY_STAFF, MSG_REQUIRED, is_agency_staff

MSG_FREE_USED_UP = gettext_lazy(
    "This person already had {count} free reports from your agency in {year}; the limit is {limit} a year ({basis})."
)
MSG_FUTURE = gettext_lazy("The date cannot be after today.")


def free_reports_given(agency, identifier: str, year: int) -> int:
    return FreeReport.objects.filter(agency=agency, person_identifier=identifier, given_on__year=year).count()


@transaction.atomic
def free_report_record(
    *,
    by,
    person_identifier: str,
    person_name: str,
    reason: str,
    given_on: datetime.date | None = None,
    report_number: str = "",
) -> FreeReport:
    """The agency of `by` records a free credit report it gave the person of `person_identifier`
    (a citizen ID: natural persons only). Refused beyond the Policy's yearly figure."""
    reason = require_reason(reason)
    if not (is_agency_staff(by) and by.has_perm("service_agencies.add_freereport")):
        raise PermissionDenied(str(MSG_ONLY_STAFF))
    today = timezone.localdate()
    given_on = given_on or today
    errors: dict[str, list[str]] = {}
    try:
        person_identifier = validate_citizen_id(person_identifier or "")
    except ValidationError as error:
        errors["person_identifier"] = error.messages
    if not (person_name or "").strip():
        errors["person_name"] = [str(MSG_REQUIRED)]
    if given_on > today:
        errors["given_on"] = [str(MSG_FUTURE)]
    if errors:
        raise ValidationError(errors)
    # One agency's recordings one after the other, so two at once cannot both pass the count.
    agency = Organization.objects.select_for_update().get(pk=by.organization_id)
    policy = active_policy()
    limit = policy.service_agency_free_reports_per_year
    if limit is not None:
        count = free_reports_given(agency, person_identifier, given_on.year)
        if count >= limit:
            raise ValidationError(
                str(MSG_FREE_USED_UP).format(
                    count=count,
                    year=given_on.year,
                    limit=limit,
                    basis=policy.service_agency_free_reports_per_year_basis,
                ),
                code="free_reports_used_up",
            )
    report = FreeReport(
        agency=agency,
        person_identifier=person_identifier,
        person_name=person_name.strip(),
        given_on=given_on,
        report_number=(report_number or "").strip(),
    )
    return audited_save(report, by=by, reason=reason)
