"""The admin shows a subject's data only through logged pages, masks the query log, and saves
through the services."""

import pytest
from django.urls import reverse

from apps.core.models import QueryLog
from tests.factories import AuditorFactory, ClerkFactory, OfficerFactory
from tests.subjects.factories import CompanyFactory, PersonFactory, RecordFactory

pytestmark = pytest.mark.django_db


def _with_purpose(client, url, params=None, purpose="daily_supervision", detail="核查"):
    """Open an admin page that asks the purpose first, stating it; returns the page."""
    asked = client.get(url, params or {})
    assert asked.status_code == 302 and "lookup-purpose" in asked.url
    form = client.get(asked.url).context
    client.post(
        asked.url, {"purpose": purpose, "purpose_detail": detail, "target": form["target"], "next": form["next_url"]}
    )
    return client.get(url, params or {})


def test_history_pages_of_a_subject_are_logged(client, policy):
    person = PersonFactory()
    client.force_login(ClerkFactory())
    assert _with_purpose(client, reverse("admin:subjects_subject_history", args=[person.pk])).status_code == 200
    entry = QueryLog.objects.get()
    assert entry.subject_identifier == person.identifier and entry.query["page"] == "history"


def test_an_auditor_reading_a_subjects_history_is_not_asked_and_is_logged_as_an_audit(client, policy):
    """Issue 17: audit browsing is logged under the audit purpose, which an auditor never chooses."""
    person = PersonFactory()
    client.force_login(AuditorFactory())
    assert client.get(reverse("admin:subjects_subject_history", args=[person.pk])).status_code == 200
    entry = QueryLog.objects.get()
    assert (entry.subject_identifier, entry.purpose, entry.query["page"]) == (person.identifier, "audit", "history")


def test_a_subject_search_in_the_admin_is_logged(client, policy):
    person = PersonFactory()
    client.force_login(ClerkFactory())
    _with_purpose(client, reverse("admin:subjects_subject_changelist"), {"q": person.identifier})
    assert QueryLog.objects.get().query["q"] == person.identifier


def test_one_subjects_records_cannot_be_listed_in_the_admin(client, policy):
    record = RecordFactory()
    client.force_login(AuditorFactory())
    response = client.get(reverse("admin:subjects_creditrecord_changelist"), {"subject__id__exact": record.subject_id})
    assert response.status_code == 400


def test_the_query_log_admin_masks_identifiers_in_what_was_asked(client, policy):
    from apps.core.choices import QueryChannel, QueryMode, QueryPurpose
    from apps.core.querylog import LookupRequest, log_query

    person = PersonFactory(name="钱多多")
    entry = log_query(
        LookupRequest(
            user=OfficerFactory(), mode=QueryMode.GOVERNMENT, purpose=QueryPurpose.BIDDING, channel=QueryChannel.WEB
        ),
        subject_identifier=person.identifier,
        subject_name=person.name,
        query={"search": person.identifier},
        result={"identifiers": [person.identifier]},
    )
    client.force_login(AuditorFactory())
    page = client.get(reverse("admin:core_querylog_change", args=[entry.pk])).content.decode()
    assert person.identifier not in page and "钱多多" not in page and "钱**" in page


def test_the_responsible_person_admin_refuses_a_company_as_the_person(client, policy):
    company, other = CompanyFactory(), CompanyFactory()
    client.force_login(ClerkFactory())
    response = client.post(
        reverse("admin:subjects_responsibleperson_add"),
        {"organization": company.pk, "person": other.pk, "role": "legal_representative", "change_reason": "录入"},
    )
    assert response.status_code == 200 and response.context["adminform"].form.errors
    from apps.subjects.models import ResponsiblePerson

    assert not ResponsiblePerson.objects.exists()
