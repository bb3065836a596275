"""Model permissions of the objections app per role. Clerks handle objections platform-wide;
officers hold the model permissions, and which objections they see comes from object
permissions granted to their agency's group (forwarded to it, or filed with it).

Revocation notices: officers file them (add) and see their own agency's (`organization_scope`);
clerks apply or return them (change); the authority reads them.

Objections received by a credit service agency (`AgencyObjection`): the agency's staff record
them and take their steps (add, change), seeing their own agency's only (`organization_scope`);
the credit office and the authority read every agency's. Officers of providing agencies have no
part in them."""

from apps.core.choices import Role

_VIEW = {"objections.view_objection", "objections.view_revocationnotice"}
_HANDLE_OBJECTIONS = {"objections.add_objection", "objections.change_objection"}
_VIEW_AGENCY_OBJECTIONS = {"objections.view_agencyobjection"}

ROLE_PERMISSIONS = {
    Role.CLERK: _VIEW | _HANDLE_OBJECTIONS | _VIEW_AGENCY_OBJECTIONS | {"objections.change_revocationnotice"},
    Role.OFFICER: _VIEW | _HANDLE_OBJECTIONS | {"objections.add_revocationnotice"},
    Role.AUTHORITY: _VIEW | _VIEW_AGENCY_OBJECTIONS,
    Role.AGENCY_STAFF: _VIEW_AGENCY_OBJECTIONS
    | {"objections.add_agencyobjection", "objections.change_agencyobjection"},
    Role.AUDITOR: set(),
}
