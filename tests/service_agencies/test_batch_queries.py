"""Batch-query applications of credit service agencies (批量查询, Nanjing art. 67): applying (every
bad identifier named with its row), the credit office's decision, the run bounded by the approval,
the query-log rows (one per subject, the batch as purpose, through the bulk path), the result's
disclosure rules, the abnormal-volume control, the subject's own report (Nanjing art. 57), and
isolation between agencies (web, API, admin)."""

import csv
import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from apps.core.choices import QueryChannel, QueryMode, QueryOutcome, QueryPurpose
from apps.core.exceptions import Conflict
from apps.core.models import QueryLog, QueryVolume
from apps.core.querylog import LookupRequest, QueryRefused, log_query, seal_query_log, verify_query_log
from apps.core.workflow import walk
from apps.service_agencies import services_batch
from apps.service_agencies.models_batch import BatchQueryRun, BatchStatus
from apps.subjects.choices import RecordStatus
from apps.subjects.selectors import report_content
from tests.factories import (
    AuditorFactory,
    AuthorityUserFactory,
    ClerkFactory,
    OfficerFactory,
    QueryFlagFactory,
    make_uscc,
)
from tests.service_agencies.factories import (
    AgencyStaffFactory,
    BatchQueryApplicationFactory,
    BatchQueryApprovedFactory,
)
from tests.subjects.factories import CompanyFactory, GovernmentOnlyItemFactory, RecordFactory

pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-02T10:00")]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="协议.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def ids_csv(identifiers, header="统一社会信用代码", name="ids.csv"):
    text = "\n".join([header, *identifiers]) + "\n" if header else "\n".join(identifiers) + "\n"
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def identifiers(n, start=0):
    return [make_uscc(start + i, prefix="91320300") for i in range(n)]


def apply(staff, ids, **overrides):
    data = {
        "purpose": "为授信客户开展信用评估",
        "legal_basis": "《南京市社会信用条例》第六十七条",
        "subject_count": len(ids),
        "agreement": pdf(),
        "identifiers": ids_csv(ids),
        "reason": "申请批量查询",
    } | overrides
    return services_batch.batch_apply(by=staff, **data)


def result_rows(run):
    with run.result_csv.open("rb") as stored:
        return list(csv.reader(io.StringIO(stored.read().decode("utf-8-sig"))))


@pytest.fixture
def staff(policy):
    return AgencyStaffFactory()


@pytest.fixture
def clerk(policy):
    return ClerkFactory()


# --- applying --------------------------------------------------------------------------------------


def test_an_agency_applies_with_its_agreement_and_identifiers(staff):
    """Nanjing art. 67: the application carries the agreement (协议, checked by its content), the
    purpose, the legal basis, the number of subjects and the identifiers, stored normalised."""
    wide = "９１" + identifiers(1)[0][2:]  # full-width digits are normalised
    application = apply(staff, [wide, *identifiers(2, start=1)], subject_count=3)
    assert application.status == BatchStatus.RECEIVED
    assert application.agency == staff.organization and application.number.startswith("PL-2026-")
    assert list(services_batch.stored_identifiers(application)) == identifiers(3)
    agreement = services_batch.agreement_of(application)
    assert agreement.content_type == "application/pdf" and agreement.original_name == "协议.pdf"
    assert application.history.first().history_change_reason == "申请批量查询"


def test_every_bad_identifier_is_named_with_its_row(staff):
    good = identifiers(2)
    bad_check = good[1][:-1] + ("0" if good[1][-1] != "0" else "1")
    rows = [good[0], bad_check, "ABC", good[0]]
    with pytest.raises(ValidationError) as refused:
        apply(staff, rows, subject_count=4)
    messages = refused.value.message_dict["identifiers"]
    # the header is row 1: the wrong check character on row 3, the short code on row 4, the
    # repeat of row 2 on row 5 (blank rows are no identifiers and are skipped)
    assert [m.split("：")[0] for m in messages] == ["第3行", "第4行", "第5行"]
    assert "第2行" in messages[2] and good[0] in messages[2]
    assert not services_batch.BatchQueryApplication.objects.exists()


def test_a_mistyped_first_identifier_is_reported_not_taken_for_a_header(staff):
    with pytest.raises(ValidationError) as refused:
        apply(staff, identifiers(2), identifiers=ids_csv(["91320100MA1XXXXX0", *identifiers(2)], header=None))
    assert [m.split("：")[0] for m in refused.value.message_dict["identifiers"]] == ["第1行"]


def test_the_agreement_is_judged_by_its_content(staff):
    fake = SimpleUploadedFile("协议.pdf", b"not a pdf at all", content_type="application/pdf")
    with pytest.raises(ValidationError) as refused:
        apply(staff, identifiers(2), agreement=fake)
    assert "协议.pdf" in refused.value.message_dict["agreement"][0]


def test_the_number_of_subjects_must_match_the_file(staff):
    with pytest.raises(ValidationError) as refused:
        apply(staff, identifiers(3), subject_count=4)
    assert refused.value.message_dict["subject_count"] == ["申请的主体数量为4个，但标识文件中有3个。"]


def test_only_agency_staff_apply(clerk):
    with pytest.raises(PermissionDenied):
        apply(clerk, identifiers(2))


def test_the_identifiers_may_come_as_xlsx_without_a_header(staff):
    from apps.core.tabular import write_xlsx

    ids = identifiers(3)
    content = write_xlsx([ids[0]], [[i] for i in ids[1:]])
    upload = SimpleUploadedFile("ids.xlsx", content, content_type="application/vnd.ms-excel")
    application = apply(staff, ids, identifiers=upload)
    assert list(services_batch.stored_identifiers(application)) == ids


def test_the_identifiers_file_has_its_own_row_limit(staff, settings):
    """A batch may hold more subjects than an ingestion file rows; it has its own limit."""
    settings.UPLOAD_MAX_ROWS, settings.BATCH_QUERY_MAX_SUBJECTS = 3, 5
    assert apply(staff, identifiers(5)).subject_count == 5
    with pytest.raises(ValidationError) as refused:
        apply(staff, identifiers(6, start=20))
    assert "5" in refused.value.message_dict["identifiers"][0]


# --- the decision ----------------------------------------------------------------------------------


def test_the_clerk_approves_with_a_number_and_a_last_day(staff, clerk):
    application = apply(staff, identifiers(3))
    until = datetime.date(2026, 12, 31)
    services_batch.batch_step(application, "approve", by=clerk, reason="协议齐全", approved_count=2, valid_until=until)
    application.refresh_from_db()
    assert (application.status, application.approved_count, application.valid_until) == ("approved", 2, until)
    assert application.decided_by == clerk and application.decided_on == datetime.date(2026, 12, 2)
    with pytest.raises(ValidationError) as refused:
        other = apply(staff, identifiers(3, start=10))
        services_batch.batch_step(other, "approve", by=clerk, reason="x", approved_count=4, valid_until=until)
    assert "approved_count" in refused.value.message_dict


def test_a_refusal_needs_its_reasons(staff, clerk):
    application = apply(staff, identifiers(2))
    with pytest.raises(ValidationError) as refused:
        services_batch.batch_step(application, "refuse", by=clerk, reason="不予批准", refusal_reasons=" ")
    assert "refusal_reasons" in refused.value.message_dict
    services_batch.batch_step(application, "refuse", by=clerk, reason="不予批准", refusal_reasons="协议未盖章")
    assert application.status == BatchStatus.REFUSED and application.refusal_reasons == "协议未盖章"


def test_the_agency_does_not_approve_its_own(staff):
    application = apply(staff, identifiers(2))
    with pytest.raises(PermissionDenied):
        services_batch.batch_step(
            application, "approve", by=staff, reason="x", approved_count=2, valid_until=datetime.date(2026, 12, 31)
        )


# --- the run ---------------------------------------------------------------------------------------


def test_an_approved_batch_of_10000_writes_10000_rows_and_the_10001st_is_refused(staff):
    """Nanjing art. 67 (acceptance): approved for 10,000, the run looks up 10,000 subjects and writes
    10,000 query-log rows with the batch as purpose; the 10,001st lookup is refused with a clear
    message, and the refusal stays on record."""
    ids = identifiers(10_000)
    CompanyFactory(identifier=ids[5], name="南京甲公司")
    application = BatchQueryApprovedFactory(agency=staff.organization, identifier_list=ids)
    run = services_batch.batch_run(application, by=staff, reason="第一次查询")
    rows = QueryLog.objects.filter(purpose=QueryPurpose.BATCH_QUERY)
    assert run.subjects == 10_000 and rows.count() == 10_000
    assert rows.filter(outcome=QueryOutcome.FOUND).count() == 1 == run.found
    assert set(rows.values_list("mode", "user", "organization", "channel").distinct()) == {
        (QueryMode.AUTHORISED, staff.pk, staff.organization_id, QueryChannel.WEB)
    }
    assert rows.filter(purpose_detail__startswith=application.number).count() == 10_000
    assert (run.first_log_id, run.last_log_id) == (rows.order_by("id").first().pk, rows.order_by("id").last().pk)
    application.refresh_from_db()
    assert (application.status, application.lookups_done, application.runs) == ("run", 10_000, 1)

    one_more = ids_csv([identifiers(1)[0]])
    with pytest.raises(Conflict) as refused:
        services_batch.batch_run(application, by=staff, identifiers=one_more)
    assert "批准查询10000个主体" in refused.value.messages[0] and "剩余0个" in refused.value.messages[0]
    assert rows.count() == 10_001 and rows.filter(outcome=QueryOutcome.REFUSED).count() == 1
    application.refresh_from_db()
    assert application.lookups_done == 10_000 and application.run_set.count() == 1


def test_a_run_beyond_what_is_left_is_refused_whole(staff):
    ids = identifiers(5)
    application = BatchQueryApprovedFactory(agency=staff.organization, identifier_list=ids, approved_count=3)
    with pytest.raises(Conflict):
        services_batch.batch_run(application, by=staff)  # all five asked
    assert not QueryLog.objects.exclude(outcome=QueryOutcome.REFUSED).exists()
    run = services_batch.batch_run(application, by=staff, identifiers=ids_csv(ids[:3]))
    assert run.subjects == 3


def test_a_run_file_may_name_only_the_applications_subjects(staff):
    ids = identifiers(3)
    application = BatchQueryApprovedFactory(agency=staff.organization, identifier_list=ids)
    stranger = identifiers(1, start=50)[0]
    with pytest.raises(ValidationError) as refused:
        services_batch.batch_run(application, by=staff, identifiers=ids_csv([ids[0], stranger]))
    assert refused.value.message_dict["identifiers"] == [f"第3行：{stranger}不在已批准申请的标识中。"]
    assert not QueryLog.objects.exists()


@pytest.mark.parametrize("status", [BatchStatus.RECEIVED, BatchStatus.REFUSED])
def test_a_batch_not_approved_returns_nothing(staff, status):
    application = BatchQueryApplicationFactory(agency=staff.organization, status=status)
    with pytest.raises(Conflict):
        services_batch.batch_run(application, by=staff)
    assert not QueryLog.objects.exists() and not BatchQueryRun.objects.exists()


def test_past_its_last_day_the_batch_is_refused_and_expires(staff):
    application = BatchQueryApprovedFactory(agency=staff.organization, valid_until=datetime.date(2026, 12, 1))
    with pytest.raises(Conflict) as refused:
        services_batch.batch_run(application, by=staff)
    assert "2026-12-01" in refused.value.messages[0]
    assert not QueryLog.objects.exists()
    assert services_batch.batch_expire_due() == 1
    application.refresh_from_db()
    assert application.status == BatchStatus.EXPIRED and application.expired_on == datetime.date(2026, 12, 2)


def test_another_agencys_staff_cannot_run_it(staff):
    application = BatchQueryApprovedFactory(agency=staff.organization)
    with pytest.raises(PermissionDenied):
        services_batch.batch_run(application, by=AgencyStaffFactory())


def test_the_result_holds_only_disclosable_information_of_those_subjects(staff):
    """Nanjing arts. 56, 60, 61 (acceptance): what an authorised inquiry may see — no expired,
    repaired, hidden or revoked record, none past its disclosure period — of exactly the subjects
    of the batch."""
    company, other = CompanyFactory(), CompanyFactory()
    shown = RecordFactory(subject=company, document_number="宁罚〔2026〕1号")
    shared = RecordFactory(subject=company, item=GovernmentOnlyItemFactory(), document_number="宁罚〔2026〕2号")
    for number, status in enumerate(
        [RecordStatus.EXPIRED, RecordStatus.REPAIRED, RecordStatus.HIDDEN, RecordStatus.REVOKED], start=3
    ):
        RecordFactory(subject=company, status=status, document_number=f"宁罚〔2026〕{number}号")
    RecordFactory(subject=company, disclosure_ends_on=datetime.date(2026, 12, 1), document_number="宁罚〔2026〕7号")
    RecordFactory(subject=other, document_number="宁罚〔2026〕8号")
    missing = identifiers(1, start=70)[0]
    application = BatchQueryApprovedFactory(agency=staff.organization, identifier_list=[company.identifier, missing])
    run = services_batch.batch_run(application, by=staff)
    header, *rows = result_rows(run)
    assert header[:3] == ["主体代码", "名称", "是否查得"]
    numbers = {row[7] for row in rows if row[7]}
    assert numbers == {shown.document_number, shared.document_number}
    assert {row[0] for row in rows} == {company.identifier, missing}
    assert [row[2] for row in rows if row[0] == missing] == ["未查得该主体"]
    assert (run.subjects, run.found, run.records) == (2, 1, 2)
    logged = QueryLog.objects.get(subject_identifier=company.identifier)
    assert logged.result == {"records": 2, "by_category": {"dishonest": 2}}


def test_the_xlsx_result_is_made_once_from_the_stored_csv(staff):
    company = CompanyFactory()
    RecordFactory(subject=company)
    application = BatchQueryApprovedFactory(agency=staff.organization, identifier_list=[company.identifier])
    run = services_batch.batch_run(application, by=staff)
    stored, name, _type = services_batch.batch_result(run, by=staff, fmt="xlsx")
    sheet = load_workbook(stored, read_only=True).worksheets[0]
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == result_rows(run)
    run.refresh_from_db()
    first = run.result_xlsx.name
    services_batch.batch_result(run, by=staff, fmt="xlsx")
    run.refresh_from_db()
    assert run.result_xlsx.name == first and name.endswith("-1.xlsx")


def test_only_the_agency_that_ran_it_downloads_the_result(staff, clerk):
    application = BatchQueryApprovedFactory(agency=staff.organization)
    run = services_batch.batch_run(application, by=staff)
    for outsider in (clerk, AgencyStaffFactory()):
        with pytest.raises(PermissionDenied):
            services_batch.batch_result(run, by=outsider)


def test_the_volume_control_does_not_block_an_approved_batch_but_blocks_lookups_outside_it(staff, policy):
    """Nanjing art. 52: a user flagged for abnormal volume is refused every lookup, except those of
    an approved batch (Nanjing art. 67), which the approval bounds itself and which do not count."""
    QueryFlagFactory(user=staff)
    application = BatchQueryApprovedFactory(agency=staff.organization, identifier_list=identifiers(20))
    run = services_batch.batch_run(application, by=staff)
    assert run.subjects == 20
    assert not QueryVolume.objects.filter(user=staff).exists()
    lookup = LookupRequest(
        user=staff,
        mode=QueryMode.AUTHORISED,
        purpose=QueryPurpose.AUTHORISED_USE,
        channel=QueryChannel.API,
        authorization_document="授权书",
    )
    with pytest.raises(QueryRefused):
        log_query(lookup, subject_identifier=identifiers(1)[0])


def test_a_single_lookup_may_not_claim_the_batch_purpose(staff):
    lookup = LookupRequest(
        user=staff,
        mode=QueryMode.AUTHORISED,
        purpose=QueryPurpose.BATCH_QUERY,
        channel=QueryChannel.API,
        authorization_document="协议",
    )
    with pytest.raises(ValidationError):
        log_query(lookup, subject_identifier=identifiers(1)[0])


def test_the_subject_sees_the_batch_lookup_in_its_own_report(staff):
    """Nanjing art. 57: the report tells the subject who looked it up, batch lookups included."""
    company = CompanyFactory()
    application = BatchQueryApprovedFactory(agency=staff.organization, identifier_list=[company.identifier])
    services_batch.batch_run(application, by=staff)
    history = report_content(company, QueryMode.SELF).query_history
    assert [(q.who, q.purpose) for q in history] == [(staff.organization.name, "信用服务机构经批准的批量查询")]


def test_the_batch_rows_are_sealed_into_the_chain(staff, settings):
    settings.QUERY_LOG_ANCHOR_KEY = "k" * 32
    application = BatchQueryApprovedFactory(agency=staff.organization, identifier_list=identifiers(30))
    services_batch.batch_run(application, by=staff)
    assert seal_query_log() == 30
    assert verify_query_log(record=False).ok


# --- pages, API, admin --------------------------------------------------------------------------------


def test_web_apply_approve_run_download(client, staff, clerk):
    company = CompanyFactory()
    RecordFactory(subject=company, document_number="宁罚〔2026〕9号")
    client.force_login(staff)
    form = {
        "purpose": "授信评估",
        "legal_basis": "条例第六十七条",
        "subject_count": 1,
        "agreement": pdf(),
        "identifiers": ids_csv([company.identifier]),
        "reason": "申请",
    }
    response = client.post(reverse("service_agencies:batch_new"), form)
    application = services_batch.BatchQueryApplication.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "service_agencies:batch_detail", args=[application.pk]
    )
    client.force_login(clerk)
    step = reverse("service_agencies:batch_step", args=[application.pk, "approve"])
    client.post(step, {"approved_count": 1, "valid_until": "2026-12-31", "reason": "批准"})
    application.refresh_from_db()
    assert application.status == BatchStatus.APPROVED
    assert client.post(reverse("service_agencies:batch_run", args=[application.pk])).status_code == 403
    assert not QueryLog.objects.exists()  # the clerk may not run it
    client.force_login(staff)
    page = client.get(reverse("service_agencies:batch_detail", args=[application.pk]))
    assert "运行查询".encode() in page.content
    client.post(reverse("service_agencies:batch_run", args=[application.pk]))
    download = client.get(reverse("service_agencies:batch_download", args=[application.pk, 1, "csv"]))
    assert download.status_code == 200 and "宁罚〔2026〕9号".encode() in b"".join(download.streaming_content)
    xlsx = client.get(reverse("service_agencies:batch_download", args=[application.pk, 1, "xlsx"]))
    assert xlsx.status_code == 200
    # the one approved subject is looked up: the page no longer offers a run that would be refused
    page = client.get(reverse("service_agencies:batch_detail", args=[application.pk])).content.decode()
    assert "批准范围内的主体已全部查询" in page and 'action="/agencies/batch/' not in page.split("运行记录")[0]
    client.force_login(clerk)
    assert client.get(reverse("service_agencies:batch_download", args=[application.pk, 1, "csv"])).status_code == 403


def test_web_apply_shows_the_rows_in_error(client, staff):
    client.force_login(staff)
    form = {
        "purpose": "授信评估",
        "legal_basis": "条例第六十七条",
        "subject_count": 1,
        "agreement": pdf(),
        "identifiers": ids_csv(["123"]),
        "reason": "申请",
    }
    response = client.post(reverse("service_agencies:batch_new"), form)
    assert response.status_code == 200 and "第2行".encode() in response.content


@pytest.fixture
def two_agencies(policy):
    a, b = BatchQueryApprovedFactory(), BatchQueryApprovedFactory()
    staff_a, staff_b = AgencyStaffFactory(organization=a.agency), AgencyStaffFactory(organization=b.agency)
    services_batch.batch_run(b, by=staff_b)
    return a, b, staff_a


def test_staff_of_a_never_see_bs_applications_or_results_on_the_web(client, two_agencies):
    a, b, staff_a = two_agencies
    client.force_login(staff_a)
    listing = client.get(reverse("service_agencies:batch_list"))
    assert a.number.encode() in listing.content and b.number.encode() not in listing.content
    for name, args in (
        ("batch_detail", [b.pk]),
        ("batch_agreement", [b.pk]),
        ("batch_download", [b.pk, 1, "csv"]),
    ):
        assert client.get(reverse(f"service_agencies:{name}", args=args)).status_code == 404
    assert client.post(reverse("service_agencies:batch_run", args=[b.pk])).status_code == 404


def test_staff_of_a_never_see_bs_applications_on_the_api(two_agencies):
    a, b, staff_a = two_agencies
    api = APIClient()
    api.force_authenticate(staff_a)
    listed = api.get("/api/v1/agencies/batch-queries/").json()["results"]
    assert [row["id"] for row in listed] == [a.pk]
    assert api.get(f"/api/v1/agencies/batch-queries/{b.pk}/").status_code == 404
    assert api.get(f"/api/v1/agencies/batch-queries/{b.pk}/result/").status_code == 404
    assert api.post(f"/api/v1/agencies/batch-queries/{b.pk}/run/").status_code == 404


def test_staff_of_a_never_see_bs_applications_in_the_admin(client, two_agencies):
    a, b, staff_a = two_agencies
    client.force_login(staff_a)
    listing = client.get(reverse("admin:service_agencies_batchqueryapplication_changelist"))
    assert listing.status_code == 200
    assert a.number.encode() in listing.content and b.number.encode() not in listing.content
    response = client.get(reverse("admin:service_agencies_batchqueryapplication_change", args=[b.pk]))
    assert response.status_code == 302
    runs = client.get(reverse("admin:service_agencies_batchqueryrun_changelist"))
    assert b.number.encode() not in runs.content


def test_a_clerk_sees_all(client, two_agencies):
    a, b, _staff = two_agencies
    client.force_login(ClerkFactory())
    listing = client.get(reverse("service_agencies:batch_list"))
    assert a.number.encode() in listing.content and b.number.encode() in listing.content
    assert client.get(reverse("service_agencies:batch_detail", args=[b.pk])).status_code == 200


def test_api_apply_approve_run_and_download(staff, clerk):
    company = CompanyFactory()
    api = APIClient()
    api.force_authenticate(staff)
    payload = {
        "purpose": "授信评估",
        "legal_basis": "条例第六十七条",
        "subject_count": 1,
        "agreement": pdf(),
        "identifiers": ids_csv([company.identifier]),
        "reason": "申请",
    }
    created = api.post("/api/v1/agencies/batch-queries/", payload, format="multipart")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert api.post(f"/api/v1/agencies/batch-queries/{pk}/run/").status_code == 409  # not approved yet
    clerk_api = APIClient()
    clerk_api.force_authenticate(clerk)
    approved = clerk_api.post(
        f"/api/v1/agencies/batch-queries/{pk}/approve/",
        {"approved_count": 1, "valid_until": "2026-12-31", "reason": "批准"},
        format="json",
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    ran = api.post(f"/api/v1/agencies/batch-queries/{pk}/run/", {}, format="multipart")
    assert ran.status_code == 201 and ran.json()["subjects"] == 1
    assert QueryLog.objects.get().channel == QueryChannel.API
    result = api.get(f"/api/v1/agencies/batch-queries/{pk}/result/", {"type": "xlsx"})
    assert result.status_code == 200
    assert api.get(f"/api/v1/agencies/batch-queries/{pk}/result/", {"type": "pdf"}).status_code == 400
    assert api.post(f"/api/v1/agencies/batch-queries/{pk}/run/").status_code == 409  # nothing left
    assert clerk_api.get(f"/api/v1/agencies/batch-queries/{pk}/result/").status_code == 403


def test_api_apply_names_the_bad_rows(staff):
    api = APIClient()
    api.force_authenticate(staff)
    payload = {
        "purpose": "授信评估",
        "legal_basis": "条例第六十七条",
        "subject_count": 2,
        "agreement": pdf(),
        "identifiers": ids_csv([identifiers(1)[0], "91320100MA1XXXXX0"]),
        "reason": "申请",
    }
    response = api.post("/api/v1/agencies/batch-queries/", payload, format="multipart")
    assert response.status_code == 400
    assert "第3行" in str(response.json())


def test_the_clerks_home_lists_the_applications_to_approve(client, staff, clerk):
    application = BatchQueryApplicationFactory(agency=staff.organization, received_on=timezone.localdate())
    client.force_login(clerk)
    page = client.get(reverse("core:home"))
    assert application.number.encode() in page.content


# --- the transition table, walked --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("workflow", "state", "step"),
    walk([services_batch.BATCH_QUERY]),
    ids=lambda v: getattr(v, "name", str(v)),
)
def test_every_state_and_step(policy, workflow, state, step):
    """From a state the table does not list, a step is a 409 that changes nothing; from one it
    lists, the step is offered to the user its rule names and to nobody else."""
    application = BatchQueryApprovedFactory(status=state)
    own_staff = AgencyStaffFactory(organization=application.agency)
    clerk = ClerkFactory()
    actor = next((u for u in (own_staff, clerk) if step.rule(application, u)), None)
    before = application.history.count()
    if state not in step.sources:
        with pytest.raises(Conflict):
            workflow.transition(application, step.name, by=actor, reason="按表逐步检查", follow=actor is None)
        application.refresh_from_db()
        assert (application.status, application.history.count()) == (state, before)
        return
    others = [AgencyStaffFactory(), OfficerFactory(), AuditorFactory(), AuthorityUserFactory(), own_staff, clerk]
    offered = [u for u in others if workflow.may(application, u, step.name)]
    assert offered == ([actor] if actor is not None else [])
