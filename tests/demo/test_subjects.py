"""The demo step for the subjects app (apps.demo.subjects): realistic data through the real services,
the same on every run."""

import datetime
import io
from collections import Counter

import pytest
from django.core.management import call_command

from apps.catalog.choices import Category, ListStatus, SubjectType
from apps.core.choices import Role
from apps.core.identifiers import validate_citizen_id, validate_uscc
from apps.subjects.choices import BatchStatus, CommitmentStatus
from apps.subjects.models import (
    Commitment,
    CreditRecord,
    ImportBatch,
    ImportRowError,
    ResponsiblePerson,
    Subject,
)

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        "subjects": Subject.objects.count(),
        "subject history": Subject.history.count(),
        "records": CreditRecord.objects.count(),
        "record history": CreditRecord.history.count(),
        "links": ResponsiblePerson.objects.count(),
        "batches": ImportBatch.objects.count(),
        "commitments": Commitment.objects.count(),
    }


def test_seed_demo_adds_the_subjects_demo_once(policy, settings, tmp_path):
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path  # the batches' rows.json files
    first = io.StringIO()
    call_command("seed_demo", stdout=first)
    after_first = _counts()
    second = io.StringIO()
    call_command("seed_demo", stdout=second)
    assert _counts() == after_first, second.getvalue()
    assert "0 new" in second.getvalue()

    # About 50 subjects, every identifier with valid check characters.
    subjects = list(Subject.objects.all())
    assert 45 <= len(subjects) <= 55
    kinds = Counter(s.kind for s in subjects)
    assert kinds[SubjectType.NATURAL_PERSON] >= 15 and kinds[SubjectType.UNINCORPORATED] >= 3
    for subject in subjects:
        if subject.kind == SubjectType.NATURAL_PERSON:
            assert validate_citizen_id(subject.identifier) == subject.identifier
            assert subject.identifier[:4] == "3201"
        else:
            assert validate_uscc(subject.identifier) == subject.identifier
            assert subject.identifier[2:6] == "3201"

    # A few hundred records over the four categories, all under published items, no bad rows.
    records = CreditRecord.objects.select_related("item__catalog")
    assert 250 <= records.count() <= 400
    assert set(records.values_list("category", flat=True)) == set(Category.values)
    assert all(r.item.catalog.status == ListStatus.PUBLISHED for r in records)
    assert all(r.subject.kind in r.item.subject_types for r in records.select_related("subject"))
    assert not ImportRowError.objects.exists(), list(ImportRowError.objects.values_list("message", flat=True)[:5])
    dishonest = records.filter(category=Category.DISHONEST)
    assert not dishonest.filter(document_number="").exists()
    assert not dishonest.filter(document_date__isnull=True).exists()
    assert set(dishonest.values_list("severity", flat=True)) >= {"general", "serious", "minor"}
    assert dishonest.filter(disclosure_ends_on__lt="2026-11-01").exists()  # some already past their end
    assert dishonest.filter(disclosure_ends_on__gte="2027-01-01").exists()
    assert len(set(records.values_list("provider", flat=True))) == 2

    # Responsible people.
    assert ResponsiblePerson.objects.count() >= 10
    assert all(link.person.is_person and not link.organization.is_person for link in ResponsiblePerson.objects.all())

    # Every record has a history row by an officer of its provider.
    by_officer = set(
        CreditRecord.history.filter(history_user__role=Role.OFFICER).values_list("id", "history_user__organization")
    )
    missing = [r.pk for r in records if (r.pk, r.provider_id) not in by_officer]
    assert not missing

    # Batches: submitted, most integrated; commitments pending, kept and broken.
    statuses = Counter(ImportBatch.objects.values_list("status", flat=True))
    assert statuses[BatchStatus.INTEGRATED] > statuses[BatchStatus.SUBMITTED] > 0
    assert set(statuses) == {BatchStatus.INTEGRATED, BatchStatus.SUBMITTED}
    commitments = Counter(Commitment.objects.values_list("status", flat=True))
    assert commitments[CommitmentStatus.PENDING] and commitments[CommitmentStatus.KEPT]
    # One or two are found broken and became dishonest records.
    assert 1 <= commitments[CommitmentStatus.BROKEN] <= 2
    assert sum(commitments.values()) == 7
    for commitment in Commitment.objects.filter(status=CommitmentStatus.BROKEN):
        breach = commitment.breach_record
        assert breach.category == Category.DISHONEST and breach.item.report_section == "commitment"
        assert breach.document_number and breach.provider == commitment.made_to


def test_a_commitment_can_be_found_broken_under_the_national_catalog(policy):
    from apps.catalog.management.commands.load_catalogs import load_reference_catalogs
    from apps.subjects.services import commitment_record, commitment_resolve
    from tests.factories import OfficerFactory
    from tests.subjects.factories import CompanyFactory

    load_reference_catalogs()
    officer = OfficerFactory()
    commitment = commitment_record(
        by=officer,
        subject=CompanyFactory(),
        matter="administrative_licensing",
        content="承诺经营场所符合食品安全条件。",
        made_on=datetime.date(2026, 2, 20),
        made_to=officer.organization,
        reason="测试",
    )
    commitment_resolve(
        commitment,
        by=officer,
        kept=False,
        finding="现场核查与承诺不符。",
        reason="测试",
        document_number="宁市监信认〔2026〕91号",
        document_date=datetime.date(2026, 9, 8),
        values={"conduct_type": "承诺内容与实际不符"},
    )
    assert commitment.status == CommitmentStatus.BROKEN and commitment.breach_record.item.code == "GJ0304"
