"""The public objection pages (issue 12 item 6): filing online after a logged own-record inquiry,
the tracking code, the status page that answers nothing without the code and the identifier,
the checks of what is filed, and the rate limits."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from apps.core.choices import DeadlineKind, QueryChannel, QueryMode, QueryPurpose
from apps.core.deadlines import deadline_of
from apps.core.models import QueryLog
from apps.core.models_documents import Attachment
from apps.core.querylog import LookupRequest
from apps.objections import intake, services
from apps.objections.choices import Channel, Ground, ObjectionStatus
from apps.objections.models import Objection
from apps.subjects.choices import RecordStatus
from apps.subjects.selectors import lookup_check
from tests.objections import factories
from tests.subjects.factories import GovernmentOnlyItemFactory, RecordFactory

pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-02T10:00")]

FILE_URL = "/public/objections/"
STATUS_URL = "/public/objections/status/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64
STATEMENT = "该处罚决定已被复议撤销，请更正"
CONTACT = "13912345678"


@pytest.fixture(autouse=True)
def _empty_cache():
    """The address limits count in the cache: each test starts from nothing."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(policy):
    return factories.make_world()


def _identity(world, **overrides):
    data = {
        "stage": "identify",
        "identifier": world.subject.identifier,
        "name": world.subject.name,
        "contact": CONTACT,
    }
    return data | overrides


def _filing(world, **overrides):
    data = _identity(world) | {
        "stage": "file",
        "records": [str(world.record_a.pk)],
        "grounds": [Ground.ERROR],
        "statement": STATEMENT,
    }
    return data | overrides


def _counts():
    return Objection.objects.count(), Attachment.objects.count()


def _file_online(world, **kwargs):
    data = {
        "subject": world.subject,
        "applicant_name": world.subject.name,
        "applicant_contact": CONTACT,
        "statement": STATEMENT,
        "grounds": [Ground.ERROR],
        "records": [world.record_a],
        "client_ip": "203.0.113.9",
    }
    return intake.objection_file_online(**(data | kwargs))


def _without_csrf(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


# --- acceptance: an online filing marks nothing until accepted ---------------------------------------


def test_an_online_filing_marks_nothing_until_a_clerk_accepts_it(world, client):
    page = client.post(FILE_URL, _identity(world))
    assert page.status_code == 200 and world.record_a.document_number in page.content.decode()
    response = client.post(FILE_URL, _filing(world, evidence=[SimpleUploadedFile("证据.pdf", PDF)]))
    assert response.status_code == 302 and response["Location"] == reverse("objections:public_filed")

    objection = Objection.objects.get()
    assert (objection.channel, objection.status) == (Channel.ONLINE, ObjectionStatus.RECEIVED)
    assert objection.received_on == dt.date(2026, 12, 2) and objection.handler == world.office
    assert list(objection.records.all()) == [world.record_a] and objection.applicant_contact == CONTACT
    assert objection.attachments.get().uploaded_by is None
    confirmation = client.get(response["Location"]).content.decode()
    assert objection.tracking_code in confirmation

    # Every history row of the filing: no user, the reason 网上提交.
    rows = [*objection.history.all(), *(h for d in objection.deadlines.all() for h in d.history.all())]
    assert rows and {(row.history_user_id, row.history_change_reason) for row in rows} == {(None, "网上提交")}
    # The mark clock runs from receipt; nothing is marked.
    mark = deadline_of(objection, DeadlineKind.OBJECTION_MARK)
    assert mark.running and mark.started_on == dt.date(2026, 12, 2)
    world.record_a.refresh_from_db()
    assert not world.record_a.under_objection

    services.objection_step(objection, "accept", by=world.clerk, reason="受理并标注")
    world.record_a.refresh_from_db()
    assert world.record_a.under_objection
    assert deadline_of(objection, DeadlineKind.OBJECTION_MARK).status == "met"


# --- the status page --------------------------------------------------------------------------------


def test_the_status_page_answers_nothing_without_the_code_and_the_identifier(world, client):
    objection = _file_online(world, missing="缺少一条表彰信息")
    code, identifier = objection.tracking_code, world.subject.identifier
    secrets = [STATEMENT, "缺少一条表彰信息", world.subject.name, CONTACT, world.record_a.document_number]
    secrets += [objection.number, world.office.name]

    # Either one alone: the form asks for the other; nothing is looked up.
    for data in ({"tracking_code": code}, {"identifier": identifier}, {}):
        response = client.post(STATUS_URL, data)
        body = response.content.decode()
        assert response.status_code == 200 and 'class="errors"' in body
        assert str(ObjectionStatus.RECEIVED.label) not in body and "2026-12-02" not in body

    # A wrong code, a wrong identifier, or both: the same page, 404.
    other = world.other_subject.identifier
    wrong = [
        {"tracking_code": "ABCD-EFGH-JKLM", "identifier": identifier},
        {"tracking_code": code, "identifier": other},
        {"tracking_code": "ABCD-EFGH-JKLM", "identifier": other},
    ]
    answers = [client.post(STATUS_URL, data) for data in wrong]
    assert [a.status_code for a in answers] == [404, 404, 404]
    assert len({_without_csrf(a) for a in answers}) == 1
    assert code not in _without_csrf(answers[1])

    # Both, typed loosely (lower case, no dashes): the steps and the dates, never the content.
    response = client.post(STATUS_URL, {"tracking_code": code.replace("-", "").lower(), "identifier": identifier})
    body = response.content.decode()
    assert response.status_code == 200 and code in body and "2026-12-02" in body
    assert all(secret not in body for secret in secrets), [s for s in secrets if s in body]

    services.objection_step(objection, "accept", by=world.clerk, reason="材料齐全，予以受理")
    body = client.post(STATUS_URL, {"tracking_code": code, "identifier": identifier}).content.decode()
    assert str(ObjectionStatus.MARKED.label) in body and "材料齐全" not in body


def test_online_status_compares_code_and_identifier(world):
    objection = _file_online(world)
    assert intake.online_status(tracking_code=objection.tracking_code, identifier=world.subject.identifier) == objection
    for code, identifier in (
        (objection.tracking_code, ""),
        ("", world.subject.identifier),
        (objection.tracking_code, world.other_subject.identifier),
        ("ABCD-EFGH-JKLM", world.subject.identifier),
    ):
        assert intake.online_status(tracking_code=code, identifier=identifier) is None


# --- bad input: the field is named, nothing is written ---------------------------------------------------


def test_another_subjects_record_is_refused_and_nothing_is_written(world, client):
    before = _counts()
    response = client.post(FILE_URL, _filing(world, records=[str(world.other_record.pk)]))
    assert response.status_code == 200 and "records" in response.context["form"].errors
    assert world.other_record.document_number not in response.content.decode()
    # The service refuses it too, and a record of the subject's own that is not disclosed.
    revoked = RecordFactory(subject=world.subject, item=world.record_a.item, status=RecordStatus.REVOKED)
    for records in ([world.other_record], [revoked]):
        with pytest.raises(ValidationError) as error:
            _file_online(world, records=records)
        assert "records" in error.value.message_dict
    assert _counts() == before


@pytest.mark.parametrize(
    "name, content, taken",
    [
        ("证据.png", PNG, True),  # a PNG is taken as a PNG
        ("证据扫描件", PNG, True),  # a name without an extension: the content decides
        ("证据.pdf", EXE, False),  # a program renamed .pdf
        ("证据.pdf", PNG, False),  # a PNG named .pdf: the platform's rule asks for the right name
    ],
)
def test_evidence_is_judged_by_its_content(world, client, name, content, taken):
    before = _counts()
    response = client.post(FILE_URL, _filing(world, evidence=[SimpleUploadedFile(name, content)]))
    if taken:
        assert response.status_code == 302
        assert Attachment.objects.get().content_type == "image/png"
    else:
        assert response.status_code == 200 and "evidence" in response.context["form"].errors
        assert _counts() == before


def test_evidence_over_the_cap_is_refused(world, client, settings):
    settings.UPLOAD_MAX_BYTES = 256
    before = _counts()
    response = client.post(FILE_URL, _filing(world, evidence=[SimpleUploadedFile("证据.pdf", PDF + b" " * 300)]))
    assert response.status_code == 200
    errors = response.context["form"].errors["evidence"]
    assert any("256" in e for e in errors), errors
    assert _counts() == before


def test_a_filing_needs_grounds_and_a_statement(world, client):
    before = _counts()
    response = client.post(FILE_URL, _filing(world, grounds=[], statement=" "))
    assert {"grounds", "statement"} <= set(response.context["form"].errors)
    response = client.post(FILE_URL, _filing(world, records=[], missing=""))
    assert "records" in response.context["form"].errors
    assert _counts() == before


# --- who files, and what it sees --------------------------------------------------------------------------


def test_the_self_lookup_is_logged_and_shows_only_disclosed_records(world, client):
    item = world.record_a.item
    hidden = [
        RecordFactory(subject=world.subject, item=item, status=status)
        for status in (RecordStatus.REVOKED, RecordStatus.EXPIRED, RecordStatus.HIDDEN, RecordStatus.REPAIRED)
    ]
    hidden.append(RecordFactory(subject=world.subject, item=item, disclosure_ends_on=dt.date(2026, 12, 1)))
    hidden.append(RecordFactory(subject=world.subject, item=GovernmentOnlyItemFactory()))
    before = QueryLog.objects.count()

    response = client.post(FILE_URL, _identity(world), REMOTE_ADDR="198.51.100.7")
    offered = {int(pk) for pk, _label in response.context["form"].fields["records"].choices}
    assert offered == {world.record_a.pk, world.record_b.pk}
    body = response.content.decode()
    assert all(r.document_number not in body for r in [*hidden, world.other_record])

    log = QueryLog.objects.order_by("-id").first()
    assert QueryLog.objects.count() == before + 1
    assert (log.mode, log.purpose, log.channel) == (QueryMode.SELF, QueryPurpose.SELF_INQUIRY, QueryChannel.PUBLIC)
    assert log.user is None and log.subject_identifier == world.subject.identifier
    assert log.client_ip == "198.51.100.7" and sorted(log.result["records"]) == sorted(offered)


def test_the_identifier_and_the_exact_registered_name_must_match(world, client):
    before = QueryLog.objects.count()
    unknown = client.post(FILE_URL, _identity(world, identifier=world.agency_a.unified_code))
    wrong_name = client.post(FILE_URL, _identity(world, name=world.subject.name[:-2]))
    for response in (unknown, wrong_name):
        assert response.status_code == 200 and "records" not in response.context["form"].fields
        assert escape(str(intake.MSG_NO_SUCH_SUBJECT)) in response.content.decode()
    # The same page for both, but for the values typed, which it shows again.
    assert re.sub(r'value="[^"]*"', "", unknown.content.decode()) == re.sub(
        r'value="[^"]*"', "", wrong_name.content.decode()
    )
    malformed = client.post(FILE_URL, _identity(world, identifier="91320100MA1XXXXXX0"))
    assert "identifier" in malformed.context["form"].errors
    assert QueryLog.objects.count() == before  # nothing was shown: no lookup
    # Full-width characters and surrounding spaces are forgiven, nothing else.
    loose = client.post(FILE_URL, _identity(world, name=f" {world.subject.name} "))
    assert "records" in loose.context["form"].fields


def test_an_anonymous_own_record_inquiry_is_only_the_online_one(world):
    """`lookup_check`: signed in to no account, an own-record inquiry is allowed on the public
    channel only, and still needs the identity checked for the subject looked up."""
    identifier = world.subject.identifier
    online = intake.online_lookup_request(world.subject, client_ip=None)
    lookup_check(online, identifier=identifier)
    with pytest.raises(ValidationError):
        lookup_check(online, identifier=world.other_subject.identifier)
    for lookup in (
        LookupRequest(user=None, mode=QueryMode.SELF, purpose=QueryPurpose.SELF_INQUIRY, channel=QueryChannel.WEB),
        LookupRequest(user=None, mode=QueryMode.SELF, purpose=QueryPurpose.SELF_INQUIRY, channel=QueryChannel.PUBLIC),
        LookupRequest(
            user=world.officer_a,
            mode=QueryMode.SELF,
            purpose=QueryPurpose.SELF_INQUIRY,
            channel=QueryChannel.PUBLIC,
            identity_checked=True,
            checked_identifier=identifier,
        ),
    ):
        with pytest.raises(ValidationError):
            lookup_check(lookup, identifier=identifier)


def test_the_forms_need_the_csrf_token(world):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(FILE_URL, _identity(world)).status_code == 403
    assert strict.post(STATUS_URL, {"tracking_code": "x", "identifier": "y"}).status_code == 403


def test_the_confirmation_shows_only_this_sessions_filing(world, client):
    objection = _file_online(world)
    body = client.get(reverse("objections:public_filed")).content.decode()
    assert objection.tracking_code not in body


# --- rate limits ------------------------------------------------------------------------------------------


def test_online_filings_per_identifier_per_day(world, client, settings):
    settings.OBJECTION_ONLINE_PER_IDENTIFIER_PER_DAY = 2
    for address in ("203.0.113.1", "203.0.113.2"):
        _file_online(world, client_ip=address)
    with pytest.raises(intake.RateLimited):
        _file_online(world, client_ip="203.0.113.3")
    response = client.post(FILE_URL, _filing(world), REMOTE_ADDR="203.0.113.4")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert escape(str(intake.MSG_TOO_MANY_FOR_SUBJECT).format(limit=2)) in response.content.decode()
    assert Objection.objects.count() == 2
    # Another subject is not held back by this one's filings.
    _file_online(world, subject=world.other_subject, records=[world.other_record], client_ip="203.0.113.5")


def test_online_filings_per_address_per_hour(world, client, settings, time_machine):
    settings.OBJECTION_ONLINE_PER_ADDRESS_PER_HOUR = 1
    address = {"REMOTE_ADDR": "203.0.113.7"}
    # A refused form does not count.
    client.post(FILE_URL, _filing(world, statement=""), **address)
    assert client.post(FILE_URL, _filing(world), **address).status_code == 302
    response = client.post(FILE_URL, _filing(world), **address)
    assert response.status_code == 429 and Objection.objects.count() == 1
    assert client.post(FILE_URL, _filing(world), REMOTE_ADDR="203.0.113.8").status_code == 302
    time_machine.move_to(dt.datetime(2026, 12, 2, 11, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    assert client.post(FILE_URL, _filing(world), **address).status_code == 302


def test_lookups_per_address_per_hour(world, client, settings):
    settings.OBJECTION_PUBLIC_LOOKUPS_PER_ADDRESS_PER_HOUR = 3
    address = {"REMOTE_ADDR": "203.0.113.9"}
    for _ in range(2):
        assert client.post(STATUS_URL, {"tracking_code": "ABCD-EFGH-JKLM", "identifier": "x"}, **address).status_code
    assert client.post(FILE_URL, _identity(world), **address).status_code == 200
    for url, data in ((STATUS_URL, {"tracking_code": "x", "identifier": "y"}), (FILE_URL, _identity(world))):
        response = client.post(url, data, **address)
        assert response.status_code == 429
        assert escape(str(intake.MSG_TOO_MANY_LOOKUPS).format(limit=3)) in response.content.decode()
    assert client.post(FILE_URL, _identity(world), REMOTE_ADDR="203.0.113.10").status_code == 200
