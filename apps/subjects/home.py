"""What the subjects app adds to the role home pages (see apps.core.views.HomeView)."""

from django.utils import timezone

from apps.core.choices import DeadlineKind, Role
from apps.core.deadlines import due_on_of
from apps.core.permissions import restrict
from apps.subjects.choices import BatchStatus
from apps.subjects.models import CreditReport, ImportBatch


def context(user) -> dict:
    data = {}
    if user.role == Role.CLERK and user.has_perm("subjects.view_creditreport"):
        # The reports the window issued lately: what the subject was given, and by whom.
        reports = restrict(CreditReport.objects.select_related("subject", "issued_by"), user)
        data["recent_reports"] = list(reports.order_by("-issued_at", "-id")[:8])
    if not user.has_perm("subjects.view_importbatch"):
        return data
    batches = restrict(ImportBatch.objects.select_related("item", "provider"), user)
    data["today"] = timezone.localdate()
    if user.role == Role.CLERK:
        # Ningbo art. 18: integrate within the policy's working days; the oldest due first.
        submitted = batches.filter(status=BatchStatus.SUBMITTED).prefetch_related("deadlines__pauses")
        submitted = submitted.annotate(integration_due=due_on_of(ImportBatch, DeadlineKind.INTEGRATION))
        data["batches_due"] = list(submitted.order_by("integration_due", "id")[:15])
    if user.role == Role.OFFICER:
        data["recent_batches"] = list(batches.order_by("-id")[:8])
    return data
