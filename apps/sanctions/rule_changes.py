"""What a change of the city policy or of the holiday overrides changes in the sanctions app:
the end of active key-attention listings (the statement periods and red-list notices are
statutory clocks, counted again by core). Called by `apps.core.recompute` (found by its module
name)."""

from __future__ import annotations

import datetime

from django.db import transaction

from apps.core.audit import audited_save
from apps.sanctions.choices import CaseStatus, ListType
from apps.sanctions.models import ListingCase
from apps.subjects.disclosure import add_months


def key_attention_recompute_end(*, policy, by, reason: str, today: datetime.date) -> dict[str, int]:
    """The end of key-attention listings still active, counted again from their start with the
    policy's validity (Nanjing art. 37: 3 months), and the end of their entries; a listing whose
    new end has passed ends now, as the daily upkeep ends an expired one. A policy that keeps no
    key-attention list (empty) leaves running listings with the end they were decided with."""
    from apps.sanctions.services import key_attention_end

    done = {"key_attention_end": 0, "key_attention_ended": 0}
    if policy.key_attention_months is None:
        return done
    active = ListingCase.objects.filter(
        list_type=ListType.KEY_ATTENTION, status=CaseStatus.ACTIVE, listing_start__isnull=False
    )
    for pk in active.values_list("pk", flat=True):
        with transaction.atomic():
            case = ListingCase.objects.select_for_update().get(pk=pk)
            end = add_months(case.listing_start, policy.key_attention_months)
            if case.status != CaseStatus.ACTIVE or end == case.listing_end:
                continue
            case.listing_end = end
            audited_save(case, by=by, reason=reason)
            for entry in case.entries.filter(active=True):
                entry.end = end
                audited_save(entry, by=by, reason=reason)
            done["key_attention_end"] += 1
            if end < today:
                key_attention_end(case, converted=False, by=by, reason=reason)
                done["key_attention_ended"] += 1
    return done


def recompute(*, policy, disclosure: bool, deadlines: bool, by, reason: str, today: datetime.date) -> dict[str, int]:
    if not deadlines:
        return {}
    return key_attention_recompute_end(policy=policy, by=by, reason=reason, today=today)
