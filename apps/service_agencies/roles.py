"""Model permissions of the service-agencies app per role, and what the agency staff role holds.

Agency staff (`Role.AGENCY_STAFF`) work for one credit service agency: they see their own
agency's rows only (`organization_scope`) and hold no permission on subjects, records, listings or
objections, so they open no credit file (and `apps.subjects.selectors.MODES_BY_ROLE` gives them no
lookup mode)."""

from apps.core.choices import Role

# A user's own notifications (restrict() shows each user theirs only) and the city's figures.
_CORE = {"core.view_notification", "core.view_policy"}

ROLE_PERMISSIONS = {
    Role.AGENCY_STAFF: _CORE,
}
