"""The agency staff's home panel: their agency's registration; the clerk's: the batch-query
applications to approve; the authority's: the registrations waiting for its review."""

from apps.core.choices import Role
from apps.service_agencies import selectors
from apps.service_agencies.choices import FilingStatus
from apps.service_agencies.selectors import live_filing_of
from apps.service_agencies.selectors_batch import batch_queries_to_approve


def context(user) -> dict:
    if user.role == Role.CLERK and user.has_perm("service_agencies.change_batchqueryapplication"):
        # Nanjing art. 67: the batch-query applications waiting for the credit office's decision
        # (no statutory clock: the regulations set no time limit, so they are listed, oldest first).
        return {"batch_queries_to_approve": list(batch_queries_to_approve(user)[:15])}
    if user.role == Role.AUTHORITY:
        filings = selectors.visible_filings(user).filter(status=FilingStatus.FILED).order_by("filed_on", "id")
        return {"filings_to_review": list(filings[:15])}
    if user.role != Role.AGENCY_STAFF:
        return {}
    return {"agency_filing": live_filing_of(user.organization)}
