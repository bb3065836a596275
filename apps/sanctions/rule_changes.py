"""What a change of the city policy or of the holiday overrides changes in the sanctions app:
the statement deadline of cases whose notice is open, the end of running red-list notices, and
the end of active key-attention listings. Called by `apps.core.recompute` (found by its module
name)."""

from __future__ import annotations

import datetime

from django.db import transaction

from apps.core.audit import audited_save
from apps.core.workdays import add_working_days
from apps.sanctions.choices import CaseStatus, ListType
from apps.sanctions.models import ListingCase
from apps.subjects.disclosure import add_months


def cases_recompute_due(*, policy, by, reason: str) -> dict[str, int]:
    """Statement due dates of notices still waiting for a statement (from the delivery, or from
    the issue for notices made before deliveries were recorded), and the end of red-list public
    notices still running (Ningbo art. 28)."""
    done = {"statement_due": 0, "red_notice_end": 0}
    open_notices = ListingCase.objects.filter(status=CaseStatus.NOTICE_ISSUED, statement_due__isnull=False)
    for pk in open_notices.values_list("pk", flat=True):
        with transaction.atomic():
            case = ListingCase.objects.select_for_update().get(pk=pk)
            start = case.notice_delivered_on or case.notice_issued_on
            if case.status != CaseStatus.NOTICE_ISSUED or start is None:
                continue
            due = add_working_days(start, policy.listing_statement_days)
            if (due, due.estimated) != (case.statement_due, case.statement_due_estimated):
                case.statement_due, case.statement_due_estimated = due, due.estimated
                audited_save(case, by=by, reason=reason)
                done["statement_due"] += 1
    running = ListingCase.objects.filter(
        list_type=ListType.RED, status=CaseStatus.PUBLIC_NOTICE, notice_start__isnull=False
    )
    for pk in running.values_list("pk", flat=True):
        with transaction.atomic():
            case = ListingCase.objects.select_for_update().get(pk=pk)
            if case.status != CaseStatus.PUBLIC_NOTICE:
                continue
            end = add_working_days(case.notice_start, policy.red_list_notice_days)
            if end != case.notice_end:
                case.notice_end = end
                audited_save(case, by=by, reason=reason)
                done["red_notice_end"] += 1
    return done


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
    done = cases_recompute_due(policy=policy, by=by, reason=reason)
    done.update(key_attention_recompute_end(policy=policy, by=by, reason=reason, today=today))
    return done
