"""The daily upkeep of the lists, run by the `sanctions_daily` command."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.choices import DeadlineKind
from apps.core.deadlines import running_past_due
from apps.sanctions.choices import ListType, RemovalReason
from apps.sanctions.models import ListingCase
from apps.sanctions.selectors import has_active_dishonest_record
from apps.sanctions.services.key_attention import KEY_ATTENTION_CASE, key_attention_end
from apps.sanctions.services.red import RED_CASE, red_confirm
from apps.sanctions.services.serious import SERIOUS_CASE, case_remove
from apps.subjects import services as subject_services


def daily_upkeep(today: datetime.date | None = None) -> dict[str, int]:
    """End expired listings and key-attention entries, confirm red-list proposals whose notice
    ended without objection, recompute disclosure ends. Safe to run twice."""
    today = today or timezone.localdate()
    done = {"serious_expired": 0, "key_attention_ended": 0, "red_confirmed": 0, "records_expired": 0}
    reason = _("Daily upkeep")
    for case in ListingCase.objects.filter(
        list_type=ListType.SERIOUS, status__in=SERIOUS_CASE.step("remove").sources, listing_end__lt=today
    ):
        case_remove(
            case,
            by=None,
            removal_reason=RemovalReason.EXPIRY,
            removal_document=_("End of the listing period"),
            reason=reason,
        )
        done["serious_expired"] += 1
    for case in ListingCase.objects.filter(
        list_type=ListType.KEY_ATTENTION, status__in=KEY_ATTENTION_CASE.step("end").sources, listing_end__lt=today
    ):
        key_attention_end(case, converted=False, reason=reason)
        done["key_attention_ended"] += 1
    for case in ListingCase.objects.filter(
        running_past_due(ListingCase, DeadlineKind.RED_NOTICE, today=today),
        list_type=ListType.RED,
        status__in=RED_CASE.step("red-confirm").sources,
    ):
        if has_active_dishonest_record(case.subject, today):
            continue  # a dishonest record arrived during the notice: the proposer decides
        red_confirm(case, by=None, reason=reason, today=today)
        done["red_confirmed"] += 1
    done["records_expired"] = subject_services.records_expire(today=today)
    return done
