"""The per-state factories reach their state through the services: each step is in the case's
history with its reason, and the decided states put the subject on the list."""

import pytest

from apps.sanctions.choices import CaseStatus
from apps.sanctions.models import ListEntry
from tests.sanctions import factories

pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-02T10:00")]


@pytest.fixture
def world(policy):
    return factories.make_world()


@pytest.mark.parametrize(
    ("factory", "status", "reasons"),
    [
        (factories.ListingCaseDraftFactory, CaseStatus.DRAFT, ["立案"]),
        (factories.ListingCaseNoticeIssuedFactory, CaseStatus.NOTICE_ISSUED, ["立案", "告知"]),
        (factories.ListingCaseNoticeDeliveredFactory, CaseStatus.NOTICE_ISSUED, ["立案", "告知"]),
        (factories.ListingCaseStatementReceivedFactory, CaseStatus.STATEMENT_RECEIVED, ["立案", "告知", "收到申辩"]),
        (factories.ListingCaseDecidedFactory, CaseStatus.DECIDED, ["立案", "告知", "收到申辩", "认定"]),
        (factories.ListingCasePublishedFactory, CaseStatus.PUBLISHED, ["立案", "告知", "收到申辩", "认定", "公布"]),
        (
            factories.ListingCaseRemovedFactory,
            CaseStatus.REMOVED,
            ["立案", "告知", "收到申辩", "认定", "公布", "决定已撤销"],
        ),
        (factories.RedListProposedFactory, CaseStatus.PROPOSED, ["提名"]),
        (factories.RedListPublicNoticeFactory, CaseStatus.PUBLIC_NOTICE, ["提名", "公示"]),
    ],
)
def test_each_state_factory_walks_the_services(world, factory, status, reasons):
    case = factory(world=world)
    case.refresh_from_db()
    assert case.status == status
    steps = [row.history_change_reason for row in case.history.order_by("history_id")]
    # Each service step saved the case with its reason, in order (a service may save twice).
    assert list(dict.fromkeys(steps)) == reasons
    active = ListEntry.objects.filter(case=case, active=True).exists()
    assert active is (status in (CaseStatus.DECIDED, CaseStatus.PUBLISHED))


def test_the_delivered_notice_starts_the_statement_period(world):
    issued = factories.ListingCaseNoticeIssuedFactory(world=world)
    delivered = factories.ListingCaseNoticeDeliveredFactory(world=factories.make_world())
    assert issued.statement_period is None
    assert delivered.statement_period is not None and delivered.statement_period.running


def test_a_case_is_never_built_without_the_services():
    with pytest.raises(NotImplementedError):
        factories.ListingCaseDraftFactory.build()
