"""Information disclosed on request (依申请公开, Nanjing art. 27: 提供复制件、安排查阅; issue 18 item
3): the public request form, the credit office's case with its transition table, the answer as an
issued document the requester reads on the public status page, and the logged reads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from apps.catalog.choices import Disclosure
from apps.core.audit import audited_save
from apps.core.choices import DeadlineKind, DocumentKind, QueryMode, QueryPurpose
from apps.core.deadlines import deadline_of
from apps.core.documents import documents_of
from apps.core.exceptions import Conflict
from apps.core.models import Policy, QueryLog
from apps.core.workflow import walk
from apps.subjects import disclosure_requests as dr
from apps.subjects.choices import AccessForm, DisclosureRequestStatus
from apps.subjects.models import DisclosureRequest
from tests.factories import AuditorFactory, ClerkFactory, OfficerFactory, make_citizen_id, make_uscc
from tests.subjects.factories import (
    CompanyFactory,
    DisclosureRequestAcceptedFactory,
    DisclosureRequestFactory,
    PersonFactory,
    RecordFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-02T10:00")]

FORM_URL = "/public/disclosure-requests/"
STATUS_URL = "/public/disclosure-requests/status/"
ADDRESS = "203.0.113.9"
S = DisclosureRequestStatus


@pytest.fixture(autouse=True)
def _empty_cache(policy):
    """The address limits count in the cache: each test starts from nothing."""
    cache.clear()
    yield
    cache.clear()


def _form(company, **changes) -> dict:
    data = {
        "requester_name": "李四",
        "requester_id_number": make_citizen_id(77, birth="19900101"),
        "requester_contact": "13900000000",
        "subject_name": company.name,
        "subject_identifier": company.identifier,
        "information": "该企业近三年的行政处罚信息",
        "access_form": AccessForm.COPY,
    }
    return data | changes


def _post(data, client=None):
    return (client or Client()).post(FORM_URL, data, REMOTE_ADDR=ADDRESS)


def _on_request_record(subject, disclosure=Disclosure.ON_REQUEST):
    return RecordFactory(subject=subject, item__disclosure=disclosure)


# --- the public form -------------------------------------------------------------------------------


def test_anyone_files_a_request_without_signing_in_and_gets_a_number_and_a_tracking_code():
    """Nanjing art. 27: information disclosed on request is given on request — the portal takes
    the request from anyone, with the requester's identity and contact, the organisation, the
    information and the form of access (copy or inspection)."""
    company = CompanyFactory()
    client = Client()
    response = _post(_form(company, access_form=AccessForm.INSPECTION), client)
    assert response.status_code == 302 and response["Location"] == reverse("subjects:public_disclosure_filed")
    request = DisclosureRequest.objects.get()
    assert (request.status, request.subject, request.access_form) == (S.RECEIVED, company, AccessForm.INSPECTION)
    assert request.client_ip == ADDRESS and request.number.startswith("YS-2026-")
    assert request.history.count() == 1 and request.history.first().history_change_reason
    filed = client.get(reverse("subjects:public_disclosure_filed"))
    assert request.number in filed.content.decode() and request.tracking_code in filed.content.decode()


def test_no_city_sets_a_period_for_the_answer_so_no_clock_runs():
    """Nanjing art. 27 and the other cities' texts give no time limit for the answer: each
    preset leaves the figure empty with a basis saying so, and a filed request runs no clock."""
    for policy in Policy.objects.all():
        assert policy.disclosure_request_days is None, policy.code
        assert "未规定" in policy.disclosure_request_days_basis, policy.code
    _post(_form(CompanyFactory()))
    assert deadline_of(DisclosureRequest.objects.get(), DeadlineKind.DISCLOSURE_ANSWER) is None


def test_a_period_the_authority_sets_runs_from_receipt_in_working_days():
    """Where the authority adopts a period (the Policy figure), the answer clock counts it from
    the day of receipt in working days and binds the office."""
    nanjing = Policy.objects.get(code="nanjing")
    nanjing.disclosure_request_days = 15
    audited_save(nanjing, by=None, reason="主管部门规定答复期限")
    _post(_form(CompanyFactory()))
    clock = deadline_of(DisclosureRequest.objects.get(), DeadlineKind.DISCLOSURE_ANSWER)
    assert clock is not None and clock.due_on == dt.date(2026, 12, 23)


def test_a_natural_persons_information_is_not_requested_from_the_portal():
    """Tianjin art. 37 para. 2, Dalian art. 20: a person's non-public information goes to others
    only with the person's written consent — the request form refuses a citizen ID for the
    organisation, or the code of a subject that is a person, and files nothing."""
    person = PersonFactory()
    response = _post(_form(CompanyFactory(), subject_identifier=person.identifier))
    assert response.status_code == 200
    assert str(dr.MSG_PERSON_NOT_DISCLOSED) in response.context["form"].errors["subject_identifier"]
    assert not DisclosureRequest.objects.exists()


def test_bad_input_is_named_on_its_field():
    company = CompanyFactory()
    response = _post(_form(company, requester_id_number="123", subject_identifier="91320100MA1X00000X"))
    errors = response.context["form"].errors
    assert response.status_code == 200 and "requester_id_number" in errors and "subject_identifier" in errors
    response = _post(_form(company, information="", access_form="fax"))
    errors = response.context["form"].errors
    assert "information" in errors and "access_form" in errors
    assert not DisclosureRequest.objects.exists()


def test_an_organisation_code_not_on_the_platform_is_refused_but_no_code_is_fine():
    response = _post(_form(CompanyFactory(), subject_identifier=make_uscc(4321)))
    assert response.status_code == 200
    assert str(dr.MSG_NO_SUCH_ORGANISATION) in response.context["form"].errors["subject_identifier"]
    assert _post(_form(CompanyFactory(), subject_name="某某公司", subject_identifier="")).status_code == 302
    assert DisclosureRequest.objects.get().subject is None


def test_filing_is_rate_limited_per_address(settings):
    settings.PUBLIC_PORTAL_REQUESTS_PER_ADDRESS_PER_HOUR = 2
    company = CompanyFactory()
    assert [_post(_form(company)).status_code for _ in range(2)] == [302, 302]
    refused = _post(_form(company))
    assert refused.status_code == 429 and "Retry-After" in refused
    assert DisclosureRequest.objects.count() == 2
    assert Client().post(FORM_URL, _form(company), REMOTE_ADDR="198.51.100.1").status_code == 302


# --- the credit office's steps ---------------------------------------------------------------------


def test_the_answer_gives_records_disclosed_on_request_in_an_issued_document_read_through_the_log():
    """Nanjing art. 27: the office answers with a copy of the information disclosed on request.
    Reading the organisation's records to answer is one logged government lookup for processing
    the request; the answer is a document issued once and stored; the records go with it."""
    clerk = ClerkFactory()
    request = DisclosureRequestAcceptedFactory()
    on_request = _on_request_record(request.subject)
    client = Client()
    client.force_login(clerk)
    page = client.get(reverse("subjects:disclosure_request_detail", args=[request.pk]))
    assert page.status_code == 200 and f"#{on_request.pk}" in page.content.decode()
    row = QueryLog.objects.get(purpose=QueryPurpose.DISCLOSURE_REQUEST)
    assert (row.mode, row.user, row.subject_identifier, row.purpose_detail) == (
        QueryMode.GOVERNMENT,
        clerk,
        request.subject.identifier,
        request.number,
    )
    response = client.post(
        reverse("subjects:disclosure_request_step", args=[request.pk, "answer"]),
        {"reason": "依申请公开", "answer": "现提供该企业的处罚信息复制件。", "records": [str(on_request.pk)]},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == S.ANSWERED and list(request.records.all()) == [on_request]
    documents = list(documents_of(request, DocumentKind.DISCLOSURE_ANSWER))
    assert len(documents) == 1 and documents[0].pdf and documents[0].sha256
    assert "现提供该企业的处罚信息复制件" in documents[0].html.read().decode()
    assert QueryLog.objects.filter(purpose=QueryPurpose.DISCLOSURE_REQUEST).count() == 1  # the page's row covers it


@pytest.mark.parametrize("attribute", [Disclosure.GOVERNMENT, Disclosure.NONE])
def test_information_not_disclosed_on_request_cannot_be_given(attribute):
    """Nanjing art. 27: only information disclosed (to the public or) on request is given; 政务共享
    and 不公开 items never, whatever the clerk ticks."""
    clerk = ClerkFactory()
    request = DisclosureRequestAcceptedFactory()
    shared = _on_request_record(request.subject, disclosure=attribute)
    with pytest.raises(ValidationError) as refused:
        dr.disclosure_request_step(request, "answer", by=clerk, reason="答复", answer="复制件", records=[shared.pk])
    assert refused.value.message_dict["records"] == [str(dr.MSG_NOT_DISCLOSABLE).format(id=shared.pk)]
    request.refresh_from_db()
    assert request.status == S.ACCEPTED and not documents_of(request).exists()


def test_an_inspection_is_answered_with_when_and_where():
    """Nanjing art. 27: 安排查阅 — an inspection answer says when and where."""
    clerk = ClerkFactory()
    request = DisclosureRequestAcceptedFactory(access_form=AccessForm.INSPECTION)
    with pytest.raises(ValidationError) as refused:
        dr.disclosure_request_step(request, "answer", by=clerk, reason="答复", answer="可查阅")
    assert refused.value.message_dict["inspection_arrangement"] == [str(dr.MSG_INSPECTION_ARRANGEMENT)]
    dr.disclosure_request_step(
        request, "answer", by=clerk, reason="答复", answer="可查阅", inspection_arrangement="12月8日上午，服务窗口"
    )
    assert request.status == S.ANSWERED


def test_accepting_needs_an_organisation_on_the_platform():
    clerk = ClerkFactory()
    request = DisclosureRequestFactory(subject=None, subject_identifier="", subject_name="某某公司")
    with pytest.raises(ValidationError) as refused:
        dr.disclosure_request_step(request, "accept", by=clerk, reason="受理")
    assert refused.value.message_dict["subject_identifier"] == [str(dr.MSG_NO_SUBJECT)]
    company = CompanyFactory()
    dr.disclosure_request_step(request, "accept", by=clerk, reason="受理", subject_identifier=company.identifier)
    assert (request.status, request.subject) == (S.ACCEPTED, company)


def test_a_refusal_is_a_document_with_the_reasons_on_the_requesters_status_page():
    clerk = ClerkFactory()
    request = DisclosureRequestFactory()
    with pytest.raises(ValidationError):
        dr.disclosure_request_step(request, "refuse", by=clerk, reason="不予公开", refusal_reason="")
    dr.disclosure_request_step(
        request, "refuse", by=clerk, reason="不予公开", refusal_reason="所申请信息属于不公开信息。"
    )
    assert request.status == S.REFUSED
    page = Client().post(STATUS_URL, {"number": request.number, "tracking_code": request.tracking_code})
    assert page.status_code == 200
    text = page.content.decode()
    document = documents_of(request).get()
    assert document.number in text and "所申请信息属于不公开信息" not in text  # the document, not the clerk's note
    pdf = Client().post(STATUS_URL, {"number": request.number, "tracking_code": request.tracking_code, "download": "1"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_the_status_page_needs_both_the_number_and_the_tracking_code():
    request = DisclosureRequestFactory()
    for data in (
        {"number": request.number, "tracking_code": "AAAA-BBBB-CCCC"},
        {"number": "YS-2026-999999", "tracking_code": request.tracking_code},
    ):
        assert Client().post(STATUS_URL, data).status_code == 404
    found = Client().post(STATUS_URL, {"number": request.number.lower(), "tracking_code": request.tracking_code})
    assert found.status_code == 200 and request.get_status_display() in found.content.decode()


def test_only_the_credit_office_takes_the_steps():
    request = DisclosureRequestFactory()
    for other in (OfficerFactory(), AuditorFactory()):
        assert dr.DISCLOSURE_REQUEST_CASE.offered(request, other) == []
        with pytest.raises(PermissionDenied):
            dr.disclosure_request_step(request, "accept", by=other, reason="越权")
    answered = DisclosureRequestAcceptedFactory()
    dr.disclosure_request_step(answered, "refuse", by=ClerkFactory(), reason="不予公开", refusal_reason="不属于")
    with pytest.raises(Conflict):
        dr.disclosure_request_step(answered, "accept", by=ClerkFactory(), reason="再次受理")


@pytest.mark.parametrize(
    ("workflow", "state", "step"),
    walk([dr.DISCLOSURE_REQUEST_CASE]),
    ids=lambda v: getattr(v, "name", str(v)),
)
def test_each_step_of_the_table_from_each_state(workflow, state, step):
    """Every step from every state: the credit office takes it from its sources (409 elsewhere)."""
    clerk = ClerkFactory()
    request = DisclosureRequestFactory(status=state)
    data = {
        "accept": {},
        "answer": {"answer": "复制件"},
        "refuse": {"refusal_reason": "不属于依申请公开信息"},
    }[step.name]
    if state not in step.sources:
        with pytest.raises(Conflict):
            workflow.transition(request, step.name, by=clerk, reason="按表逐步检查", **data)
        return
    workflow.transition(request, step.name, by=clerk, reason="按表逐步检查", **data)
    assert request.status == step.target
