"""Model permissions of the service-agencies app per role, and what the agency staff role holds.

Agency staff (`Role.AGENCY_STAFF`) work for one credit service agency: they file its registration
and its business information and see their own agency's rows only (`organization_scope`); they hold
no permission on subjects, records, listings or the platform's objections, so they open no credit
file (and `apps.subjects.selectors.MODES_BY_ROLE` gives them no lookup mode). The objections filed
with their own agency about its own reports are `objections.AgencyObjection` (its roles there). The credit authority reviews,
publishes and removes registrations (`change`); the credit office reads everything."""

from apps.core.choices import Role

# A user's own notifications (restrict() shows each user theirs only) and the city's figures.
_CORE = {"core.view_notification", "core.view_policy"}
_VIEW = {
    "service_agencies.view_registryfiling",
    "service_agencies.view_businessreport",
    # an agency's staff see the actions on their own agency
    "service_agencies.view_supervisionaction",
    # the free reports agencies gave natural persons (masked on the pages)
    "service_agencies.view_freereport",
    # batch-query applications and their runs (Nanjing art. 67); only the agency that ran a
    # batch downloads its result (apps.service_agencies.services_batch)
    "service_agencies.view_batchqueryapplication",
    "service_agencies.view_batchqueryrun",
}

ROLE_PERMISSIONS = {
    Role.AGENCY_STAFF: _CORE
    | _VIEW
    | {
        "service_agencies.add_registryfiling",
        # resubmitting a returned filing (the table's rule: its own agency's only)
        "service_agencies.change_registryfiling",
        "service_agencies.add_businessreport",
        "service_agencies.change_businessreport",
        # Tianjin art. 39 para. 2, Zhangye art. 50: the free reports it gave natural persons
        "service_agencies.add_freereport",
        # Nanjing art. 67: it applies for batch queries and runs the approved ones
        "service_agencies.add_batchqueryapplication",
        "service_agencies.add_batchqueryrun",
    },
    # Nanjing art. 65: an officer of the body that bought or required an agency's report in a
    # government matter pushes it; the body's officers read their own pushed reports (and in the
    # credit file), the credit office all. Agency staff hold nothing on them.
    Role.OFFICER: {"service_agencies.add_pushedreport", "service_agencies.view_pushedreport"},
    # Nanjing art. 67: the credit office (市公共信用信息管理机构) approves or refuses batch queries.
    Role.CLERK: _VIEW | {"service_agencies.view_pushedreport", "service_agencies.change_batchqueryapplication"},
    Role.AUTHORITY: _VIEW
    | {
        "service_agencies.change_registryfiling",
        # Ningbo art. 52, Nanjing art. 69: the authority supervises (records actions, receives
        # the materials it asked for).
        "service_agencies.add_supervisionaction",
        "service_agencies.change_supervisionaction",
    },
    Role.AUDITOR: set(),
}
