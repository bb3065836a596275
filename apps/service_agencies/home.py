"""The agency staff's home panel: their agency's registration."""

from apps.core.choices import Role
from apps.service_agencies.selectors import live_filing_of


def context(user) -> dict:
    if user.role != Role.AGENCY_STAFF:
        return {}
    return {"agency_filing": live_filing_of(user.organization)}
