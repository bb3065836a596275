"""The API permission matrix of every endpoint, declared once (STYLE.md, NetBox's generic API tests).

`MATRIX` holds one row per (URL name, method) under /api/: how to build the URL (and the object in
it), who is permitted and with what answer, who is refused (a role without the permission → 403),
and for object endpoints another organisation's officer (→ 404). Anonymous is refused everywhere.
`test_every_api_endpoint_has_a_row` walks the project's urlconf (the DRF router with every
viewset route and @action, and the plain API views) and fails for an endpoint without a row, so a
new endpoint cannot go unnoticed; `test_permission_matrix` runs each row through
`assert_permission_matrix`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from apps.catalog.choices import ListStatus, MeasureTarget
from apps.core.api.views import api_not_found
from apps.core.models import QueryFlag
from apps.sanctions import services as sanctions_services
from apps.subjects import ingestion
from tests.catalog.factories import (
    CatalogFactory,
    CatalogItemFactory,
    ExemptionListFactory,
    ExemptionRuleFactory,
    MeasureFactory,
    MeasureListFactory,
)
from tests.factories import (
    AuditorFactory,
    AuthorityUserFactory,
    ClerkFactory,
    NoRoleUserFactory,
    OfficerFactory,
    QueryFlagFactory,
)
from tests.matrix import Expectation, assert_permission_matrix
from tests.sanctions import factories as case_factories
from tests.service_agencies.factories import (
    AgencyStaffFactory,
    BatchQueryApplicationFactory,
    BatchQueryApprovedFactory,
    BusinessReportFactory,
    FreeReportFactory,
    PushedReportFactory,
    RegistryFilingFactory,
    SupervisionActionFactory,
    report_pdf,
)

# The world's records and cases carry 2026 dates: the clock is set to match (any real date passes).
pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-02T10:00")]

# Views under /api/ that are not endpoints of the API: the catch-all that answers the API's JSON
# 404 for any other address (tests/core/test_api.py covers it).
NOT_ENDPOINTS = {api_not_found}

API_PREFIX = "api/"
METHODS = ("get", "post", "put", "patch", "delete")


class World:
    """Users of each role and the objects the rows act on, built when a row first asks."""

    def __init__(self):
        self.base = case_factories.make_world()
        self.officer = self.base.officer  # the owning agency's officer
        self.other_officer = OfficerFactory()  # another agency, the same permissions
        self.clerk = ClerkFactory()
        self.authority = AuthorityUserFactory()
        self.auditor = AuditorFactory()
        self.norole = NoRoleUserFactory()

    def user(self, role: str | None):
        return None if role is None else getattr(self, role)

    # --- catalog lists in each lifecycle state ---------------------------------------------

    def list_document(self, kind: str, status: str):
        today, now = timezone.localdate(), timezone.now()
        fields: dict = {}
        if status != ListStatus.DRAFT:
            fields |= {"consultation_start": today - dt.timedelta(days=30), "consultation_end": today - dt.timedelta(1)}
        if status in (ListStatus.APPROVED, ListStatus.PUBLISHED):
            fields |= {"approval_document": "宁政复〔2026〕1号", "approved_at": now}
        if status == ListStatus.PUBLISHED:
            fields |= {"effective_date": today, "published_at": now}
        factory, entry, link = {
            "catalog": (CatalogFactory, CatalogItemFactory, "catalog"),
            "measurelist": (MeasureListFactory, MeasureFactory, "measure_list"),
            "exemptionlist": (ExemptionListFactory, ExemptionRuleFactory, "exemption_list"),
        }[kind]
        document = factory(status=status, **fields)
        entry(**{link: document})  # a list without entries cannot go to consultation
        return document

    @cached_property
    def draft_item(self):
        return CatalogItemFactory(catalog=CatalogFactory())

    @cached_property
    def measure(self):
        return MeasureFactory()

    @cached_property
    def exemption_rule(self):
        return ExemptionRuleFactory()

    # --- objections --------------------------------------------------------------------------

    OBJECTION_STEPS = (
        ("accept", "clerk", {}),
        ("forward", "clerk", {"agency": "officer_org"}),
        ("answer", "officer", {"answer": "kept", "answer_reason": "经核查准确"}),
        ("decide", "clerk", {"outcome": "kept", "outcome_reason": "信息准确"}),
    )

    def objection(self, steps: int = 0):
        """An objection on the world's record (provided by `officer`'s agency), filed at the
        window and taken through the first `steps` steps (accept, forward to that agency,
        answer, decide)."""
        from apps.objections import services as objections

        objection = objections.objection_file(
            by=self.clerk,
            subject=self.base.company,
            records=[self.base.record],
            grounds=["error"],
            statement="处罚已撤销",
            applicant_name="张经办",
            applicant_contact="13800000000",
            channel="window",
            reason="窗口受理",
        )
        for name, role, data in self.OBJECTION_STEPS[:steps]:
            data = {k: (self.officer.organization if v == "officer_org" else v) for k, v in data.items()}
            objections.objection_step(objection, name, by=self.user(role), reason=name, **data)
        return objection

    # --- credit repair -------------------------------------------------------------------------

    REPAIR_STEPS = (
        ("accept", {}),
        ("repair", {"outcome_reason": "已纠正失信行为并作出承诺"}),
    )

    def repair(self, steps: int = 0, *then: tuple[str, dict]):
        """A repair application on the world's record (determined by `officer`'s agency), entered
        at the window by the clerk and taken by that agency through the first `steps` steps
        (accept, decide repaired), then through `then`."""
        from apps.repair import services as repair

        application = repair.repair_file(
            by=self.clerk,
            subject=self.base.company,
            records=[self.repairable_record()],
            means=["corrected", "obligations", "commitment"],
            statement="已缴清罚款",
            applicant_name="张经办",
            applicant_contact="13800000000",
            commitment_signed=True,
            scan_required=False,
            reason="窗口受理",
        )
        for name, data in (*self.REPAIR_STEPS[:steps], *then):
            repair.repair_step(application, name, by=self.officer, reason=name, **data)
        return application

    def repairable_record(self):
        record = self.base.record
        record.determined_on = record.document_date = dt.date(2025, 11, 1)
        record.disclosure_ends_on = dt.date(2028, 11, 1)
        record.save()
        return record

    def repair_event(self):
        from apps.repair.models import RepairEvent

        self.repair(2)
        return RepairEvent.objects.latest("pk")

    def revocation(self):
        """A revocation notice filed by `officer`'s agency on the world's record (filed, not applied)."""
        from apps.objections import revocations

        return revocations.revocation_file(
            by=self.officer,
            subject=self.base.company,
            records=[self.base.record],
            kind="revoked",
            document_number="（2026）苏01行终88号",
            document_date=dt.date(2026, 11, 30),
            document_body="南京市中级人民法院",
            reason="判决撤销处罚决定",
        )

    # --- service agencies ------------------------------------------------------------------

    @cached_property
    def agency_staff(self):
        return AgencyStaffFactory()

    @cached_property
    def other_agency_staff(self):  # another service agency, the same permissions
        return AgencyStaffFactory()

    def filing(self, status: str = "filed"):
        """The registration of `agency_staff`'s agency, in `status`."""
        return RegistryFilingFactory(agency=self.agency_staff.organization, status=status)

    def business_report(self):
        return BusinessReportFactory(agency=self.agency_staff.organization)

    def supervision_action(self, kind: str = "inspection"):
        return SupervisionActionFactory(agency=self.agency_staff.organization, kind=kind)

    def agency_objection(self, marked: bool = False):
        """An objection `agency_staff`'s agency received (received, or marked)."""
        from apps.objections import agency
        from tests.objections.factories import receive_agency_objection

        objection = receive_agency_objection(self.agency_staff)
        if marked:
            agency.agency_objection_step(objection, "mark", by=self.agency_staff, reason="标注")
        return objection

    def batch_query(self, status: str = "received", run: bool = False):
        """A batch-query application of `agency_staff`'s agency (Nanjing art. 67): received, or
        approved (and run once when `run`)."""
        from apps.service_agencies import services_batch

        if status == "received":
            return BatchQueryApplicationFactory(agency=self.agency_staff.organization)
        application = BatchQueryApprovedFactory(agency=self.agency_staff.organization)
        if run:
            services_batch.batch_run(application, by=self.agency_staff)
        return application

    def batch_files(self) -> dict:
        identifier = self.base.company.identifier
        return {
            "agreement": SimpleUploadedFile("协议.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"),
            "identifiers": SimpleUploadedFile("ids.csv", f"标识\n{identifier}\n".encode(), content_type="text/csv"),
        }

    # --- core ------------------------------------------------------------------------------

    @cached_property
    def flag(self) -> QueryFlag:
        return QueryFlagFactory(user=self.officer)

    # --- subjects --------------------------------------------------------------------------

    def rows(self, n: int = 1) -> list[dict]:
        return [
            {
                "identifier": "914403001922038216",
                "name": "深圳某公司",
                "document_number": f"宁市监罚〔2026〕矩阵{n}号",
                "document_date": "2026-03-01",
                "determined_on": "2026-03-01",
                "severity": "general",
                "source_record_id": f"M{n}",
                "penalty_type": "罚款",
            }
        ]

    def csv_file(self) -> SimpleUploadedFile:
        row = self.rows(2)[0]
        text = ",".join(row) + "\n" + ",".join(row.values()) + "\n"
        return SimpleUploadedFile("batch.csv", text.encode(), content_type="text/csv")

    @cached_property
    def validated_batch(self):
        return ingestion.batch_from_rows(
            by=self.officer, item=self.base.record.item, provider=self.officer.organization, rows=self.rows(3)
        )

    @cached_property
    def submitted_batch(self):
        return ingestion.batch_submit(self.validated_batch, by=self.officer, reason="报送")

    @cached_property
    def failed_batch(self):
        """A batch whose submit failed on the worker (the item was withdrawn meanwhile, say)."""
        from apps.core.audit import audited_save

        batch = self.validated_batch
        batch.status, batch.step, batch.failure = "failed", "submit", "目录项已撤回"
        return audited_save(batch, by=None, reason="报送失败")

    # --- sanctions -------------------------------------------------------------------------

    def case(self, factory):
        return factory(world=self.base)

    @cached_property
    def check(self):
        check, *_ = sanctions_services.sanction_check(
            by=self.officer, identifier=self.base.company.identifier, matter="bidding"
        )
        return check


@dataclass(frozen=True)
class Row:
    name: str  # the URL name
    method: str
    url: Callable[[World], str]
    permitted: str  # a World user
    refused: str | None  # a user whose role lacks the permission; None: any signed-in user may
    other_organisation: str | None = None  # an officer of another agency → 404
    data: Callable[[World], dict] | None = None
    status: int = 200
    format: str = "json"
    why_any_signed_in: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return self.name, self.method


def at(name: str, obj: Callable[[World], object] | None = None, query: str = "") -> Callable[[World], str]:
    """The URL of `name`, for the object `obj(world)` when given, plus a query string."""

    def build(world: World) -> str:
        args = [obj(world).pk] if obj is not None else []
        return reverse(name, args=args) + query

    return build


def _lifecycle_rows(kind: str) -> list[Row]:
    """One list kind (catalogs, measure lists, exemption lists): read, and each lifecycle step
    from the state it starts in (Nanjing art. 25: the credit office drafts, the authority approves)."""

    def doc(status):
        return lambda w: w.list_document(kind, status)

    today = timezone.localdate
    return [
        Row(f"{kind}-list", "GET", at(f"{kind}-list"), "officer", "norole"),
        Row(f"{kind}-detail", "GET", at(f"{kind}-detail", doc(ListStatus.DRAFT)), "auditor", "norole"),
        Row(
            f"{kind}-consultation",
            "POST",
            at(f"{kind}-consultation", doc(ListStatus.DRAFT)),
            "clerk",
            "officer",
            data=lambda w: {"start": today(), "end": today() + dt.timedelta(days=30), "reason": "征求意见"},
        ),
        Row(
            f"{kind}-reopen",
            "POST",
            at(f"{kind}-reopen", doc(ListStatus.CONSULTATION)),
            "clerk",
            "authority",
            data=lambda w: {"reason": "退回修改"},
        ),
        Row(
            f"{kind}-approve",
            "POST",
            at(f"{kind}-approve", doc(ListStatus.CONSULTATION)),
            "authority",
            "clerk",
            data=lambda w: {"approval_document": "宁政复〔2026〕3号", "reason": "市政府批准"},
        ),
        Row(
            f"{kind}-publish",
            "POST",
            at(f"{kind}-publish", doc(ListStatus.APPROVED)),
            "authority",
            "clerk",
            data=lambda w: {"reason": "公布"},
        ),
        Row(
            f"{kind}-new-version",
            "POST",
            at(f"{kind}-new-version", doc(ListStatus.PUBLISHED)),
            "clerk",
            "officer",
            data=lambda w: {"reason": "修订"},
        ),
    ]


def _item_payload(world: World) -> dict:
    return {
        "catalog": world.draft_item.catalog_id,
        "code": "MX01",
        "name": "矩阵测试信息项",
        "category": "basic",
        "subject_types": ["legal_person"],
        "disclosure": "public",
        "frequency": "daily",
        "period_rule": "unlimited",
        "legal_basis": "《南京市社会信用条例》第二十五条",
        "reason": "新增信息项",
    }


def _decision(world: World) -> dict:
    return {**case_factories.decision_from(timezone.localdate()), "statement_finding": "不予采纳", "reason": "认定"}


CASES = case_factories
MATRIX: list[Row] = [
    # --- core ---------------------------------------------------------------------------------
    Row(
        "api-root",
        "GET",
        at("api-root"),
        "norole",
        None,
        why_any_signed_in="the index names the endpoints, no data",
    ),
    Row("api-me", "GET", at("api-me"), "norole", None, why_any_signed_in="who am I: the user's own account"),
    Row(
        "api-schema",
        "GET",
        at("api-schema"),
        "norole",
        None,
        why_any_signed_in="the OpenAPI schema (SERVE_PERMISSIONS: signed in)",
    ),
    Row("api-docs", "GET", at("api-docs"), "norole", None, why_any_signed_in="Swagger UI of the schema, no data"),
    Row("api-policy", "GET", at("api-policy"), "authority", "norole"),
    Row("organization-list", "GET", at("organization-list"), "officer", "norole"),
    Row(
        "organization-detail",
        "GET",
        at("organization-detail", lambda w: w.officer.organization),
        "officer",
        "norole",
        "other_officer",
    ),
    Row("user-list", "GET", at("user-list"), "clerk", "norole"),
    Row("user-detail", "GET", at("user-detail", lambda w: w.officer), "officer", "norole", "other_officer"),
    Row("queryflag-list", "GET", at("queryflag-list"), "clerk", "norole"),
    Row("queryflag-detail", "GET", at("queryflag-detail", lambda w: w.flag), "officer", "norole", "other_officer"),
    # Nanjing art. 52: only the credit office clears a flag.
    Row(
        "queryflag-clear",
        "POST",
        at("queryflag-clear", lambda w: w.flag),
        "clerk",
        "authority",
        data=lambda w: {"reason": "核实为正常业务"},
    ),
    # --- catalog ------------------------------------------------------------------------------
    *_lifecycle_rows("catalog"),
    *_lifecycle_rows("measurelist"),
    *_lifecycle_rows("exemptionlist"),
    Row("catalogitem-list", "GET", at("catalogitem-list"), "officer", "norole"),
    Row("catalogitem-list", "POST", at("catalogitem-list"), "clerk", "officer", data=_item_payload, status=201),
    Row("catalogitem-detail", "GET", at("catalogitem-detail", lambda w: w.draft_item), "auditor", "norole"),
    Row(
        "catalogitem-detail",
        "PUT",
        at("catalogitem-detail", lambda w: w.draft_item),
        "clerk",
        "authority",
        data=lambda w: {**_item_payload(w), "code": w.draft_item.code, "reason": "更正"},
    ),
    Row(
        "catalogitem-detail",
        "PATCH",
        at("catalogitem-detail", lambda w: w.draft_item),
        "clerk",
        "officer",
        data=lambda w: {"name": "更正名称", "reason": "更正"},
    ),
    Row("measure-list", "GET", at("measure-list"), "officer", "norole"),
    Row("measure-detail", "GET", at("measure-detail", lambda w: w.measure), "authority", "norole"),
    Row("exemptionrule-list", "GET", at("exemptionrule-list"), "clerk", "norole"),
    Row("exemptionrule-detail", "GET", at("exemptionrule-detail", lambda w: w.exemption_rule), "officer", "norole"),
    # --- subjects -----------------------------------------------------------------------------
    Row(
        "api-subject-lookup",
        "GET",
        lambda w: (
            reverse("api-subject-lookup")
            + f"?identifier={w.base.company.identifier}&mode=government&purpose=administrative_licensing"
        ),
        "officer",
        "norole",
    ),
    Row("importbatch-list", "GET", at("importbatch-list"), "officer", "norole"),
    # Only agencies file batches; the credit office integrates them.
    Row(
        "importbatch-list",
        "POST",
        at("importbatch-list"),
        "officer",
        "clerk",
        data=lambda w: {"item": w.base.record.item.code, "rows": w.rows(4)},
        status=202,
    ),
    Row(
        "importbatch-upload",
        "POST",
        at("importbatch-upload"),
        "officer",
        "clerk",
        data=lambda w: {"item": w.base.record.item.code, "file": w.csv_file()},
        status=202,
        format="multipart",
    ),
    Row(
        "importbatch-detail",
        "GET",
        at("importbatch-detail", lambda w: w.validated_batch),
        "officer",
        "norole",
        "other_officer",
    ),
    Row(
        "importbatch-submit",
        "POST",
        at("importbatch-submit", lambda w: w.validated_batch),
        "officer",
        "clerk",
        "other_officer",
        data=lambda w: {"reason": "报送"},
        status=202,
    ),
    # A failed step is run again by the agency that filed the batch.
    Row(
        "importbatch-retry",
        "POST",
        at("importbatch-retry", lambda w: w.failed_batch),
        "officer",
        "clerk",
        "other_officer",
        data=lambda w: {"reason": "重新报送"},
        status=202,
    ),
    # A batch that will not be submitted is withdrawn by the agency that filed it.
    Row(
        "importbatch-withdraw",
        "POST",
        at("importbatch-withdraw", lambda w: w.validated_batch),
        "officer",
        "clerk",
        "other_officer",
        data=lambda w: {"reason": "文件有误，撤回"},
    ),
    # Ningbo art. 18: the credit office confirms integration.
    Row(
        "importbatch-integrate",
        "POST",
        at("importbatch-integrate", lambda w: w.submitted_batch),
        "clerk",
        "officer",
        data=lambda w: {"reason": "已核查整合"},
    ),
    Row("creditrecord-list", "GET", at("creditrecord-list"), "officer", "norole"),
    Row(
        "creditrecord-detail",
        "GET",
        at("creditrecord-detail", lambda w: w.base.record),
        "officer",
        "norole",
        "other_officer",
    ),
    # --- sanctions ----------------------------------------------------------------------------
    # Nanjing art. 34: government systems (agencies) check; the credit office does not.
    Row(
        "check-list",
        "GET",
        lambda w: reverse("check-list") + f"?identifier={w.base.company.identifier}&matter=bidding",
        "officer",
        "clerk",
    ),
    Row(
        "check-feedback",
        "POST",
        at("check-feedback", lambda w: w.check),
        "officer",
        "clerk",
        "other_officer",
        data=lambda w: {"results": [{"measure": w.base.measures[MeasureTarget.DISHONEST].pk, "applied": True}]},
        status=201,
    ),
    Row("listingcase-list", "GET", at("listingcase-list"), "officer", "norole"),
    Row(
        "listingcase-detail",
        "GET",
        at("listingcase-detail", lambda w: w.case(CASES.ListingCaseDraftFactory)),
        "officer",
        "norole",
        "other_officer",
    ),
    Row(
        "listingcase-notice",
        "POST",
        at("listingcase-notice", lambda w: w.case(CASES.ListingCaseDraftFactory)),
        "officer",
        "clerk",
        "other_officer",
        data=lambda w: {"notice_number": "宁市监告〔2026〕2号", "reason": "告知"},
    ),
    Row(
        "listingcase-delivery",
        "POST",
        at("listingcase-delivery", lambda w: w.case(CASES.ListingCaseNoticeIssuedFactory)),
        "officer",
        "authority",
        "other_officer",
        data=lambda w: {"delivered_on": timezone.localdate(), "reason": "送达"},
    ),
    Row(
        "listingcase-statement",
        "POST",
        at("listingcase-statement", lambda w: w.case(CASES.ListingCaseNoticeDeliveredFactory)),
        "officer",
        "clerk",
        "other_officer",
        data=lambda w: {"statement": "已整改", "reason": "收到申辩"},
    ),
    Row(
        "listingcase-decide",
        "POST",
        at("listingcase-decide", lambda w: w.case(CASES.ListingCaseStatementReceivedFactory)),
        "officer",
        "auditor",
        "other_officer",
        data=_decision,
    ),
    Row(
        "listingcase-publish",
        "POST",
        at("listingcase-publish", lambda w: w.case(CASES.ListingCaseDecidedFactory)),
        "officer",
        "clerk",
        "other_officer",
        data=lambda w: {"reason": "公布"},
    ),
    Row(
        "listingcase-remove",
        "POST",
        at("listingcase-remove", lambda w: w.case(CASES.ListingCasePublishedFactory)),
        "officer",
        "authority",
        "other_officer",
        data=lambda w: {"removal_reason": "revocation", "removal_document": "宁市监撤〔2026〕2号", "reason": "撤销"},
    ),
    Row("objection-list", "GET", at("objection-list"), "clerk", "norole"),
    Row(
        "objection-list",
        "POST",
        at("objection-list"),
        "clerk",
        "authority",
        data=lambda w: {
            "subject_identifier": w.base.company.identifier,
            "records": [w.base.record.pk],
            "grounds": ["error"],
            "statement": "处罚已撤销",
            "applicant_name": "张经办",
            "applicant_contact": "13800000000",
            "channel": "letter",
            "reason": "来信受理",
        },
        status=201,
    ),
    # The agency sees an objection once it is forwarded to it; another agency's officer does not.
    Row(
        "objection-detail",
        "GET",
        at("objection-detail", lambda w: w.objection(2)),
        "officer",
        "norole",
        "other_officer",
    ),
    Row(
        "objection-accept",
        "POST",
        at("objection-accept", lambda w: w.objection(0)),
        "clerk",
        "authority",
        "other_officer",
        data=lambda w: {"reason": "受理"},
    ),
    Row(
        "objection-refuse",
        "POST",
        at("objection-refuse", lambda w: w.objection(0)),
        "clerk",
        "auditor",
        "other_officer",
        data=lambda w: {"refusal_reason": "非本人且无授权", "reason": "不予受理"},
    ),
    Row(
        "objection-forward",
        "POST",
        at("objection-forward", lambda w: w.objection(1)),
        "clerk",
        "authority",
        "other_officer",
        data=lambda w: {"agency": w.officer.organization_id, "reason": "转核查"},
    ),
    Row(
        "objection-answer",
        "POST",
        at("objection-answer", lambda w: w.objection(2)),
        "officer",
        "norole",
        "other_officer",
        data=lambda w: {"answer": "kept", "answer_reason": "经核查准确", "reason": "回复"},
    ),
    Row(
        "objection-decide",
        "POST",
        at("objection-decide", lambda w: w.objection(3)),
        "clerk",
        "auditor",
        "other_officer",
        data=lambda w: {"outcome": "kept", "outcome_reason": "信息准确", "reason": "处理"},
    ),
    Row(
        "objection-inform",
        "POST",
        at("objection-inform", lambda w: w.objection(4)),
        "clerk",
        "authority",
        "other_officer",
        data=lambda w: {"reason": "告知"},
    ),
    # Nanjing (the matrix's preset) lets no objection clock pause: the permitted caller gets 409.
    Row(
        "objection-pause",
        "POST",
        at("objection-pause", lambda w: w.objection(1)),
        "clerk",
        "authority",
        "other_officer",
        data=lambda w: {"why": "专家评审", "reason": "暂停"},
        status=409,
    ),
    Row(
        "objection-resume",
        "POST",
        at("objection-resume", lambda w: w.objection(1)),
        "clerk",
        "authority",
        "other_officer",
        data=lambda w: {"reason": "恢复"},
        status=409,
    ),
    # Revocation notices: an agency files and reads its own; the credit office applies or returns.
    Row("revocation-list", "GET", at("revocation-list"), "officer", "norole"),
    Row(
        "revocation-list",
        "POST",
        at("revocation-list"),
        "officer",
        "clerk",
        data=lambda w: {
            "subject_identifier": w.base.company.identifier,
            "records": [w.base.record.pk],
            "kind": "revoked",
            "document_number": "（2026）苏01行终88号",
            "document_date": "2026-11-30",
            "document_body": "南京市中级人民法院",
            "reason": "判决撤销处罚决定",
        },
        status=201,
    ),
    Row(
        "revocation-detail",
        "GET",
        at("revocation-detail", lambda w: w.revocation()),
        "officer",
        "norole",
        "other_officer",
    ),
    # Officers hold no `change` on notices: another agency's officer is refused (403) before the
    # object is looked up, so the rows have no 404 case.
    Row(
        "revocation-apply",
        "POST",
        at("revocation-apply", lambda w: w.revocation()),
        "clerk",
        "officer",
        data=lambda w: {"reason": "依告知撤销记录"},
    ),
    Row(
        "revocation-return",
        "POST",
        at("revocation-return", lambda w: w.revocation()),
        "clerk",
        "authority",
        data=lambda w: {"return_reason": "并非被撤销决定所依据的记录", "reason": "退回"},
    ),
    # Credit repair: the determining agency (the record's provider) takes the steps; the credit
    # office enters and reads; another agency's officer finds nothing (404).
    Row("repair-list", "GET", at("repair-list"), "clerk", "norole"),
    Row(
        "repair-list",
        "POST",
        at("repair-list"),
        "clerk",
        "authority",
        data=lambda w: {
            "subject_identifier": w.base.company.identifier,
            "records": [w.repairable_record().pk],
            "means": ["corrected", "obligations", "commitment"],
            "statement": "已缴清罚款",
            "applicant_name": "张经办",
            "applicant_contact": "13800000000",
            "commitment_signed": True,
            "channel": "forwarded",
            "reason": "转来申请",
        },
        status=201,
    ),
    Row("repair-detail", "GET", at("repair-detail", lambda w: w.repair()), "officer", "norole", "other_officer"),
    *(
        Row(
            f"repair-{name}",
            "POST",
            at(f"repair-{name}", build),
            "officer",
            "clerk",
            "other_officer",
            data=lambda w, payload=payload: {**payload, "reason": "办理"},
            status=status,
        )
        for name, build, payload, status in (
            ("accept", lambda w: w.repair(), {}, 200),
            ("refuse", lambda w: w.repair(), {"refusal_ground": "incomplete", "refusal_reason": "材料不全"}, 200),
            ("request-material", lambda w: w.repair(1), {"material_requested": "缴款凭证"}, 200),
            (
                "material-received",
                lambda w: w.repair(1, ("request-material", {"material_requested": "缴款凭证"})),
                {},
                200,
            ),
            # Nanjing (the matrix's preset) provides no grace period: the permitted caller gets 409.
            ("grant-grace", lambda w: w.repair(1), {"grace_until": "2027-01-31", "grace_reason": "设备检修"}, 409),
            ("end-grace", lambda w: w.repair(1), {}, 409),
            ("repair", lambda w: w.repair(1), {"outcome_reason": "已完成修复"}, 200),
            ("not-repair", lambda w: w.repair(1), {"outcome_reason": "尚未履行义务"}, 200),
            ("deliver", lambda w: w.repair(2), {"delivered_on": "2026-12-02"}, 200),
        )
    ),
    Row("repairevent-list", "GET", at("repairevent-list"), "clerk", "norole"),
    Row("repairevent-detail", "GET", at("repairevent-detail", lambda w: w.repair_event()), "officer", "norole"),
    # --- service agencies: the registry (名册) ---------------------------------------------------
    # An agency's staff file and read their own; the authority reviews, publishes and removes.
    Row("agencyfiling-list", "GET", at("agencyfiling-list"), "agency_staff", "officer"),
    Row(
        "agencyfiling-list",
        "POST",
        at("agencyfiling-list"),
        "agency_staff",
        "clerk",
        data=lambda w: {
            "name": w.agency_staff.organization.name,
            "unified_code": w.agency_staff.organization.unified_code,
            "legal_representative": "刘评级",
            "address": "南京市鼓楼区中山路1号",
            "business_scope": "信用评级",
            "credit_commitment": "承诺依法依规开展信用服务",
            "reason": "备案",
        },
        status=201,
    ),
    Row(
        "agencyfiling-detail",
        "GET",
        at("agencyfiling-detail", lambda w: w.filing()),
        "agency_staff",
        "officer",
        "other_agency_staff",
    ),
    Row(
        "agencyfiling-accept",
        "POST",
        at("agencyfiling-accept", lambda w: w.filing()),
        "authority",
        "clerk",
        "other_agency_staff",
        data=lambda w: {"reason": "审核通过"},
    ),
    Row(
        "agencyfiling-return",
        "POST",
        at("agencyfiling-return", lambda w: w.filing()),
        "authority",
        "clerk",
        "other_agency_staff",
        data=lambda w: {"return_reason": "缺少资质证明", "reason": "退回"},
    ),
    Row(
        "agencyfiling-resubmit",
        "POST",
        at("agencyfiling-resubmit", lambda w: w.filing("returned")),
        "agency_staff",
        "clerk",
        "other_agency_staff",
        data=lambda w: {"qualifications": "人民银行备案", "reason": "补正"},
    ),
    Row(
        "agencyfiling-publish",
        "POST",
        at("agencyfiling-publish", lambda w: w.filing("accepted")),
        "authority",
        "clerk",
        "other_agency_staff",
        data=lambda w: {"reason": "公布"},
    ),
    Row(
        "agencyfiling-remove",
        "POST",
        at("agencyfiling-remove", lambda w: w.filing("published")),
        "authority",
        "clerk",
        "other_agency_staff",
        data=lambda w: {"removal_reason": "出具虚假报告", "reason": "移出"},
    ),
    Row("businessreport-list", "GET", at("businessreport-list"), "agency_staff", "officer"),
    Row(
        "businessreport-list",
        "POST",
        at("businessreport-list"),
        "agency_staff",
        "clerk",
        data=lambda w: {
            "year": timezone.localdate().year - 1,
            "services": "信用评级",
            "reports_by_kind": {"信用评级报告": 12},
            "staff_count": 20,
            "reason": "年度报送",
        },
        status=201,
    ),
    # Supervision: the authority records actions and receives materials; an agency's staff read
    # the actions on their own agency. Agency staff hold no `change`: the step refuses them (403)
    # before the object is looked up, so that row has no 404 case.
    Row("supervisionaction-list", "GET", at("supervisionaction-list"), "agency_staff", "officer"),
    Row(
        "supervisionaction-list",
        "POST",
        at("supervisionaction-list"),
        "authority",
        "clerk",
        data=lambda w: {
            "agency": w.agency_staff.organization_id,
            "kind": "materials",
            "summary": "提交评级业务底稿",
            "reason": "调取材料",
        },
        status=201,
    ),
    Row(
        "supervisionaction-detail",
        "GET",
        at("supervisionaction-detail", lambda w: w.supervision_action()),
        "agency_staff",
        "officer",
        "other_agency_staff",
    ),
    Row(
        "supervisionaction-received",
        "POST",
        at("supervisionaction-received", lambda w: w.supervision_action("materials")),
        "authority",
        "agency_staff",
        data=lambda w: {"reason": "材料已收到"},
    ),
    # Free reports to natural persons (Tianjin art. 39): an agency records and reads its own.
    Row("freereport-list", "GET", at("freereport-list"), "agency_staff", "officer"),
    Row(
        "freereport-list",
        "POST",
        at("freereport-list"),
        "agency_staff",
        "clerk",
        data=lambda w: {"person_identifier": "11010519491231002X", "person_name": "张三", "reason": "免费报告"},
        status=201,
    ),
    Row(
        "freereport-detail",
        "GET",
        at("freereport-detail", lambda w: FreeReportFactory(agency=w.agency_staff.organization)),
        "agency_staff",
        "officer",
        "other_agency_staff",
    ),
    # Batch-query applications (Nanjing art. 67): an agency applies, runs and downloads its own; the
    # credit office approves or refuses. Agency staff hold no `change`: the approval refuses them
    # (403) before the object is looked up, so those rows have no 404 case.
    Row("batchquery-list", "GET", at("batchquery-list"), "agency_staff", "officer"),
    Row(
        "batchquery-list",
        "POST",
        at("batchquery-list"),
        "agency_staff",
        "clerk",
        data=lambda w: (
            {
                "purpose": "授信客户信用评估",
                "legal_basis": "《南京市社会信用条例》第六十七条",
                "subject_count": 1,
                "reason": "申请批量查询",
            }
            | w.batch_files()
        ),
        status=201,
        format="multipart",
    ),
    Row(
        "batchquery-detail",
        "GET",
        at("batchquery-detail", lambda w: w.batch_query()),
        "agency_staff",
        "officer",
        "other_agency_staff",
    ),
    Row(
        "batchquery-approve",
        "POST",
        at("batchquery-approve", lambda w: w.batch_query()),
        "clerk",
        "agency_staff",
        data=lambda w: {"approved_count": 3, "valid_until": "2026-12-31", "reason": "协议齐全"},
    ),
    Row(
        "batchquery-refuse",
        "POST",
        at("batchquery-refuse", lambda w: w.batch_query()),
        "clerk",
        "agency_staff",
        data=lambda w: {"refusal_reasons": "协议未盖章", "reason": "不予批准"},
    ),
    Row(
        "batchquery-run",
        "POST",
        at("batchquery-run", lambda w: w.batch_query("approved")),
        "agency_staff",
        "clerk",
        "other_agency_staff",
        data=lambda w: {"reason": "运行"},
        status=201,
    ),
    Row(
        "batchquery-result",
        "GET",
        at("batchquery-result", lambda w: w.batch_query("approved", run=True)),
        "agency_staff",
        "officer",
        "other_agency_staff",
    ),
    Row(
        "businessreport-detail",
        "GET",
        at("businessreport-detail", lambda w: w.business_report()),
        "agency_staff",
        "officer",
        "other_agency_staff",
    ),
    # Objections a service agency received about its own reports (Tianjin art. 41 para. 2, Dalian
    # art. 42, Ningbo art. 42 para. 3): its staff record, mark and decide; the credit office and
    # the authority read; another agency's staff find nothing (404).
    Row("agencyobjection-list", "GET", at("agencyobjection-list"), "agency_staff", "officer"),
    Row(
        "agencyobjection-list",
        "POST",
        at("agencyobjection-list"),
        "agency_staff",
        "clerk",
        data=lambda w: {
            "applicant_name": "张三",
            "applicant_contact": "13800000000",
            "report_number": "XYBG-2026-0001",
            "information": "信用报告所载逾期记录",
            "grounds": ["error"],
            "statement": "该笔贷款已按期归还",
            "reason": "收到异议申请",
        },
        status=201,
    ),
    Row(
        "agencyobjection-detail",
        "GET",
        at("agencyobjection-detail", lambda w: w.agency_objection()),
        "agency_staff",
        "officer",
        "other_agency_staff",
    ),
    Row(
        "agencyobjection-mark",
        "POST",
        at("agencyobjection-mark", lambda w: w.agency_objection()),
        "agency_staff",
        "clerk",
        "other_agency_staff",
        data=lambda w: {"reason": "作出异议标注"},
    ),
    Row(
        "agencyobjection-decide",
        "POST",
        at("agencyobjection-decide", lambda w: w.agency_objection(marked=True)),
        "agency_staff",
        "authority",
        "other_agency_staff",
        data=lambda w: {
            "outcome": "kept",
            "source": "本机构评级数据库",
            "outcome_reason": "核实无误",
            "reason": "决定",
        },
    ),
    # Nanjing art. 69 para. 4: a case from a false-report finding (the authority, 409 for the
    # inspection here: no false report); the clerk holds no `change` on supervision actions.
    Row(
        "supervisionaction-open-case",
        "POST",
        at("supervisionaction-open-case", lambda w: w.supervision_action()),
        "authority",
        "clerk",
        data=lambda w: {"reason": "联合惩戒"},
        status=409,
    ),
    # Nanjing art. 65: a body's officers push and read their own; agency staff never.
    Row("pushedreport-list", "GET", at("pushedreport-list"), "officer", "agency_staff"),
    Row(
        "pushedreport-list",
        "POST",
        at("pushedreport-list"),
        "officer",
        "clerk",
        data=lambda w: {
            "agency": w.agency_staff.organization_id,
            "subject_identifier": w.base.company.identifier,
            "matter_kind": "procurement",
            "matter": "政府采购项目",
            "report_number": "PJ-M-1",
            "report_date": "2026-11-02",
            "conclusion": "AA",
            "file": report_pdf(),
            "reason": "采购使用",
        },
        status=201,
        format="multipart",
    ),
    Row(
        "pushedreport-detail",
        "GET",
        at("pushedreport-detail", lambda w: PushedReportFactory(pushed_by=w.officer)),
        "officer",
        "agency_staff",
        "other_officer",
    ),
]


def api_endpoints() -> set[tuple[str, str]]:
    """(URL name, METHOD) of every endpoint under /api/ in the project's urlconf: each route of
    the DRF router (viewset actions and @action steps) and each plain API view."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith(API_PREFIX):
                yield route, pattern

    endpoints = set()
    for route, pattern in walk(get_resolver().url_patterns):
        if "format" in pattern.pattern.regex.groupindex or "<drf_format_suffix:format>" in route:
            continue  # the same view with a `.json` suffix
        callback = pattern.callback
        if callback in NOT_ENDPOINTS:
            continue
        actions = getattr(callback, "actions", None)
        view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        if actions:
            # DRF adds `head` (GET's handler) to a viewset's shared actions at its first request.
            methods = set(actions) - {"head"}
        elif view_class is not None:
            methods = {m for m in METHODS if hasattr(view_class, m)}
        else:
            methods = {"?"}  # a plain function: it needs a row (or a place in NOT_ENDPOINTS) too
        endpoints |= {(pattern.name or route, method.upper()) for method in methods}
    return endpoints


def test_every_api_endpoint_has_a_row():
    declared = [row.key for row in MATRIX]
    assert len(declared) == len(set(declared)), "a (URL name, method) declared twice"
    endpoints = api_endpoints()
    missing = sorted(endpoints - set(declared))
    assert not missing, f"API endpoints without a row in tests/test_api_matrix.py MATRIX: {missing}"
    stale = sorted(set(declared) - endpoints)
    assert not stale, f"rows for endpoints that no longer exist: {stale}"


def test_the_walk_finds_the_router_and_the_plain_views():
    """The walk itself: a viewset route, an @action step and a plain APIView are all found."""
    endpoints = api_endpoints()
    assert {("catalog-list", "GET"), ("listingcase-decide", "POST"), ("api-me", "GET")} <= endpoints
    assert ("catalogitem-detail", "PATCH") in endpoints and ("catalogitem-detail", "DELETE") not in endpoints


def test_rows_that_let_any_signed_in_user_in_say_why():
    for row in MATRIX:
        assert (row.refused is None) == bool(row.why_any_signed_in), row.key


@pytest.mark.parametrize("row", MATRIX, ids=[f"{row.method} {row.name}" for row in MATRIX])
def test_permission_matrix(policy, row: Row):
    world = World()
    assert_permission_matrix(
        Expectation(
            row.method,
            row.url(world),
            permitted=world.user(row.permitted),
            without_permission=world.user(row.refused),
            other_organisation=world.user(row.other_organisation),
            data=row.data(world) if row.data else {},
            permitted_status=row.status,
            format=row.format,
        )
    )
