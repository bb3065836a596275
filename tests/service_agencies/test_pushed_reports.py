"""Credit reports of service agencies pushed by the bodies that used them (Nanjing art. 65), flagged
while the agency's rating products are restricted after a false report (Nanjing art. 69 para. 4),
and a list case opened from that finding through the sanctions workflow."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from apps.core.choices import QueryMode, QueryPurpose
from apps.core.exceptions import Conflict
from apps.core.models import QueryLog
from apps.sanctions import services as sanctions
from apps.sanctions.selectors import cases_opened_from
from apps.service_agencies import pushed, supervision
from apps.service_agencies.choices import ActionKind, Finding
from apps.service_agencies.models import PushedReport, SupervisionAction
from tests.factories import AuditorFactory, AuthorityUserFactory, ClerkFactory, OfficerFactory
from tests.sanctions.factories import make_world
from tests.service_agencies.factories import (
    AgencyStaffFactory,
    PushedReportFactory,
    RegistryFilingPublishedFactory,
    ServiceAgencyOrgFactory,
    report_pdf,
)
from tests.subjects.factories import CompanyFactory, PersonFactory, RecordFactory

pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-02T10:00")]

GOVERNMENT_LOOKUP = {"mode": QueryMode.GOVERNMENT, "purpose": QueryPurpose.ADMINISTRATIVE_LICENSING}
WARNING = "限制使用其信用评级评价产品"


def _push(officer, agency, subject, number="PJ-2026-0101", **changes):
    data = {
        "agency": agency,
        "subject_identifier": subject.identifier,
        "matter_kind": "procurement",
        "matter": "2026年市政道路养护服务政府采购项目",
        "report_number": number,
        "report_date": datetime.date(2026, 11, 2),
        "conclusion": "信用等级AA",
        "file": report_pdf(),
    }
    data.update(changes)
    data.setdefault("reason", "采购评审使用")
    return pushed.pushed_report_push(by=officer, **data)


def _false_spot_check(agency, authority=None):
    return supervision.supervision_record(
        by=authority or AuthorityUserFactory(),
        agency=agency,
        kind=ActionKind.SPOT_CHECK,
        summary="抽查2026年度信用评级报告",
        report_number="CX-PJ-2026-018",
        report_date=datetime.date(2026, 10, 9),
        finding=Finding.FALSE,
        finding_reasons="评级结论与财务数据严重不符",
        basis="《南京市社会信用条例》第六十九条第四款",
        reason="年度抽查",
    )


def _credit_file(client, user, subject) -> str:
    client.force_login(user)
    response = client.post(reverse("subjects:credit_file", args=[subject.pk]), GOVERNMENT_LOOKUP)
    assert response.status_code == 200
    return response.content.decode()


def test_a_false_report_spot_check_publishes_flags_pushed_reports_and_opens_a_listing_case(client, policy):
    """Issue 14 acceptance (Nanjing art. 65, art. 69 paras. 3–4): a spot check finding a false
    report publishes the result, flags that agency's pushed reports in the credit files, and a
    listing case can be opened from it."""
    world = make_world()  # a published catalog and measure list
    agency = RegistryFilingPublishedFactory().agency
    other_agency = ServiceAgencyOrgFactory()
    body, clerk, authority = OfficerFactory(), ClerkFactory(), AuthorityUserFactory()
    company = CompanyFactory()
    earlier = _push(body, agency, company)
    unrelated = _push(body, other_agency, company, number="QT-2026-7")
    assert "PJ-2026-0101" in _credit_file(client, clerk, company)
    assert WARNING not in _credit_file(client, clerk, company)

    check = _false_spot_check(agency, authority)

    # Nanjing art. 69 para. 3: the result is public at once.
    registry = client.get(reverse("service_agencies:public_registry")).content.decode()
    assert "CX-PJ-2026-018" in registry and str(Finding.FALSE.label) in registry
    # The report pushed before the finding is flagged now, in the credit file, naming the action …
    restriction = supervision.restriction_in_force(agency)
    page = _credit_file(client, clerk, company)
    assert page.count(WARNING) == 1 and f"#{restriction.pk}" in page and "CX-PJ-2026-018" in page
    # … and so is one pushed later, while the restriction holds; the other agency's is not.
    later = _push(body, agency, company, number="PJ-2026-0202")
    assert _credit_file(client, clerk, company).count(WARNING) == 2
    assert [r.restriction is not None for r in pushed.with_restrictions([earlier, later, unrelated])] == [
        True,
        True,
        False,
    ]
    api = APIClient()
    api.force_authenticate(body)
    rows = {row["report_number"]: row for row in api.get("/api/v1/agencies/pushed-reports/").json()["results"]}
    assert rows["PJ-2026-0101"]["agency_restricted"] and rows["PJ-2026-0202"]["agency_restricted"]
    assert rows["PJ-2026-0101"]["restriction"]["id"] == restriction.pk
    assert rows["PJ-2026-0101"]["restriction"]["because_of"] == check.pk
    assert WARNING in rows["PJ-2026-0101"]["restriction"]["warning"]
    assert rows["QT-2026-7"]["agency_restricted"] is False and rows["QT-2026-7"]["restriction"] is None

    # Nanjing art. 69 para. 4: the authority opens a serious-list case against the agency.
    agency_subject = CompanyFactory(identifier=agency.unified_code, name=agency.name)
    record = RecordFactory(subject=agency_subject, item=world.record.item, severity="serious")
    client.force_login(authority)
    detail = client.get(reverse("service_agencies:action_detail", args=[check.pk])).content.decode()
    assert reverse("service_agencies:action_open_case", args=[check.pk]) in detail
    response = client.post(
        reverse("service_agencies:action_open_case", args=[check.pk]),
        {
            "facts": "出具虚假信用评级报告",
            "legal_basis": "《南京市社会信用条例》第六十九条第四款",
            "basis_records": [str(record.pk)],
            "measures": [world.measures["serious"].pk],
            "reason": "依据本条例实施联合惩戒",
        },
    )
    case = cases_opened_from(check).get()
    assert response.status_code == 302 and response.url == reverse("sanctions:case_detail", args=[case.pk])
    assert case.source == check and case.subject == agency_subject and case.list_type == "serious"
    assert case.status == "draft" and case.deciding_org == authority.organization
    assert list(case.basis_records.all()) == [record]
    # The case goes on as any case of its deciding body: the authority may take its next step.
    assert sanctions.is_case_officer(case, authority)
    case_page = client.get(reverse("sanctions:case_detail", args=[case.pk])).content.decode()
    assert reverse("service_agencies:action_detail", args=[check.pk]) in case_page  # its source
    assert "#" + str(case.pk) in client.get(reverse("service_agencies:action_detail", args=[check.pk])).content.decode()
    # The agency's own staff read the action, not the case (no permission on list cases).
    client.force_login(AgencyStaffFactory(organization=agency))
    staff_page = client.get(reverse("service_agencies:action_detail", args=[check.pk]))
    assert staff_page.status_code == 200
    assert reverse("sanctions:case_detail", args=[case.pk]) not in staff_page.content.decode()
    # A second case from the same finding is refused, with the case named.
    with pytest.raises(Conflict, match=f"#{case.pk}"):
        supervision.listing_case_open_from(check, by=authority, reason="再次", basis_records=[record])


def test_the_flag_follows_the_restriction_and_is_never_stored(policy):
    """Nanjing art. 69 para. 4: the flag is read from the restriction each time; without the
    restriction (gone, the restriction records no end of its own) the report is not flagged."""
    report = PushedReportFactory()
    assert pushed.with_restrictions([report])[0].restriction is None
    _false_spot_check(report.agency)
    (flagged,) = pushed.with_restrictions([PushedReport.objects.get(pk=report.pk)])
    assert flagged.restriction.kind == ActionKind.RESTRICTION and WARNING in flagged.restriction_warning
    assert not {f.name for f in PushedReport._meta.fields} & {"restricted", "flagged", "agency_restricted"}
    # the restriction ends (here: removed) → the flag is gone on the next read
    restriction = SupervisionAction.objects.get(kind=ActionKind.RESTRICTION)
    SupervisionAction.objects.filter(pk=restriction.pk).delete()
    (cleared,) = pushed.with_restrictions([PushedReport.objects.get(pk=report.pk)])
    assert cleared.restriction is None and cleared.restriction_warning == ""


def test_a_compliant_finding_or_another_action_opens_no_case(policy):
    """Nanjing art. 69 para. 4 applies to a false report only: anything else is a conflict."""
    agency = ServiceAgencyOrgFactory()
    authority = AuthorityUserFactory()
    compliant = supervision.supervision_record(
        by=authority,
        agency=agency,
        kind=ActionKind.SPOT_CHECK,
        summary="抽查",
        report_number="CX-1",
        report_date=datetime.date(2026, 10, 9),
        finding=Finding.COMPLIANT,
        reason="抽查",
    )
    inspection = supervision.supervision_record(
        by=authority, agency=agency, kind=ActionKind.INSPECTION, summary="现场检查", reason="检查"
    )
    for action in (compliant, inspection):
        with pytest.raises(Conflict, match="虚假"):
            supervision.listing_case_open_from(action, by=authority, reason="联合惩戒")
    assert not supervision.may_open_case(compliant, authority)
    api = APIClient()
    api.force_authenticate(authority)
    response = api.post(f"/api/v1/agencies/supervision/{compliant.pk}/open-case/", {"reason": "联合惩戒"})
    assert response.status_code == 409 and "虚假" in str(response.json())


def test_a_case_needs_the_agencys_credit_file_and_its_dishonest_records(policy):
    """A listing case rests on dishonest records (the sanctions rule), so the agency's own file
    comes first; nothing is written when it is refused."""
    agency = ServiceAgencyOrgFactory()
    authority = AuthorityUserFactory()
    check = _false_spot_check(agency, authority)
    with pytest.raises(ValidationError) as error:
        supervision.listing_case_open_from(check, by=authority, reason="联合惩戒")
    assert "subject" in error.value.message_dict and agency.unified_code in str(error.value)
    CompanyFactory(identifier=agency.unified_code, name=agency.name)
    with pytest.raises(ValidationError) as error:
        supervision.listing_case_open_from(check, by=authority, reason="联合惩戒")
    assert "basis_records" in error.value.message_dict
    assert not cases_opened_from(check).exists()


def test_the_api_opens_the_case_once(policy):
    """POST /api/v1/agencies/supervision/{id}/open-case/: 201 naming the case, then 409."""
    world = make_world()
    agency = ServiceAgencyOrgFactory()
    authority = AuthorityUserFactory()
    check = _false_spot_check(agency, authority)
    subject = CompanyFactory(identifier=agency.unified_code, name=agency.name)
    record = RecordFactory(subject=subject, item=world.record.item, severity="serious")
    api = APIClient()
    api.force_authenticate(authority)
    url = f"/api/v1/agencies/supervision/{check.pk}/open-case/"
    body = {"reason": "联合惩戒", "basis_records": [record.pk], "measures": [world.measures["serious"].pk]}
    response = api.post(url, body, format="json")
    assert response.status_code == 201, response.json()
    case = cases_opened_from(check).get()
    assert response.json() == {"case": case.pk, "status": "draft", "source": check.pk}
    assert "虚假" in case.facts and case.legal_basis == check.basis  # defaults from the finding
    assert api.post(url, body, format="json").status_code == 409
    source = api.get(f"/api/v1/cases/{case.pk}/").json()["source"]
    assert source["kind"] == "service_agencies.supervisionaction" and source["id"] == check.pk
    assert api.post(url, {"reason": "x", "measures": [999999]}, format="json").status_code in (400, 409)


def test_who_may_open_a_case_from_a_finding(client, policy):
    """The sanctions app's rule: the authority (from its own finding) or a deciding agency's
    officer; never a clerk or the agency's own staff."""
    agency = ServiceAgencyOrgFactory()
    check = _false_spot_check(agency)
    staff = AgencyStaffFactory(organization=agency)
    for user in (ClerkFactory(), staff):
        with pytest.raises(PermissionDenied):
            supervision.listing_case_open_from(check, by=user, reason="x")
        client.force_login(user)
        assert client.post(reverse("service_agencies:action_open_case", args=[check.pk]), {}).status_code == 403
    client.force_login(staff)
    assert "open-case" not in client.get(reverse("service_agencies:action_detail", args=[check.pk])).content.decode()
    # the authority still may not open a case of its own without a source in the sanctions app
    with pytest.raises(PermissionDenied):
        sanctions.require_case_officer(AuthorityUserFactory())


def test_only_a_government_bodys_officer_pushes_and_every_field_is_checked(policy):
    """Nanjing art. 65: the body that bought or required the report pushes it; bad input is
    refused naming the field and writes nothing."""
    agency, company = ServiceAgencyOrgFactory(), CompanyFactory()
    for user in (ClerkFactory(), AuthorityUserFactory(), AgencyStaffFactory(organization=agency)):
        with pytest.raises(PermissionDenied):
            _push(user, agency, company)
    officer = OfficerFactory()
    with pytest.raises(ValidationError) as error:
        _push(
            officer,
            officer.organization,  # not a service agency
            company,
            subject_identifier="91320100MA1XXXXX0X",
            matter_kind="lottery",
            matter=" ",
            report_number="",
            report_date=datetime.date(2026, 12, 3),
            conclusion="",
            file=SimpleUploadedFile("报告.pdf", b"MZ not a pdf", content_type="application/pdf"),
        )
    fields = error.value.message_dict
    assert set(fields) == {
        "agency",
        "subject_identifier",
        "matter_kind",
        "matter",
        "report_number",
        "report_date",
        "conclusion",
        "file",
    }
    assert "PDF" in " ".join(fields["file"])
    with pytest.raises(ValidationError) as error:
        _push(officer, agency, company, subject_identifier=PersonFactory.build().identifier)
    assert "subject_identifier" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _push(officer, agency, company, reason="")
    assert not PushedReport.objects.exists()
    _push(officer, agency, company)
    with pytest.raises(Conflict):
        _push(officer, agency, company)
    assert PushedReport.objects.count() == 1


def test_a_push_stores_the_file_under_the_platforms_name_with_history(policy):
    officer, agency, company = OfficerFactory(), ServiceAgencyOrgFactory(), CompanyFactory()
    report = _push(officer, agency, company)
    assert report.pushing_org == officer.organization and report.pushed_on == datetime.date(2026, 12, 2)
    assert report.file_name == "评级报告.pdf" and "评级" not in report.file.name
    assert len(report.file_sha256) == 64
    row = report.history.get()
    assert row.history_user == officer and row.history_change_reason == "采购评审使用"


def test_pages_push_list_detail_and_file(client, policy):
    officer, agency, company = OfficerFactory(), ServiceAgencyOrgFactory(), CompanyFactory()
    client.force_login(officer)
    assert client.get(reverse("service_agencies:pushed_new")).status_code == 200
    response = client.post(
        reverse("service_agencies:pushed_new"),
        {
            "agency": agency.pk,
            "subject_identifier": company.identifier,
            "matter_kind": "tender",
            "matter": "市民中心改造工程招标",
            "report_number": "PJ-9",
            "report_date": "2026-11-20",
            "conclusion": "AA",
            "file": report_pdf(),
            "reason": "招标使用",
        },
    )
    report = PushedReport.objects.get()
    assert response.status_code == 302 and response.url == reverse("service_agencies:pushed_detail", args=[report.pk])
    assert "PJ-9" in client.get(reverse("service_agencies:pushed_list")).content.decode()
    assert "市民中心改造工程招标" in client.get(response.url).content.decode()
    download = client.get(reverse("service_agencies:pushed_file", args=[report.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    # a refused push shows the field's message on the form
    bad = client.post(reverse("service_agencies:pushed_new"), {"agency": agency.pk, "reason": "x"})
    assert bad.status_code == 200 and "has-error" in bad.content.decode()


def test_bodies_see_their_own_reports_the_clerk_and_auditor_all_agency_staff_none(client, policy):
    """Isolation: another body's officer gets 404 (web, API, file); agency staff hold no
    permission on pushed reports (403) — not even on their own agency's reports."""
    report = PushedReportFactory()
    other_officer = OfficerFactory()
    staff = AgencyStaffFactory(organization=report.agency)
    for user, status in ((report.pushed_by, 200), (ClerkFactory(), 200), (AuditorFactory(), 200)):
        client.force_login(user)
        assert client.get(reverse("service_agencies:pushed_detail", args=[report.pk])).status_code == status
    client.force_login(other_officer)
    for name in ("pushed_detail", "pushed_file"):
        assert client.get(reverse(f"service_agencies:{name}", args=[report.pk])).status_code == 404
    assert report.report_number not in client.get(reverse("service_agencies:pushed_list")).content.decode()
    client.force_login(staff)
    assert client.get(reverse("service_agencies:pushed_list")).status_code == 403
    assert client.get(reverse("service_agencies:pushed_detail", args=[report.pk])).status_code == 404
    api = APIClient()
    api.force_authenticate(other_officer)
    assert api.get(f"/api/v1/agencies/pushed-reports/{report.pk}/").status_code == 404
    assert api.get("/api/v1/agencies/pushed-reports/").json()["results"] == []
    api.force_authenticate(staff)
    assert api.get("/api/v1/agencies/pushed-reports/").status_code == 403
    assert api.get(f"/api/v1/agencies/pushed-reports/{report.pk}/").status_code == 403


def test_the_credit_file_panel_is_read_within_its_logged_lookup(client, policy):
    """The panel appears only inside the credit file's government lookup, which writes the query
    log; an officer's panel holds its own body's reports only."""
    mine = PushedReportFactory()
    theirs = PushedReportFactory(subject=mine.subject)
    page = _credit_file(client, mine.pushed_by, mine.subject)
    assert mine.report_number in page and theirs.report_number not in page
    assert QueryLog.objects.filter(user=mine.pushed_by, subject_identifier=mine.subject.identifier).count() == 1
    clerk = ClerkFactory()
    client.force_login(clerk)
    public = client.post(
        reverse("subjects:credit_file", args=[mine.subject.pk]),
        {"mode": QueryMode.PUBLIC, "purpose": QueryPurpose.ADMINISTRATIVE_LICENSING},
    ).content.decode()
    assert mine.report_number not in public
    page = _credit_file(client, clerk, mine.subject)
    assert mine.report_number in page and theirs.report_number in page


def test_the_api_pushes_a_report_with_its_file(policy):
    officer, agency, company = OfficerFactory(), ServiceAgencyOrgFactory(), CompanyFactory()
    api = APIClient()
    api.force_authenticate(officer)
    data = {
        "agency": agency.pk,
        "subject_identifier": company.identifier,
        "matter_kind": "subsidy",
        "matter": "2026年度科技型中小企业扶持资金",
        "report_number": "XY-2026-1",
        "report_date": "2026-11-01",
        "conclusion": "信用良好",
        "file": report_pdf(),
        "reason": "扶持资金评审",
    }
    response = api.post("/api/v1/agencies/pushed-reports/", data, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["agency_restricted"] is False and body["subject_identifier"] == company.masked_identifier
    assert api.get(f"/api/v1/agencies/pushed-reports/{body['id']}/").json()["report_number"] == "XY-2026-1"
    data["file"] = SimpleUploadedFile("a.pdf", b"not a pdf", content_type="application/pdf")
    data["report_number"] = "XY-2026-2"
    refused = api.post("/api/v1/agencies/pushed-reports/", data, format="multipart")
    assert refused.status_code == 400 and "file" in refused.json()
    assert api.get("/api/v1/agencies/pushed-reports/", {"matter_kind": "nonsense"}).status_code == 400


@pytest.mark.today("2026-12-05T10:00")
def test_seed_demo_pushes_two_reports_once(settings):
    import io

    from django.core.management import call_command

    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    reports = list(PushedReport.objects.select_related("agency", "pushing_org"))
    assert len(reports) == 2 and {r.agency.short_name for r in reports} == {"诚信评级", "明鉴信用"}
    assert {r.pushing_org.short_name for r in reports} == {"市市场监管局"}
    assert all(r.file.read(5) == b"%PDF-" for r in reports)
    again = io.StringIO()
    call_command("seed_demo", stdout=again)
    assert "pushed reports: demo pushed reports already present" in again.getvalue()
    assert PushedReport.objects.count() == 2
