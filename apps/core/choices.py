"""Enumerations shared across the platform."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """A staff user's role; each role is a Django group holding its model permissions."""

    CLERK = "clerk", _("Credit office clerk")
    OFFICER = "officer", _("Agency officer")
    AUTHORITY = "authority", _("Credit authority")
    AUDITOR = "auditor", _("Auditor")
    # A credit service agency's own staff (信用服务机构工作人员): its registry filing and its
    # applications, nothing of other agencies and no lookup mode (apps.service_agencies).
    AGENCY_STAFF = "agency_staff", _("Service agency staff")


# Roles that work platform-wide; officers only see what their own organisation owns or was
# granted (DESIGN.md section 4, "Permissions").
PLATFORM_WIDE_ROLES = frozenset({Role.CLERK, Role.AUTHORITY, Role.AUDITOR})


class ResponsibleRole(models.TextChoices):
    """People responsible for an organisation (Nanjing art. 43, Tianjin art. 32)."""

    LEGAL_REPRESENTATIVE = "legal_representative", _("Legal representative")
    ACTUAL_CONTROLLER = "actual_controller", _("Actual controller")
    PRINCIPAL = "principal", _("Principal person in charge")
    DIRECTLY_RESPONSIBLE = "directly_responsible", _("Other directly responsible person")


class OrganizationKind(models.TextChoices):
    AUTHORITY = "authority", _("Credit authority")
    CREDIT_OFFICE = "credit_office", _("Credit office")
    AGENCY = "agency", _("Providing agency")
    # 信用服务机构: a rating firm or credit-report issuer on the registry (Ningbo art. 50).
    SERVICE_AGENCY = "service_agency", _("Credit service agency")


# Which organisation kinds a role may belong to. Auditors sit in the authority (supervision)
# or in the credit office (internal audit).
ROLE_ORGANIZATION_KINDS = {
    Role.CLERK: {OrganizationKind.CREDIT_OFFICE},
    Role.OFFICER: {OrganizationKind.AGENCY},
    Role.AUTHORITY: {OrganizationKind.AUTHORITY},
    Role.AUDITOR: {OrganizationKind.AUTHORITY, OrganizationKind.CREDIT_OFFICE},
    Role.AGENCY_STAFF: {OrganizationKind.SERVICE_AGENCY},
}


class QueryChannel(models.TextChoices):
    WEB = "web", _("Web workbench")
    API = "api", _("API")
    WINDOW = "window", _("Service window")
    PUBLIC = "public", _("Public website")


class QueryMode(models.TextChoices):
    SELF = "self", _("Own-record inquiry")
    AUTHORISED = "authorised", _("Authorised inquiry")
    GOVERNMENT = "government", _("Government sharing")
    PUBLIC = "public", _("Public inquiry")


class QueryPurpose(models.TextChoices):
    """Why a lookup was made.

    Government purposes follow the work in which agencies may query credit information:
    Nanjing art. 44, Tianjin art. 19, Ningbo art. 39. The credit office's own processing
    (objections, repair, integration, reports) has purposes of its own.
    """

    # Nanjing art. 44(1)
    WORK_SAFETY = "work_safety", _("Work safety supervision")
    ENVIRONMENT = "environment", _("Environmental protection")
    FOOD_DRUG = "food_drug", _("Food and drug supervision")
    STATE_ASSETS = "state_assets", _("State-owned asset management")
    # Tianjin art. 19(1), Ningbo art. 39(1)
    ADMINISTRATIVE_LICENSING = "administrative_licensing", _("Administrative licensing")
    INSPECTION = "inspection", _("Administrative inspection and sampling")
    ADMINISTRATIVE_PENALTY = "administrative_penalty", _("Administrative penalty discretion")
    # Nanjing art. 44(2), Tianjin art. 19(2), Ningbo art. 39(2)
    PUBLIC_RESOURCE_TRADING = "public_resource_trading", _("Public resource trading")
    PUBLIC_PROCUREMENT = "public_procurement", _("Government procurement")
    BIDDING = "bidding", _("Tendering and bidding")
    FUNDING_SUPPORT = "funding_support", _("Funding, project and policy support")
    LAND_TRANSFER = "land_transfer", _("Transfer of state-owned land use rights")
    IMPORT_EXPORT = "import_export", _("Import and export management")
    RESEARCH_MANAGEMENT = "research_management", _("Research management")
    AUDIT = "audit", _("Audit")
    # Nanjing art. 44(3), Tianjin art. 19(3)-(4), Ningbo art. 39(3)-(4)
    CIVIL_SERVANT_APPOINTMENT = (
        "civil_servant_appointment",
        _("Recruitment, appointment and promotion of public servants"),
    )
    PROFESSIONAL_TITLE = "professional_title", _("Professional title evaluation")
    TALENT_INTRODUCTION = "talent_introduction", _("Talent introduction")
    RESIDENCE_MANAGEMENT = "residence_management", _("Residence, household and ID management")
    # Tianjin art. 19(5), Ningbo art. 39(5)
    HONOURS = "honours", _("Commendations and awards")
    # Ningbo art. 39(6), Nanjing art. 44(4), Tianjin art. 19(6): needs a written description.
    DAILY_SUPERVISION = "daily_supervision", _("Other day-to-day administration")
    # The credit office's own processing.
    OBJECTION_PROCESSING = "objection_processing", _("Objection processing")
    REPAIR_PROCESSING = "repair_processing", _("Credit repair processing")
    INTEGRATION = "integration", _("Information integration and maintenance")
    JOINT_SANCTION_CHECK = "joint_sanction_check", _("Joint reward and sanction check")
    LISTING_PROCEDURE = "listing_procedure", _("List case handling")
    # Nanjing art. 27: information disclosed on request, read to answer the request.
    DISCLOSURE_REQUEST = "disclosure_request", _("Answering a request for disclosure")
    # Non-government modes (Nanjing art. 54).
    SELF_INQUIRY = "self_inquiry", _("Subject's own inquiry")
    AUTHORISED_USE = "authorised_use", _("Use agreed in the written authorisation")
    PUBLIC_INFORMATION = "public_information", _("Public information inquiry")
    # Nanjing art. 67: a credit service agency's approved batch query (an authorised lookup under
    # its agreement, written only through `apps.core.querylog.log_lookups_bulk`).
    BATCH_QUERY = "batch_query", _("Approved batch query of a credit service agency")


# Purposes allowed per mode; a lookup whose purpose does not fit its mode is refused.
PURPOSES_BY_MODE = {
    QueryMode.SELF: {QueryPurpose.SELF_INQUIRY},
    QueryMode.AUTHORISED: {QueryPurpose.AUTHORISED_USE},
    QueryMode.PUBLIC: {QueryPurpose.PUBLIC_INFORMATION},
    QueryMode.GOVERNMENT: set(QueryPurpose)
    - {QueryPurpose.SELF_INQUIRY, QueryPurpose.AUTHORISED_USE, QueryPurpose.PUBLIC_INFORMATION},
}

# Purposes that must come with a written description of the matter.
PURPOSES_NEEDING_DETAIL = {QueryPurpose.DAILY_SUPERVISION}


class QueryOutcome(models.TextChoices):
    FOUND = "found", _("Found")
    NOT_FOUND = "not_found", _("No record")
    REFUSED = "refused", _("Refused")


class AuthEventKind(models.TextChoices):
    LOGIN = "login", _("Logged in")
    LOGOUT = "logout", _("Logged out")
    LOGIN_FAILED = "login_failed", _("Login failed")
    LOCKED_OUT = "locked_out", _("Account locked")


class DisclosureStart(models.TextChoices):
    DETERMINATION = "determination", _("From the date the conduct was determined")
    CONDUCT_END = "conduct_end", _("From the date the conduct ended")


class RuleSource(models.TextChoices):
    CITY = "city", _("City regulation")
    NATIONAL = "national", _("National rules")


class GoodInfoHiding(models.TextChoices):
    STOP_DISCLOSURE = "stop_disclosure", _("Stop public disclosure")
    DELETE = "delete", _("Delete")


class DocumentKind(models.TextChoices):
    """What an issued document (出具的文书) is. An app that issues a new kind adds it here, with
    its number prefix in `apps.core.documents.NUMBER_PREFIXES`."""

    CREDIT_REPORT = "credit_report", _("Credit report")
    LISTING_NOTICE = "listing_notice", _("Listing prior notice")
    LISTING_DECISION = "listing_decision", _("Decision on listing")
    OBJECTION_REPLY = "objection_reply", _("Objection reply")
    REPAIR_DECISION = "repair_decision", _("Credit repair decision")
    DISCLOSURE_ANSWER = "disclosure_answer", _("Answer to a request for disclosure")


class AttachmentPurpose(models.TextChoices):
    """Why a file was uploaded to a case or a lookup."""

    EVIDENCE = "evidence", _("Evidence")
    PROOF = "proof", _("Proof of rectification")
    AUTHORISATION = "authorisation", _("Written authorisation scan")
    COMMITMENT = "commitment", _("Signed credit commitment")
    AGREEMENT = "agreement", _("Signed agreement")


class DeadlineKind(models.TextChoices):
    """Which statutory clock a deadline is. An app that needs a new clock adds its kind here and
    its rule (the Policy figure it counts) in `apps.core.deadlines.CLOCKS`."""

    STATEMENT = "statement", _("Statement period")
    RED_NOTICE = "red_notice", _("Red-list public notice")
    INTEGRATION = "integration", _("Batch integration")
    OBJECTION_MARK = "objection_mark", _("Objection: mark")
    OBJECTION_DECISION = "objection_decision", _("Objection: the office's decision")
    OBJECTION_FORWARD = "objection_forward", _("Objection: forward to the agency")
    OBJECTION_ANSWER = "objection_answer", _("Objection: the agency's answer")
    OBJECTION_OVERALL = "objection_overall", _("Objection: overall limit")
    OBJECTION_INFORM = "objection_inform", _("Objection: tell the applicant")
    OBJECTION_DIRECT = "objection_direct", _("Objection filed with the agency: its decision")
    REVOCATION_CHANGE = "revocation_change", _("Revoked decision: change the record")
    REVOCATION_AGENCY_NOTICE = "revocation_agency_notice", _("Revoked decision: the agency tells the office")
    REPAIR_ACCEPT = "repair_accept", _("Credit repair: accept or refuse the application")
    REPAIR_DECISION = "repair_decision", _("Credit repair: the decision")
    GOOD_INFO_HIDE = "good_info_hide", _("Good information: hide on request")
    AGENCY_MATERIALS = "agency_materials", _("Service agency: hand in the requested materials")
    SERVICE_AGENCY_OBJECTION_MARK = "sa_objection_mark", _("Objection to a service agency: mark")
    SERVICE_AGENCY_OBJECTION_DECISION = "sa_objection_decision", _("Objection to a service agency: decide")
    DISCLOSURE_ANSWER = "disclosure_answer", _("Disclosure on request: the answer")


class DeadlineStatus(models.TextChoices):
    """Stored: open, paused, met, met late, closed. Overdue is not stored: it is an open clock
    past its due date today, worked out when read (`Deadline.state`, `deadlines.with_state`)."""

    OPEN = "open", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met on time")
    MET_LATE = "met_late", _("Met late")
    CLOSED = "closed", _("Closed")
    OVERDUE = "overdue", _("Overdue")


class NotificationKind(models.TextChoices):
    """What a notification (`core.Notification`) tells its recipient."""

    OVERDUE = "overdue", _("Deadline overdue")
    CASE = "case", _("Case update")


class DeadlineUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("working days")
    DAYS = "days", _("days")
