"""The read-replica router (issue 16, DESIGN.md section 9): where a replica is configured, the
check API's answer, the subject search and the credit file's records are read from the "replica"
alias — here a second alias on the same test database (TEST MIRROR, tests/settings.py) — and every
write, the query log above all, goes to the primary."""

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.core.db import read_alias, replica_reads
from apps.core.models import QueryLog
from apps.sanctions.models import SanctionCheck
from apps.subjects.models import Subject
from tests.factories import ClerkFactory, OfficerFactory
from tests.sanctions.factories import make_world

# The sanctions world's records carry fixed 2026 dates: the clock is set to match (any real date
# passes), so that they are still disclosed when the suite runs with the clock moved.
pytestmark = [
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
    pytest.mark.today("2026-12-02T10:00"),
]

WRITES = ("INSERT", "UPDATE", "DELETE", "WITH COUNTED")


@pytest.fixture
def replica_router(settings):
    settings.DATABASE_ROUTERS = ["apps.core.db.ReplicaRouter"]


def statements(captured) -> list[str]:
    return [query["sql"] for query in captured.captured_queries]


def is_write(sql: str) -> bool:
    return sql.lstrip().upper().startswith(WRITES)


def captured_on_both():
    return CaptureQueriesContext(connections["default"]), CaptureQueriesContext(connections["replica"])


def test_the_check_api_reads_its_answer_from_the_replica_and_writes_the_log_to_the_primary(replica_router, policy):
    world = make_world()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=OfficerFactory()).key}")
    params = {"identifier": world.company.identifier, "matter": "bidding"}
    assert client.get(reverse("check-list"), params).status_code == 200  # fills the per-process caches
    primary, replica = captured_on_both()
    with primary, replica:
        response = client.get(reverse("check-list"), params)
    assert response.status_code == 200 and response.json()["found"]
    on_replica, on_primary = statements(replica), statements(primary)
    assert len(on_replica) == 1 and "subjects_subject" in on_replica[0] and not is_write(on_replica[0])
    assert not any("subjects_subject" in sql for sql in on_primary)
    assert any("core_querylog" in sql and is_write(sql) for sql in on_primary)
    assert SanctionCheck.objects.get(pk=response.json()["check_id"]).query_log.purpose == "joint_sanction_check"


def test_the_subject_search_and_the_credit_file_read_from_the_replica_and_log_on_the_primary(
    replica_router, client, policy
):
    world = make_world()
    client.force_login(ClerkFactory())
    lookup = {"mode": "government", "purpose": "objection_processing"}
    primary, replica = captured_on_both()
    with primary, replica:
        search = client.post(reverse("subjects:search"), {"query": world.company.name, **lookup})
        page = client.post(reverse("subjects:credit_file", args=[world.company.pk]), lookup)
    assert search.status_code == 200 and page.status_code == 200
    assert world.company.name in page.content.decode() and world.record.document_number in page.content.decode()
    on_replica, on_primary = statements(replica), statements(primary)
    assert not any(is_write(sql) for sql in on_replica)
    assert any(sql.startswith("SELECT") and "subjects_subject" in sql and "LIKE" in sql for sql in on_replica)
    assert any("subjects_creditrecord" in sql and "ROW_NUMBER" in sql for sql in on_replica)
    assert not any("ROW_NUMBER" in sql for sql in on_primary)
    # one lookup, one row: the search's row (written on the primary) covers opening the file it listed
    assert sum("core_querylog" in sql and is_write(sql) for sql in on_primary) == 1
    assert QueryLog.objects.filter(user__isnull=False).count() == 1


def test_reads_in_a_transaction_on_the_primary_stay_on_it(replica_router):
    """A read that a write in the same transaction depends on must not lag the primary."""
    with replica_reads():
        assert read_alias(Subject) == "replica"
        with transaction.atomic():
            assert read_alias(Subject) == "default"
    assert read_alias(Subject) == "default"  # outside a replica_reads() block


def test_without_the_router_nothing_reads_from_the_replica(client, policy):
    world = make_world()
    client.force_login(ClerkFactory())
    replica = CaptureQueriesContext(connections["replica"])
    with replica:
        page = client.post(
            reverse("subjects:credit_file", args=[world.company.pk]),
            {"mode": "government", "purpose": "objection_processing"},
        )
    assert page.status_code == 200 and not statements(replica)
