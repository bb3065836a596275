"""Reads of the batch-query applications: what a user may see (an agency's staff their own
agency's, the credit office, the authority and auditors all) and what waits for the clerk.
The results themselves are read through `services_batch.batch_result` (the agency's own only)."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.core.permissions import restrict
from apps.service_agencies.models_batch import BatchQueryApplication, BatchQueryRun, BatchStatus


def visible_batch_queries(user) -> QuerySet[BatchQueryApplication]:
    return restrict(BatchQueryApplication.objects.select_related("agency", "decided_by"), user)


def visible_batch_runs(user) -> QuerySet[BatchQueryRun]:
    return restrict(BatchQueryRun.objects.select_related("application", "ran_by"), user)


def batch_queries_to_approve(user) -> QuerySet[BatchQueryApplication]:
    """The applications waiting for the credit office's decision, the oldest first."""
    return visible_batch_queries(user).filter(status=BatchStatus.RECEIVED).order_by("received_on", "id")


def batch_timeline(application: BatchQueryApplication) -> list[tuple]:
    """Every change of the application: (when, who, status, reason)."""
    return [
        (row.history_date, row.history_user, row.get_status_display(), row.history_change_reason or "")
        for row in application.history.select_related("history_user").order_by("history_date", "history_id")
    ]


def batch_statistics(user) -> list[dict]:
    """Per agency the user may see: applications, approved ones (approved, run or expired), runs
    and subjects looked up (issue 14 item 8: batch queries and subjects looked up)."""
    from django.db.models import Count, Q, Sum

    approved = Q(status__in=(BatchStatus.APPROVED, BatchStatus.RUN, BatchStatus.EXPIRED))
    return list(
        visible_batch_queries(user)
        .order_by()
        .values("agency__name")
        .annotate(
            applications=Count("id"),
            approved=Count("id", filter=approved),
            runs=Sum("runs"),
            subjects=Sum("lookups_done"),
        )
        .order_by("agency__name")
    )
