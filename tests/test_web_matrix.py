"""The web permission matrix: every named page of the project, for the five roles and anonymous.

`PAGES` holds one row per URL name of the urlconf (the admin and the API have their own matrices:
tests/core/test_admin.py and friends, tests/test_api_matrix.py): how to build its URL (objects
from the factories, owned by the officer's agency), the method (POST for pages that only take a
form: an empty form, which a refused user never gets to see validated), and the status each role
gets. Anonymous gets 302 to the login page on every page that needs a login. `other_officer` is
an officer of another agency with the same permissions: another organisation's object is 404.
`test_every_url_name_has_a_row` walks `get_resolver()` and fails for a URL name without a row.

One set of users and objects serves the whole module (built once, rolled back at the end); each
request runs in its own savepoint, so a POST that changes something is undone before the next.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import time_machine
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from apps.catalog import services as catalog_services
from apps.core.choices import QueryChannel, QueryMode, QueryPurpose
from apps.core.querylog import LookupRequest
from apps.subjects import ingestion
from apps.subjects.reports import credit_report_issue
from tests.catalog.factories import CatalogFactory, CatalogItemFactory, ConsultationCatalogFactory
from tests.factories import (
    AuditorFactory,
    AuthorityUserFactory,
    ClerkFactory,
    NoRoleUserFactory,
    NotificationFactory,
    OfficerFactory,
    QueryFlagFactory,
)
from tests.sanctions import factories as case_factories
from tests.service_agencies.factories import (
    AgencyStaffFactory,
    PushedReportFactory,
    RegistryFilingFactory,
    SupervisionActionFactory,
)
from tests.subjects.factories import CommitmentFactory

# The mark also makes pytest-django set up the test database for the module-scoped world.
pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "clerk", "officer", "other_officer", "authority", "auditor", "admin", "agency_staff")
# URL namespaces and prefixes checked elsewhere.
SKIPPED_NAMESPACES = {"admin"}
SKIPPED_PREFIXES = ("admin/", "api/")
# The world's records and cases carry 2026 dates: the clock is set to match (any real date passes).
TODAY = "2026-12-02T10:00+08:00"


class World:
    def __init__(self):
        from apps.core.management.commands.load_policies import load_presets

        load_presets()
        base = case_factories.make_world()
        self.base = base
        self.users = {
            "anonymous": None,
            "clerk": ClerkFactory(),
            "officer": base.officer,
            "other_officer": OfficerFactory(),
            "authority": AuthorityUserFactory(),
            "auditor": AuditorFactory(),
            "admin": NoRoleUserFactory(is_superuser=True, is_staff=True),
            "agency_staff": AgencyStaffFactory(),
        }
        self.catalog = ConsultationCatalogFactory()
        self.case = case_factories.ListingCaseNoticeIssuedFactory(world=base)
        self.batch = ingestion.batch_from_rows(
            by=base.officer,
            item=base.record.item,
            provider=base.officer.organization,
            rows=[{"identifier": base.company.identifier, "name": base.company.name, "document_number": "x"}],
        )
        self.commitment = CommitmentFactory(subject=base.company, made_to=base.officer.organization)
        # A colleague of the officer is flagged (a flag on the officer would refuse its lookups).
        self.flag = QueryFlagFactory(user=OfficerFactory(organization=base.officer.organization))
        # A notification is its recipient's alone: anyone else's request finds nothing.
        self.notification = NotificationFactory(recipient=base.officer)
        self.draft = CatalogFactory()
        self.entry = CatalogItemFactory(catalog=self.draft)
        self.comment = catalog_services.comment_add(self.catalog, by=base.officer, text="建议补充说明")
        lookup = LookupRequest(
            user=self.users["clerk"],
            mode=QueryMode.GOVERNMENT,
            purpose=QueryPurpose.INTEGRATION,
            channel=QueryChannel.WEB,
        )
        self.report, _pdf = credit_report_issue(lookup, base.company)
        from apps.sanctions import services

        self.check, *_ = services.sanction_check(by=base.officer, identifier=base.company.identifier, matter="bidding")
        self.objection = self._objection(0)  # received
        self.forwarded = self._objection(2)  # forwarded to the officer's agency
        self.closed = self._objection(5)  # decided and the reply issued
        from apps.objections import revocations

        self.revocation = revocations.revocation_file(  # filed by the officer's agency
            by=base.officer,
            subject=base.company,
            records=[base.record],
            kind="revoked",
            document_number="（2026）苏01行终88号",
            document_date=datetime.date(2026, 11, 30),
            document_body="南京市中级人民法院",
            reason="判决撤销处罚决定",
        )
        self._repair()
        self._disclosure()

    def _disclosure(self):
        """Requests for disclosure (依申请公开): one just filed, one answered with its document."""
        from apps.subjects import disclosure_requests
        from tests.subjects.factories import PersonFactory

        clerk, company = self.users["clerk"], self.base.company

        def disclosure_filed():
            return disclosure_requests.disclosure_request_file(
                requester_name="李四",
                requester_id_number=PersonFactory.build().identifier,
                requester_contact="13900000000",
                subject_name=company.name,
                subject_identifier=company.identifier,
                information="行政处罚信息",
                access_form="copy",
            )

        self.disclosure = disclosure_filed()
        self.disclosure_answered = disclosure_filed()
        disclosure_requests.disclosure_request_step(self.disclosure_answered, "accept", by=clerk, reason="受理")
        disclosure_requests.disclosure_request_step(
            self.disclosure_answered, "answer", by=clerk, reason="答复", answer="现提供复制件。"
        )

    def _batch_queries(self):
        """Batch-query applications of the agency staff's agency (Nanjing art. 67): one received,
        one approved by the clerk and run once by the agency (its result stored)."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from apps.service_agencies import services_batch

        staff, clerk = self.users["agency_staff"], self.users["clerk"]

        def apply():
            return services_batch.batch_apply(
                by=staff,
                reason="申请批量查询",
                purpose="授信客户信用评估",
                legal_basis="《南京市社会信用条例》第六十七条",
                subject_count=1,
                agreement=SimpleUploadedFile("协议.pdf", b"%PDF-1.4\n%%EOF\n"),
                identifiers=SimpleUploadedFile("ids.csv", f"标识\n{self.base.company.identifier}\n".encode()),
            )

        self.batch_received = apply()
        self.batch_query = apply()
        services_batch.batch_step(
            self.batch_query,
            "approve",
            by=clerk,
            reason="批准",
            approved_count=1,
            valid_until=datetime.date(2026, 12, 31),
        )
        services_batch.batch_run(self.batch_query, by=staff)

    def _repair(self):
        """Repair: a decided application (not repaired, its decision issued) and an open one,
        both on a general record determined by the officer's agency; a request about good
        information; an interview held by the officer's agency."""
        from apps.catalog.choices import Category
        from apps.repair import good_info, interviews
        from apps.repair import services as repair
        from tests.subjects.factories import RecordFactory

        clerk, officer, company = self.users["clerk"], self.base.officer, self.base.company
        record = RecordFactory(
            subject=company,
            item=self.base.record.item,
            provider=officer.organization,
            determined_on=datetime.date(2026, 5, 10),
            disclosure_ends_on=datetime.date(2029, 5, 10),
        )

        def filed():
            return repair.repair_file(
                by=clerk,
                subject=company,
                records=[record],
                means=["corrected", "obligations", "commitment"],
                statement="已缴清罚款",
                applicant_name="张经办",
                applicant_contact="13800000000",
                commitment_signed=True,
                scan_required=False,
                reason="窗口受理",
            )

        self.repair_decided = filed()
        repair.repair_step(self.repair_decided, "accept", by=officer, reason="受理")
        repair.repair_step(self.repair_decided, "not-repair", by=officer, reason="决定", outcome_reason="尚未履行")
        self.repair_open = filed()
        good = RecordFactory(
            subject=company, item__category=Category.GOOD, category=Category.GOOD, provider=officer.organization
        )
        self.good_info = good_info.good_info_file(
            by=clerk, subject=company, records=[good], applicant_name="张三", applicant_contact="1", reason="受理"
        )
        self.interview = interviews.interview_record(
            by=officer,
            subject=company,
            kind="prompt",
            held_on=datetime.date(2026, 11, 30),
            participants="法定代表人",
            notes="督促履行",
            reason="约谈",
        )

        # the agency staff's own agency's registration, filed and awaiting review
        self.filing = RegistryFilingFactory(agency=self.users["agency_staff"].organization)
        # the authority asked that agency for materials (not received yet)
        self.action = SupervisionActionFactory(agency=self.users["agency_staff"].organization, kind="materials")
        # objections that agency received about its own reports: one received, one decided
        from apps.objections import agency
        from tests.objections.factories import receive_agency_objection

        staff = self.users["agency_staff"]
        self.agency_objection = receive_agency_objection(staff)
        self.agency_objection_decided = receive_agency_objection(staff)
        agency.agency_objection_step(self.agency_objection_decided, "mark", by=staff, reason="标注")
        agency.agency_objection_step(
            self.agency_objection_decided,
            "decide",
            by=staff,
            reason="决定",
            outcome="kept",
            source="本机构评级数据库",
            outcome_reason="核实无误",
        )
        self._batch_queries()

    def _objection(self, steps: int):
        from apps.objections import services as objections

        clerk, officer = self.users["clerk"], self.base.officer
        objection = objections.objection_file(
            by=clerk,
            subject=self.base.company,
            records=[self.base.record],
            grounds=["error"],
            statement="处罚已撤销",
            applicant_name="张经办",
            applicant_contact="13800000000",
            channel="window",
            reason="窗口受理",
        )
        for name, by, data in (
            ("accept", clerk, {}),
            ("forward", clerk, {"agency": officer.organization}),
            ("answer", officer, {"answer": "kept", "answer_reason": "准确"}),
            ("decide", clerk, {"outcome": "kept", "outcome_reason": "准确"}),
            ("inform", clerk, {}),
        )[:steps]:
            objections.objection_step(objection, name, by=by, reason=name, **data)
        return objection


@dataclass(frozen=True)
class Page:
    url: Callable[[World], str]
    expected: dict[str, int]  # role → status
    method: str = "GET"
    data: dict = field(default_factory=dict)  # a valid form for POST pages: the permission decides
    defects: dict[str, str] = field(default_factory=dict)  # role → why the answer is wrong (xfail)


def at(name: str, *args: Callable[[World], object] | str) -> Callable[[World], str]:
    def build(world: World) -> str:
        values = [arg if isinstance(arg, str) else arg(world) for arg in args]
        return reverse(name, args=[getattr(v, "pk", v) for v in values])

    return build


def statuses(anonymous, clerk, officer, other_officer, authority, auditor, admin) -> dict[str, int]:
    """The first seven columns; the agency staff's column is `AGENCY_STAFF` below."""
    return dict(zip(ROLES[:7], (anonymous, clerk, officer, other_officer, authority, auditor, admin), strict=True))


GOVERNMENT_LOOKUP = {"mode": "government", "purpose": "administrative_licensing"}

PAGES: dict[str, Page] = {
    "login": Page(at("login"), statuses(200, 302, 302, 302, 302, 302, 302)),
    "logout": Page(at("logout"), statuses(302, 302, 302, 302, 302, 302, 302), method="POST"),
    # core
    "core:home": Page(at("core:home"), statuses(302, 200, 200, 200, 200, 200, 200)),
    "core:querylog_list": Page(at("core:querylog_list"), statuses(302, 200, 200, 200, 200, 200, 200)),
    "core:queryflag_list": Page(at("core:queryflag_list"), statuses(302, 200, 200, 200, 200, 200, 200)),
    "core:systemaccount_list": Page(at("core:systemaccount_list"), statuses(302, 200, 403, 403, 200, 200, 200)),
    "core:queryflag_clear": Page(
        at("core:queryflag_clear", lambda w: w.flag),
        statuses(302, 302, 403, 404, 403, 403, 302),
        method="POST",
        data={"reason": "核实为正常业务"},
    ),
    # Every signed-in user; each sees the clocks of what it may see (tests/core/test_workbench.py).
    "core:workbench": Page(at("core:workbench"), statuses(302, 200, 200, 200, 200, 200, 200)),
    "core:notification_read": Page(
        at("core:notification_read", lambda w: w.notification),
        statuses(302, 404, 302, 404, 404, 404, 404),
        method="POST",
    ),
    "core:authevent_list": Page(at("core:authevent_list"), statuses(302, 403, 403, 403, 403, 200, 200)),
    # The auditor's workspace (issue 17): the history tables and the verification runs are on the
    # auditor's allow-list only.
    "core:audit_history": Page(
        lambda w: reverse("core:audit_history") + "?model=subjects.creditrecord",
        statuses(302, 403, 403, 403, 403, 200, 200),
    ),
    "core:audit_chain": Page(at("core:audit_chain"), statuses(302, 403, 403, 403, 403, 200, 200)),
    "core:audit_chain_verify": Page(
        at("core:audit_chain_verify"), statuses(302, 403, 403, 403, 403, 302, 302), method="POST"
    ),
    "core:policy": Page(at("core:policy"), statuses(302, 200, 200, 200, 200, 200, 200)),
    "core:workdays": Page(at("core:workdays"), statuses(302, 200, 200, 200, 200, 200, 200)),
    # catalog
    "catalog:catalog_list": Page(at("catalog:catalog_list"), statuses(302, 200, 200, 200, 200, 200, 200)),
    "catalog:measurelist_list": Page(at("catalog:measurelist_list"), statuses(302, 200, 200, 200, 200, 200, 200)),
    "catalog:exemptionlist_list": Page(at("catalog:exemptionlist_list"), statuses(302, 200, 200, 200, 200, 200, 200)),
    "catalog:item_list": Page(at("catalog:item_list"), statuses(302, 200, 200, 200, 200, 200, 200)),
    "catalog:measure_list": Page(at("catalog:measure_list"), statuses(302, 200, 200, 200, 200, 200, 200)),
    "catalog:catalog_export": Page(
        at("catalog:catalog_export", lambda w: w.catalog, "xlsx"), statuses(302, 200, 200, 200, 200, 200, 200)
    ),
    # Importing items writes a draft catalog: the credit office's (drafter's) page only.
    "catalog:catalog_import": Page(
        at("catalog:catalog_import", lambda w: w.catalog),
        statuses(302, 200, 403, 403, 403, 403, 200),
    ),
    "catalog:document_list": Page(
        at("catalog:document_list", "measure-lists"), statuses(302, 200, 200, 200, 200, 200, 200)
    ),
    "catalog:document_create": Page(
        at("catalog:document_create", "catalogs"),
        statuses(302, 302, 403, 403, 403, 403, 302),
        method="POST",
        data={"new-level": "city", "new-title": "补充目录", "new-reason": "起草"},
    ),
    "catalog:document_detail": Page(
        at("catalog:document_detail", "catalogs", lambda w: w.catalog), statuses(302, 200, 200, 200, 200, 200, 200)
    ),
    "catalog:document_step": Page(
        at("catalog:document_step", "catalogs", lambda w: w.catalog, "approve"),
        statuses(302, 403, 403, 403, 302, 403, 302),
        method="POST",
        data={"approval_document": "宁政复〔2026〕5号", "reason": "市政府批准"},
    ),
    "catalog:comment_add": Page(
        at("catalog:comment_add", "catalogs", lambda w: w.catalog),
        statuses(302, 302, 302, 302, 302, 404, 302),
        method="POST",
        data={"text": "建议"},
    ),
    "catalog:comment_reply": Page(
        at("catalog:comment_reply", "catalogs", lambda w: w.catalog, lambda w: w.comment),
        statuses(302, 302, 403, 403, 403, 403, 302),
        method="POST",
        data={"reply": "已采纳"},
    ),
    "catalog:entry_add": Page(
        at("catalog:entry_add", "catalogs", lambda w: w.draft), statuses(302, 200, 404, 404, 404, 404, 200)
    ),
    "catalog:entry_edit": Page(
        at("catalog:entry_edit", "catalogs", lambda w: w.draft, lambda w: w.entry),
        statuses(302, 200, 404, 404, 404, 404, 200),
    ),
    "catalog:entry_remove": Page(
        at("catalog:entry_remove", "catalogs", lambda w: w.draft, lambda w: w.entry),
        statuses(302, 302, 403, 403, 403, 403, 302),
        method="POST",
        data={"reason": "重复"},
    ),
    "catalog:document_compare": Page(
        at("catalog:document_compare", "catalogs", lambda w: w.catalog, lambda w: w.base.listing_item.catalog),
        statuses(302, 200, 200, 200, 200, 200, 200),
    ),
    # the public catalog pages (no login): what is published, and a list in consultation
    "catalog:public_index": Page(at("catalog:public_index"), statuses(200, 200, 200, 200, 200, 200, 200)),
    "catalog:public_document": Page(
        at("catalog:public_document", "catalogs", lambda w: w.base.record.item.catalog),
        statuses(200, 200, 200, 200, 200, 200, 200),
    ),
    "catalog:public_item": Page(
        at("catalog:public_item", lambda w: w.base.record.item.catalog, lambda w: w.base.record.item),
        statuses(200, 200, 200, 200, 200, 200, 200),
    ),
    "catalog:public_consultation": Page(
        at("catalog:public_consultation", "catalogs", lambda w: w.catalog), statuses(200, 200, 200, 200, 200, 200, 200)
    ),
    # subjects
    "subjects:search": Page(at("subjects:search"), statuses(302, 200, 200, 200, 200, 200, 200)),
    "subjects:credit_file": Page(
        at("subjects:credit_file", lambda w: w.base.company),
        statuses(302, 200, 200, 200, 200, 200, 200),
        method="POST",
        data=GOVERNMENT_LOOKUP,
    ),
    "subjects:report_issue": Page(
        at("subjects:report_issue", lambda w: w.base.company),
        statuses(302, 200, 403, 403, 403, 403, 200),
        method="POST",
        data=GOVERNMENT_LOOKUP,
    ),
    "subjects:report_pdf": Page(
        at("subjects:report_pdf", lambda w: w.report.code), statuses(302, 200, 404, 404, 200, 200, 200)
    ),
    "subjects:verify": Page(at("subjects:verify"), statuses(200, 200, 200, 200, 200, 200, 200)),
    "subjects:record_list": Page(at("subjects:record_list"), statuses(302, 200, 200, 200, 200, 200, 200)),
    # another agency's officer: 404 (an agency sees the records it provided)
    "subjects:subject_trail": Page(
        lambda w: reverse("subjects:subject_trail") + f"?subject={w.base.company.pk}",
        statuses(302, 403, 403, 403, 403, 200, 200),
    ),
    "subjects:record_detail": Page(
        at("subjects:record_detail", lambda w: w.base.record), statuses(302, 200, 200, 404, 200, 200, 200)
    ),
    "subjects:record_create": Page(
        at("subjects:record_create", lambda w: w.base.record.item), statuses(302, 403, 200, 200, 403, 403, 200)
    ),
    "subjects:record_correct": Page(
        at("subjects:record_correct", lambda w: w.base.record), statuses(302, 404, 200, 404, 404, 404, 200)
    ),
    "subjects:batch_list": Page(at("subjects:batch_list"), statuses(302, 200, 200, 200, 200, 200, 200)),
    "subjects:batch_upload": Page(
        at("subjects:batch_upload"), statuses(302, 403, 302, 302, 403, 403, 302), method="POST"
    ),
    "subjects:batch_detail": Page(
        at("subjects:batch_detail", lambda w: w.batch), statuses(302, 200, 200, 404, 200, 200, 200)
    ),
    "subjects:batch_step": Page(
        at("subjects:batch_step", lambda w: w.batch, "submit"),
        statuses(302, 403, 302, 404, 403, 403, 302),
        method="POST",
        data={"reason": "报送"},
    ),
    "subjects:batch_template": Page(
        at("subjects:batch_template", lambda w: w.base.record.item), statuses(302, 403, 200, 200, 403, 403, 200)
    ),
    "subjects:batch_template_xlsx": Page(
        at("subjects:batch_template_xlsx", lambda w: w.base.record.item), statuses(302, 403, 200, 200, 403, 403, 200)
    ),
    "subjects:commitment_list": Page(at("subjects:commitment_list"), statuses(302, 200, 200, 200, 200, 200, 200)),
    "subjects:commitment_resolve": Page(
        at("subjects:commitment_resolve", lambda w: w.commitment),
        statuses(302, 404, 302, 404, 404, 404, 302),
        method="POST",
    ),
    # sanctions
    "sanctions:case_list": Page(at("sanctions:case_list"), statuses(302, 200, 200, 200, 200, 200, 200)),
    # filing a case: the officers of an agency, any agency (their own subjects' records are offered)
    "sanctions:case_new": Page(at("sanctions:case_new"), statuses(302, 403, 200, 200, 403, 403, 403)),
    "sanctions:case_detail": Page(
        at("sanctions:case_detail", lambda w: w.case), statuses(302, 200, 200, 404, 200, 200, 200)
    ),
    "sanctions:case_step": Page(
        at("sanctions:case_step", lambda w: w.case, "delivery"),
        statuses(302, 403, 302, 404, 403, 403, 302),
        method="POST",
        data={"delivered_on": "2026-12-02", "reason": "送达"},
    ),
    "sanctions:case_document": Page(
        at("sanctions:case_document", lambda w: w.case, "notice"), statuses(302, 200, 200, 404, 200, 200, 200)
    ),
    "sanctions:check": Page(at("sanctions:check"), statuses(302, 403, 200, 200, 403, 403, 200)),
    "sanctions:check_detail": Page(
        at("sanctions:check_detail", lambda w: w.check), statuses(302, 200, 200, 404, 200, 200, 200)
    ),
    "sanctions:statistics": Page(at("sanctions:statistics"), statuses(302, 200, 200, 200, 200, 200, 200)),
    # the public credit portal (issue 18): no login, the same page for everyone
    "subjects:public_search": Page(at("subjects:public_search"), statuses(200, 200, 200, 200, 200, 200, 200)),
    "subjects:public_subject": Page(
        at("subjects:public_subject", lambda w: str(w.base.company.public_key)),
        statuses(200, 200, 200, 200, 200, 200, 200),
    ),
    "subjects:public_subject_records": Page(
        at("subjects:public_subject_records", lambda w: str(w.base.company.public_key), "dishonest"),
        statuses(200, 200, 200, 200, 200, 200, 200),
    ),
    "subjects:public_feed": Page(at("subjects:public_feed", "penalties"), statuses(200, 200, 200, 200, 200, 200, 200)),
    "subjects:public_feed_export": Page(
        at("subjects:public_feed_export", "licences"), statuses(200, 200, 200, 200, 200, 200, 200)
    ),
    "subjects:public_agency_feed": Page(
        at("subjects:public_agency_feed", lambda w: w.base.officer.organization),
        statuses(200, 200, 200, 200, 200, 200, 200),
    ),
    "sanctions:public_serious": Page(at("sanctions:public_serious"), statuses(200, 200, 200, 200, 200, 200, 200)),
    "sanctions:public_red": Page(at("sanctions:public_red"), statuses(200, 200, 200, 200, 200, 200, 200)),
    # objections: the credit office handles them; an agency sees those forwarded to it
    "objections:list": Page(at("objections:list"), statuses(302, 200, 200, 200, 200, 200, 200)),
    "objections:new": Page(
        lambda w: reverse("objections:new") + f"?identifier={w.base.company.identifier}",
        statuses(302, 200, 200, 200, 403, 403, 403),
    ),
    "objections:detail": Page(
        at("objections:detail", lambda w: w.forwarded), statuses(302, 200, 200, 404, 200, 200, 200)
    ),
    "objections:step": Page(
        at("objections:step", lambda w: w.objection, "accept"),
        statuses(302, 302, 404, 404, 403, 403, 302),
        method="POST",
        data={"reason": "受理"},
    ),
    "objections:reply": Page(at("objections:reply", lambda w: w.closed), statuses(302, 200, 200, 404, 200, 200, 200)),
    # revocation notices: an agency files and sees its own; the credit office applies or returns
    "objections:revocation_list": Page(at("objections:revocation_list"), statuses(302, 200, 200, 200, 200, 200, 200)),
    "objections:revocation_new": Page(
        lambda w: reverse("objections:revocation_new") + f"?identifier={w.base.company.identifier}",
        statuses(302, 403, 200, 200, 403, 403, 403),
    ),
    "objections:revocation_detail": Page(
        at("objections:revocation_detail", lambda w: w.revocation), statuses(302, 200, 200, 404, 200, 200, 200)
    ),
    "objections:revocation_step": Page(
        at("objections:revocation_step", lambda w: w.revocation, "apply"),
        statuses(302, 302, 403, 404, 403, 403, 302),
        method="POST",
        data={"reason": "依告知撤销记录"},
    ),
    # objections a service agency received about its own reports: its staff record and handle
    # them (column AGENCY_STAFF); the credit office and the authority read; officers see none
    "objections:agency_list": Page(at("objections:agency_list"), statuses(302, 200, 403, 403, 200, 200, 200)),
    "objections:agency_new": Page(at("objections:agency_new"), statuses(302, 403, 403, 403, 403, 403, 403)),
    "objections:agency_detail": Page(
        at("objections:agency_detail", lambda w: w.agency_objection), statuses(302, 200, 404, 404, 200, 200, 200)
    ),
    "objections:agency_step": Page(
        at("objections:agency_step", lambda w: w.agency_objection, "mark"),
        statuses(302, 403, 404, 404, 403, 403, 403),
        method="POST",
        data={"reason": "作出异议标注"},
    ),
    "objections:agency_reply": Page(
        at("objections:agency_reply", lambda w: w.agency_objection_decided),
        statuses(302, 200, 404, 404, 200, 200, 200),
    ),
    # the public objection pages: no login; filing, the confirmation (nothing filed in this
    # session: a page saying so) and the status form answer everyone alike
    "objections:public_file": Page(at("objections:public_file"), statuses(200, 200, 200, 200, 200, 200, 200)),
    "objections:public_filed": Page(at("objections:public_filed"), statuses(200, 200, 200, 200, 200, 200, 200)),
    "objections:public_status": Page(at("objections:public_status"), statuses(200, 200, 200, 200, 200, 200, 200)),
    # statistics: every role with the view permission; an officer gets its own agency's row only
    "objections:statistics": Page(at("objections:statistics"), statuses(302, 200, 200, 200, 200, 200, 200)),
    # credit repair: the determining agency (the record's provider) takes the steps; the credit
    # office enters and sees all; another agency's officer finds nothing
    "repair:list": Page(at("repair:list"), statuses(302, 200, 200, 200, 200, 200, 200)),
    "repair:new": Page(
        lambda w: reverse("repair:new") + f"?identifier={w.base.company.identifier}",
        statuses(302, 200, 200, 200, 403, 403, 403),
    ),
    "repair:detail": Page(at("repair:detail", lambda w: w.repair_open), statuses(302, 200, 200, 404, 200, 200, 200)),
    "repair:step": Page(
        at("repair:step", lambda w: w.repair_open, "accept"),
        statuses(302, 403, 302, 404, 403, 403, 302),
        method="POST",
        data={"reason": "受理"},
    ),
    "repair:decision": Page(
        at("repair:decision", lambda w: w.repair_decided), statuses(302, 200, 200, 404, 200, 200, 200)
    ),
    # requests about good information: the credit office's work; agencies are told, not shown
    "repair:good_info_list": Page(at("repair:good_info_list"), statuses(302, 200, 403, 403, 200, 200, 200)),
    "repair:good_info_new": Page(
        lambda w: reverse("repair:good_info_new") + f"?identifier={w.base.company.identifier}",
        statuses(302, 200, 403, 403, 403, 403, 403),
    ),
    "repair:good_info_detail": Page(
        at("repair:good_info_detail", lambda w: w.good_info), statuses(302, 200, 404, 404, 200, 200, 200)
    ),
    "repair:good_info_step": Page(
        at("repair:good_info_step", lambda w: w.good_info, "apply"),
        statuses(302, 302, 404, 404, 403, 403, 302),
        method="POST",
        data={"reason": "停止对外查询"},
    ),
    # requests for disclosure (依申请公开, issue 18 item 3): filed by anyone on the portal, handled
    # by the credit office; the authority and auditors read, officers see none
    "subjects:public_disclosure_request": Page(
        at("subjects:public_disclosure_request"), statuses(200, 200, 200, 200, 200, 200, 200)
    ),
    "subjects:public_disclosure_filed": Page(
        at("subjects:public_disclosure_filed"), statuses(200, 200, 200, 200, 200, 200, 200)
    ),
    "subjects:public_disclosure_status": Page(
        at("subjects:public_disclosure_status"), statuses(200, 200, 200, 200, 200, 200, 200)
    ),
    "subjects:disclosure_request_list": Page(
        at("subjects:disclosure_request_list"), statuses(302, 200, 403, 403, 200, 200, 200)
    ),
    "subjects:disclosure_request_detail": Page(
        at("subjects:disclosure_request_detail", lambda w: w.disclosure), statuses(302, 200, 404, 404, 200, 200, 200)
    ),
    "subjects:disclosure_request_step": Page(
        at("subjects:disclosure_request_step", lambda w: w.disclosure, "accept"),
        statuses(302, 302, 404, 404, 403, 403, 302),
        method="POST",
        data={"reason": "受理"},
    ),
    "subjects:disclosure_request_document": Page(
        at("subjects:disclosure_request_document", lambda w: w.disclosure_answered),
        statuses(302, 200, 404, 404, 200, 200, 200),
    ),
    "repair:interview_list": Page(at("repair:interview_list"), statuses(302, 200, 200, 200, 200, 200, 200)),
    "repair:interview_new": Page(
        lambda w: reverse("repair:interview_new") + f"?identifier={w.base.company.identifier}",
        statuses(302, 403, 200, 200, 403, 403, 403),
    ),
    "repair:statistics": Page(at("repair:statistics"), statuses(302, 200, 200, 200, 200, 200, 200)),
    "repair:public_apply": Page(at("repair:public_apply"), statuses(200, 200, 200, 200, 200, 200, 200)),
    "repair:public_filed": Page(at("repair:public_filed"), statuses(200, 200, 200, 200, 200, 200, 200)),
    "repair:public_status": Page(at("repair:public_status"), statuses(200, 200, 200, 200, 200, 200, 200)),
    "repair:public_announcements": Page(at("repair:public_announcements"), statuses(200, 200, 200, 200, 200, 200, 200)),
    # service agencies: the registry (名册); officers hold no permission on it, the agency staff's
    # column (AGENCY_STAFF) is its own agency's
    "service_agencies:filing_list": Page(
        at("service_agencies:filing_list"), statuses(302, 200, 403, 403, 200, 200, 200)
    ),
    "service_agencies:filing_new": Page(at("service_agencies:filing_new"), statuses(302, 403, 403, 403, 403, 403, 403)),
    "service_agencies:filing_detail": Page(
        at("service_agencies:filing_detail", lambda w: w.filing), statuses(302, 200, 404, 404, 200, 200, 200)
    ),
    "service_agencies:filing_step": Page(
        at("service_agencies:filing_step", lambda w: w.filing, "accept"),
        statuses(302, 403, 404, 404, 302, 403, 302),
        method="POST",
        data={"reason": "审核通过"},
    ),
    "service_agencies:business_report_new": Page(
        at("service_agencies:business_report_new"), statuses(302, 403, 403, 403, 403, 403, 403)
    ),
    "service_agencies:public_registry": Page(
        at("service_agencies:public_registry"), statuses(200, 200, 200, 200, 200, 200, 200)
    ),
    # supervision: the authority records and receives; the credit office and auditors read
    "service_agencies:action_list": Page(
        at("service_agencies:action_list"), statuses(302, 200, 403, 403, 200, 200, 200)
    ),
    "service_agencies:action_new": Page(at("service_agencies:action_new"), statuses(302, 403, 403, 403, 200, 403, 200)),
    "service_agencies:action_detail": Page(
        at("service_agencies:action_detail", lambda w: w.action), statuses(302, 200, 404, 404, 200, 200, 200)
    ),
    "service_agencies:action_receive": Page(
        at("service_agencies:action_receive", lambda w: w.action),
        statuses(302, 403, 404, 404, 302, 403, 302),
        method="POST",
        data={"on": "2026-12-02", "reason": "材料已收到"},
    ),
    # free reports: an agency records its own; the platform-wide roles read
    "service_agencies:statistics": Page(at("service_agencies:statistics"), statuses(302, 200, 403, 403, 200, 200, 200)),
    "service_agencies:free_report_list": Page(
        at("service_agencies:free_report_list"), statuses(302, 200, 403, 403, 200, 200, 200)
    ),
    # Nanjing art. 69 para. 4: the sanctions app's rule of who opens a case from a finding (the
    # authority, from its own); the materials request here is no false report: the page answers
    # with its message (302). Officers do not see supervision actions (404).
    "service_agencies:action_open_case": Page(
        at("service_agencies:action_open_case", lambda w: w.action),
        statuses(302, 403, 404, 404, 302, 403, 302),
        method="POST",
        data={"reason": "联合惩戒"},
    ),
    # Nanjing art. 65: pushed by a body's officers, read by them (their own), the credit office
    # and auditors; agency staff and the authority hold no permission on them.
    "service_agencies:pushed_list": Page(
        at("service_agencies:pushed_list"), statuses(302, 200, 200, 200, 403, 200, 200)
    ),
    "service_agencies:pushed_new": Page(at("service_agencies:pushed_new"), statuses(302, 403, 200, 200, 403, 403, 403)),
    "service_agencies:pushed_detail": Page(
        at("service_agencies:pushed_detail", lambda w: PushedReportFactory(pushed_by=w.base.officer)),
        statuses(302, 200, 200, 404, 404, 200, 200),
    ),
    "service_agencies:pushed_file": Page(
        at("service_agencies:pushed_file", lambda w: PushedReportFactory(pushed_by=w.base.officer)),
        statuses(302, 200, 200, 404, 404, 200, 200),
    ),
    # batch-query applications (Nanjing art. 67): an agency applies, runs and downloads its own;
    # the clerk approves or refuses; the platform-wide roles read, and no one else has the result
    "service_agencies:batch_list": Page(at("service_agencies:batch_list"), statuses(302, 200, 403, 403, 200, 200, 200)),
    "service_agencies:batch_new": Page(at("service_agencies:batch_new"), statuses(302, 403, 403, 403, 403, 403, 403)),
    "service_agencies:batch_detail": Page(
        at("service_agencies:batch_detail", lambda w: w.batch_query), statuses(302, 200, 404, 404, 200, 200, 200)
    ),
    "service_agencies:batch_step": Page(
        at("service_agencies:batch_step", lambda w: w.batch_received, "approve"),
        statuses(302, 302, 404, 404, 403, 403, 302),
        method="POST",
        data={"approved_count": 1, "valid_until": "2026-12-31", "reason": "批准"},
    ),
    "service_agencies:batch_run": Page(
        at("service_agencies:batch_run", lambda w: w.batch_query),
        statuses(302, 403, 404, 404, 403, 403, 403),
        method="POST",
    ),
    "service_agencies:batch_agreement": Page(
        at("service_agencies:batch_agreement", lambda w: w.batch_query), statuses(302, 200, 404, 404, 200, 200, 200)
    ),
    "service_agencies:batch_download": Page(
        at("service_agencies:batch_download", lambda w: w.batch_query, "1", "csv"),
        statuses(302, 403, 404, 404, 403, 403, 403),
    ),
}

# Staff of a credit service agency (信用服务机构, apps.service_agencies): its own agency's pages,
# their home, the city's policy and the public pages; nothing of the credit files, records,
# listings or objections (403 where the page needs a permission they lack, 404 for an object).
AGENCY_STAFF: dict[str, int] = {
    "login": 302,
    "logout": 302,
    "core:home": 200,
    "core:querylog_list": 403,
    "core:queryflag_list": 403,
    "core:queryflag_clear": 404,
    "core:workbench": 200,
    "core:notification_read": 404,
    "core:authevent_list": 403,
    "core:audit_history": 403,
    "core:audit_chain": 403,
    "core:audit_chain_verify": 403,
    "core:policy": 200,
    "core:workdays": 403,
    "core:systemaccount_list": 403,
    "catalog:catalog_list": 404,
    "catalog:measurelist_list": 404,
    "catalog:exemptionlist_list": 404,
    "catalog:item_list": 403,
    "catalog:measure_list": 403,
    "catalog:catalog_export": 404,
    "catalog:catalog_import": 404,
    "catalog:document_list": 404,
    "catalog:document_create": 403,
    "catalog:document_detail": 404,
    "catalog:document_step": 404,
    "catalog:comment_add": 404,
    "catalog:comment_reply": 404,
    "catalog:entry_add": 404,
    "catalog:entry_edit": 404,
    "catalog:entry_remove": 404,
    "catalog:document_compare": 404,
    "catalog:public_index": 200,
    "catalog:public_document": 200,
    "catalog:public_item": 200,
    "catalog:public_consultation": 200,
    "subjects:search": 403,
    "subjects:credit_file": 403,
    "subjects:report_issue": 403,
    "subjects:report_pdf": 404,
    "subjects:verify": 200,
    "subjects:record_list": 403,
    "subjects:record_detail": 403,
    "subjects:subject_trail": 403,
    "subjects:record_create": 403,
    "subjects:record_correct": 404,
    "subjects:batch_list": 403,
    "subjects:batch_upload": 403,
    "subjects:batch_detail": 404,
    "subjects:batch_step": 404,
    "subjects:batch_template": 403,
    "subjects:batch_template_xlsx": 403,
    "subjects:commitment_list": 403,
    "subjects:commitment_resolve": 404,
    "sanctions:case_list": 403,
    "sanctions:case_new": 403,
    "sanctions:case_detail": 404,
    "sanctions:case_step": 404,
    "sanctions:case_document": 404,
    "sanctions:check": 403,
    "sanctions:check_detail": 404,
    "sanctions:statistics": 403,
    "subjects:public_search": 200,
    "subjects:public_subject": 200,
    "subjects:public_subject_records": 200,
    "subjects:public_feed": 200,
    "subjects:public_feed_export": 200,
    "subjects:public_agency_feed": 200,
    "sanctions:public_serious": 200,
    "sanctions:public_red": 200,
    "objections:list": 403,
    "objections:new": 403,
    "objections:detail": 404,
    "objections:step": 404,
    "objections:reply": 404,
    "objections:revocation_list": 403,
    "objections:revocation_new": 403,
    "objections:revocation_detail": 404,
    "objections:revocation_step": 404,
    "objections:public_file": 200,
    "objections:public_filed": 200,
    "objections:public_status": 200,
    "objections:statistics": 403,
    # its own agency's objections: recorded, marked and decided by its staff
    "objections:agency_list": 200,
    "objections:agency_new": 200,
    "objections:agency_detail": 200,
    "objections:agency_step": 302,
    "objections:agency_reply": 200,
    "service_agencies:filing_list": 200,
    "service_agencies:filing_new": 200,
    "service_agencies:filing_detail": 200,
    # its own filing: the authority reviews it, not the agency
    "service_agencies:filing_step": 403,
    "service_agencies:business_report_new": 200,
    "service_agencies:public_registry": 200,
    # the actions on its own agency: read, never recorded or received by the agency
    "service_agencies:action_list": 200,
    "service_agencies:action_new": 403,
    # its own agency's row only
    "service_agencies:statistics": 200,
    "service_agencies:action_detail": 200,
    "service_agencies:action_receive": 403,
    "service_agencies:free_report_list": 200,
    # pushed reports are never an agency's to see (not a credit-file reader), not even its own
    "service_agencies:action_open_case": 403,
    "service_agencies:pushed_list": 403,
    "service_agencies:pushed_new": 403,
    "service_agencies:pushed_detail": 404,
    "service_agencies:pushed_file": 404,
    # its own batch queries: applies, runs and downloads; never approves
    "service_agencies:batch_list": 200,
    "service_agencies:batch_new": 200,
    "service_agencies:batch_detail": 200,
    "service_agencies:batch_step": 403,
    "service_agencies:batch_run": 302,
    "service_agencies:batch_agreement": 200,
    "service_agencies:batch_download": 200,
    # credit repair: nothing but the public pages
    "repair:list": 403,
    "repair:new": 403,
    "repair:detail": 404,
    "repair:step": 404,
    "repair:decision": 404,
    "subjects:public_disclosure_request": 200,
    "subjects:public_disclosure_filed": 200,
    "subjects:public_disclosure_status": 200,
    "subjects:disclosure_request_list": 403,
    "subjects:disclosure_request_detail": 404,
    "subjects:disclosure_request_step": 404,
    "subjects:disclosure_request_document": 404,
    "repair:good_info_list": 403,
    "repair:good_info_new": 403,
    "repair:good_info_detail": 404,
    "repair:good_info_step": 404,
    "repair:interview_list": 403,
    "repair:interview_new": 403,
    "repair:statistics": 403,
    "repair:public_apply": 200,
    "repair:public_filed": 200,
    "repair:public_status": 200,
    "repair:public_announcements": 200,
}
for _name, _status in AGENCY_STAFF.items():
    if _name in PAGES:
        PAGES[_name].expected["agency_staff"] = _status


def url_names() -> set[str]:
    """Every URL name of the project's urlconf but the admin's and the API's."""

    def walk(patterns, prefix="", namespace=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace or ""
                if ns in SKIPPED_NAMESPACES:
                    continue
                yield from walk(pattern.url_patterns, route, f"{namespace}{ns}:" if ns else namespace)
            elif isinstance(pattern, URLPattern) and pattern.name and not route.startswith(SKIPPED_PREFIXES):
                yield namespace + pattern.name

    return set(walk(get_resolver().url_patterns))


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), time_machine.travel(TODAY, tick=False), transaction.atomic():
        yield World()
        transaction.set_rollback(True)


def _answer(world: World, page: Page, role: str):
    client = Client()
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    with time_machine.travel(TODAY, tick=False), transaction.atomic():
        response = getattr(client, page.method.lower())(page.url(world), page.data)
        transaction.set_rollback(True)  # what a POST changed is undone before the next request
    return response


def test_every_url_name_has_a_row():
    names = url_names()
    missing = sorted(names - set(PAGES))
    assert not missing, f"URL names without a row in tests/test_web_matrix.py PAGES: {missing}"
    stale = sorted(set(PAGES) - names)
    assert not stale, f"rows for URL names that no longer exist: {stale}"
    assert {"core:home", "sanctions:case_detail", "login"} <= names and not any(n.startswith("admin:") for n in names)


def test_every_row_names_each_role_once():
    assert not set(AGENCY_STAFF) - set(PAGES), "AGENCY_STAFF names a page without a row"
    for name, page in PAGES.items():
        assert tuple(page.expected) == ROLES, name
        assert set(page.defects) <= set(ROLES), name


CASES = [
    pytest.param(
        name,
        role,
        id=f"{name}-{role}",
        marks=[pytest.mark.xfail(reason=PAGES[name].defects[role], strict=True)] if role in PAGES[name].defects else [],
    )
    for name in sorted(PAGES)
    for role in ROLES
]


@pytest.mark.parametrize(("name", "role"), CASES)
def test_page_answers_each_role(world, name, role):
    page = PAGES[name]
    response = _answer(world, page, role)
    expected = page.expected[role]
    assert response.status_code == expected, f"{page.method} {name} as {role}: {response.status_code}"
    if role == "anonymous" and expected == 302:
        assert response["Location"].startswith(reverse(settings.LOGIN_URL)), response["Location"]
