"""The lookup rules hold in the selectors and services, whoever calls them (a page, the API, a
report, another app): which role may use which mode, the identity check of an own-record
inquiry, the written authorisation of an authorised inquiry and the one subject each covers
(Nanjing art. 54); and how a lookup refused for abnormal volume is answered (Nanjing art. 52)."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from apps.core.choices import QueryChannel, QueryMode, QueryPurpose
from apps.core.exceptions import api_exception_handler
from apps.core.models import QueryLog
from apps.core.querylog import MSG_FLAGGED, LookupRequest, QueryRefused
from apps.subjects import services
from apps.subjects.models import Authorisation
from apps.subjects.reports import credit_report_download, credit_report_issue
from apps.subjects.selectors import (
    MSG_AUTHORISATION_REQUIRED,
    MSG_IDENTITY_REQUIRED,
    MSG_OTHER_SUBJECT,
    api_lookup,
    credit_file_for,
    lookup_check,
    subject_search,
)
from tests.factories import (
    AuditorFactory,
    AuthorityUserFactory,
    ClerkFactory,
    NoRoleUserFactory,
    OfficerFactory,
    QueryFlagFactory,
)
from tests.subjects.factories import CompanyFactory, PersonFactory

pytestmark = pytest.mark.django_db

PURPOSE = {QueryMode.SELF: QueryPurpose.SELF_INQUIRY, QueryMode.AUTHORISED: QueryPurpose.AUTHORISED_USE}


def window(user, mode, subject=None, **proof):
    return LookupRequest(
        user=user,
        mode=mode,
        purpose=PURPOSE[mode],
        channel=QueryChannel.WINDOW,
        authorization_document="授权书" if mode == QueryMode.AUTHORISED else "",
        checked_identifier=subject.identifier if subject else "",
        **proof,
    )


def scan(name="授权书.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 authorisation")


# Every way into a subject's data that this app offers, called as another app or the API would.
LOOKUPS = {
    "credit file": lambda lookup, subject: credit_file_for(lookup, subject),
    "search": lambda lookup, subject: subject_search(lookup, query=subject.identifier),
    "api lookup": lambda lookup, subject: api_lookup(lookup, subject.identifier),
    "report": lambda lookup, subject: credit_report_issue(lookup, subject),
}


# --- which role may use which mode -----------------------------------------------------------------


@pytest.mark.parametrize("how", LOOKUPS)
@pytest.mark.parametrize("role", [OfficerFactory, AuthorityUserFactory, AuditorFactory, NoRoleUserFactory])
@pytest.mark.parametrize("mode", [QueryMode.SELF, QueryMode.AUTHORISED])
def test_only_the_credit_office_takes_window_inquiries(policy, how, role, mode):
    """Nanjing art. 54: own-record and authorised inquiries are made at the credit office's
    window; an agency officer, the authority or an auditor is refused at service level, the mode
    named, even with the proof in hand — and nothing is logged."""
    subject = PersonFactory()
    user = role()
    with pytest.raises(ValidationError) as caught:
        LOOKUPS[how](window(user, mode, subject, identity_checked=True), subject)
    assert list(caught.value.message_dict) == ["mode"]
    assert not QueryLog.objects.exists()


def test_a_user_without_a_role_makes_no_government_lookup_either(policy):
    """Nanjing art. 54 via MODES_BY_ROLE: a user with no role has no mode at all."""
    lookup = LookupRequest(
        user=NoRoleUserFactory(),
        mode=QueryMode.GOVERNMENT,
        purpose=QueryPurpose.BIDDING,
        channel=QueryChannel.WEB,
    )
    with pytest.raises(ValidationError) as caught:
        credit_file_for(lookup, CompanyFactory())
    assert "mode" in caught.value.message_dict and not QueryLog.objects.exists()


def test_an_officer_cannot_store_an_authorisation(policy):
    """Nanjing art. 54: only who takes authorised inquiries stores the written authorisations."""
    with pytest.raises(ValidationError) as caught:
        services.authorisation_store(by=OfficerFactory(), subject_identifier=PersonFactory().identifier, file=scan())
    assert "mode" in caught.value.message_dict and not Authorisation.objects.exists()


# --- the identity check of an own-record inquiry ---------------------------------------------------


# The API answers government and public lookups only (test_the_api_refuses_window_modes).
WINDOW_LOOKUPS = [how for how in LOOKUPS if how != "api lookup"]


@pytest.mark.parametrize("how", WINDOW_LOOKUPS)
def test_an_own_record_inquiry_needs_the_identity_checked(policy, how):
    """Nanjing art. 54: 查询本人非公开信息的，应当提供本人有效身份证件 — without the check the
    service refuses, naming the field; with it the lookup is logged."""
    subject, clerk = PersonFactory(), ClerkFactory()
    with pytest.raises(ValidationError) as caught:
        LOOKUPS[how](window(clerk, QueryMode.SELF, subject), subject)
    assert caught.value.message_dict == {"identity_checked": [str(MSG_IDENTITY_REQUIRED)]}
    assert not QueryLog.objects.exists()
    LOOKUPS[how](window(clerk, QueryMode.SELF, subject, identity_checked=True), subject)
    entry = QueryLog.objects.get()
    assert (entry.mode, entry.subject_identifier) == (QueryMode.SELF, subject.identifier)


# --- the written authorisation and the one subject it covers ----------------------------------------


def test_an_authorised_inquiry_needs_the_users_own_stored_authorisation(policy):
    """Nanjing art. 54: 查询他人非公开信息的，应当提供…被查询人的书面授权材料 — no authorisation, or
    one another clerk stored, is refused naming the field; the clerk's own one is accepted."""
    person, clerk = PersonFactory(), ClerkFactory()
    theirs = services.authorisation_store(by=ClerkFactory(), subject_identifier=person.identifier, file=scan())
    for authorisation_id in (None, theirs.pk, theirs.pk + 1000):
        with pytest.raises(ValidationError) as caught:
            credit_file_for(window(clerk, QueryMode.AUTHORISED, person, authorisation_id=authorisation_id), person)
        assert caught.value.message_dict == {"authorisation_file": [str(MSG_AUTHORISATION_REQUIRED)]}
    assert not QueryLog.objects.exists()
    mine = services.authorisation_store(by=clerk, subject_identifier=person.identifier, file=scan())
    credit_file_for(window(clerk, QueryMode.AUTHORISED, person, authorisation_id=mine.pk), person)
    assert QueryLog.objects.get().mode == QueryMode.AUTHORISED


@pytest.mark.parametrize("how", WINDOW_LOOKUPS)
def test_an_identity_check_covers_one_subject(policy, how):
    """Nanjing art. 54: the identity document checked is the applicant's; it opens no one else's
    file, search or report."""
    applicant, other, clerk = PersonFactory(), PersonFactory(), ClerkFactory()
    with pytest.raises(ValidationError) as caught:
        LOOKUPS[how](window(clerk, QueryMode.SELF, applicant, identity_checked=True), other)
    assert caught.value.messages == [str(MSG_OTHER_SUBJECT)]
    assert not QueryLog.objects.exists()


def test_an_authorisation_covers_the_one_subject_it_names(policy):
    """Nanjing art. 54: one written authorisation per subject — even with the checked identifier
    forged to another person, an authorisation for one person opens no other file."""
    person, stranger, clerk = PersonFactory(), PersonFactory(), ClerkFactory()
    authorisation = services.authorisation_store(by=clerk, subject_identifier=person.identifier, file=scan())
    forged = window(clerk, QueryMode.AUTHORISED, stranger, authorisation_id=authorisation.pk)
    with pytest.raises(ValidationError) as caught:
        credit_file_for(forged, stranger)
    assert caught.value.messages == [str(MSG_OTHER_SUBJECT)]
    assert not QueryLog.objects.exists()


def test_a_report_download_in_a_window_mode_needs_the_proof_for_its_subject(policy):
    """Nanjing art. 54: downloading an own-record report is an own-record inquiry of its own."""
    person, clerk = PersonFactory(), ClerkFactory()
    report, _html = credit_report_issue(window(clerk, QueryMode.SELF, person, identity_checked=True), person)
    with pytest.raises(ValidationError) as caught:
        credit_report_download(window(clerk, QueryMode.SELF, person), report)
    assert "identity_checked" in caught.value.message_dict
    with pytest.raises(ValidationError):
        credit_report_download(window(clerk, QueryMode.SELF, PersonFactory(), identity_checked=True), report)
    assert QueryLog.objects.count() == 1  # the issue only
    credit_report_download(window(clerk, QueryMode.SELF, person, identity_checked=True), report).close()
    assert QueryLog.objects.count() == 2


def test_a_window_search_names_the_subject_by_identifier(policy):
    """Nanjing art. 54: a window inquiry is about one subject, so its search is by identifier."""
    person = PersonFactory(name="王小明")
    lookup = window(ClerkFactory(), QueryMode.SELF, person, identity_checked=True)
    with pytest.raises(ValidationError) as caught:
        subject_search(lookup, query="王")
    assert list(caught.value.message_dict) == ["query"]
    assert not QueryLog.objects.exists()


def test_storing_an_authorisation_names_what_is_wrong(policy):
    """Nanjing art. 54: the authorisation names its subject by a valid identifier and has a file."""
    clerk = ClerkFactory()
    with pytest.raises(ValidationError) as caught:
        services.authorisation_store(by=clerk, subject_identifier="32010219900101123", file=scan())
    assert list(caught.value.message_dict) == ["subject_identifier"]
    with pytest.raises(ValidationError) as caught:
        services.authorisation_store(by=clerk, subject_identifier=PersonFactory().identifier, file=None)
    assert list(caught.value.message_dict) == ["file"]
    assert not Authorisation.objects.exists()


def test_lookup_prepare_stores_the_uploaded_authorisation_and_names_it_in_the_log(policy):
    """Nanjing art. 54: the authorisation is stored for the subject checked at the window, and the
    lookup carries it (the log names it; the inquiry is on the window channel)."""
    person, clerk = PersonFactory(), ClerkFactory()
    lookup = services.lookup_prepare(
        by=clerk,
        mode=QueryMode.AUTHORISED,
        purpose=QueryPurpose.AUTHORISED_USE,
        checked_identifier=person.identifier,
        authorisation_file=scan(),
    )
    authorisation = Authorisation.objects.get()
    assert authorisation.subject_identifier == person.identifier and authorisation.uploaded_by == clerk
    assert lookup.authorisation_id == authorisation.pk and lookup.channel == QueryChannel.WINDOW
    assert f"#{authorisation.pk} 授权书.pdf" in lookup.authorization_document
    assert lookup_check(lookup, identifier=person.identifier) == authorisation
    with pytest.raises(ValidationError) as caught:
        services.lookup_prepare(by=clerk, mode=QueryMode.AUTHORISED, purpose=QueryPurpose.AUTHORISED_USE)
    assert "authorisation_file" in caught.value.message_dict


# --- through the API -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [ClerkFactory, OfficerFactory])
@pytest.mark.parametrize("mode", [QueryMode.SELF, QueryMode.AUTHORISED])
def test_the_api_refuses_window_modes(policy, role, mode):
    """Nanjing art. 54: the identity document and the written authorisation are shown at the
    window; the API (no way to show them) refuses both window modes, naming the mode, logs nothing."""
    person = PersonFactory()
    client = APIClient()
    client.force_authenticate(role())
    response = client.get(
        reverse("api-subject-lookup"), {"identifier": person.identifier, "mode": mode, "purpose": PURPOSE[mode]}
    )
    assert response.status_code == 400 and "mode" in response.json()
    assert not QueryLog.objects.exists()


# --- a refused lookup (abnormal volume) -------------------------------------------------------------


def test_a_flagged_users_api_lookup_is_a_429_with_the_message(policy):
    """Nanjing art. 52: 查询流量异常管控 — the API answers 429 and the refusal is on record."""
    officer = OfficerFactory()
    QueryFlagFactory(user=officer, threshold=20)
    client = APIClient()
    client.force_authenticate(officer)
    response = client.get(
        reverse("api-subject-lookup"),
        {"identifier": CompanyFactory().identifier, "mode": "government", "purpose": "bidding"},
    )
    assert response.status_code == 429
    assert response.json() == {"detail": str(MSG_FLAGGED).format(threshold=20)}
    assert QueryLog.objects.get().outcome == "refused"


def test_the_api_handler_answers_a_refused_lookup_429_and_other_refusals_403():
    """Nanjing art. 52: a refusal for volume is 'too many requests', not a missing permission."""
    from django.core.exceptions import PermissionDenied

    assert api_exception_handler(QueryRefused("超过"), {}).status_code == 429
    assert api_exception_handler(PermissionDenied("不允许"), {}).status_code == 403


@pytest.mark.parametrize("page", ["search", "credit_file"])
def test_a_flagged_users_lookup_on_the_workbench_shows_the_message_on_the_search_page(client, policy, page):
    """Nanjing art. 52: a refused lookup returns to the search page with the reason."""
    officer = OfficerFactory()
    QueryFlagFactory(user=officer, threshold=20)
    company = CompanyFactory()
    client.force_login(officer)
    data = {"mode": "government", "purpose": "bidding", "query": company.identifier}
    url = reverse("subjects:search") if page == "search" else reverse("subjects:credit_file", args=[company.pk])
    response = client.post(url, data, follow=True)
    assert response.redirect_chain == [(reverse("subjects:search"), 302)]
    assert str(MSG_FLAGGED).format(threshold=20) in [str(m) for m in response.context["messages"]]
    assert QueryLog.objects.get().outcome == "refused"


def test_a_flagged_users_admin_page_is_the_403_page_with_the_message(client, policy):
    """Nanjing art. 52: in the admin the refusal is the 403 page naming the reason."""
    clerk = ClerkFactory()
    person = PersonFactory()
    client.force_login(clerk)
    url = reverse("admin:subjects_subject_change", args=[person.pk])
    asked = client.get(url)
    form = client.get(asked.url).context
    client.post(
        asked.url,
        {"purpose": "daily_supervision", "purpose_detail": "核查", "target": form["target"], "next": form["next_url"]},
    )
    QueryFlagFactory(user=clerk, threshold=20)
    response = client.get(url)
    assert response.status_code == 403
    assert str(MSG_FLAGGED).format(threshold=20) in response.content.decode()
    assert QueryLog.objects.get().outcome == "refused"
