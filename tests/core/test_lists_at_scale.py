"""Lists at scale (issue 16, DESIGN.md section 9): admin changelists page without a full COUNT(*)
above the limit (the planner's estimate on PostgreSQL), the subject search of the admin goes
through the identifier and the trigram index like the workbench's, records are listed in the
order of an index."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core.admin_base import EstimatedCountPaginator, RestrictedAdminMixin
from apps.core.models import QueryLog
from apps.subjects.models import CreditRecord, Subject
from tests.factories import ClerkFactory, QueryLogFactory
from tests.subjects.factories import CompanyFactory, PersonFactory
from tests.subjects.test_admin import _with_purpose

pytestmark = pytest.mark.django_db


def test_every_changelist_pages_with_the_estimating_paginator_and_no_full_count():
    from django.contrib import admin

    for model_admin in admin.site._registry.values():
        if isinstance(model_admin, RestrictedAdminMixin):
            assert model_admin.paginator is EstimatedCountPaginator, type(model_admin).__name__
            assert model_admin.show_full_result_count is False, type(model_admin).__name__


def test_below_the_limit_the_count_is_exact(settings):
    settings.LIST_EXACT_COUNT_LIMIT = 10_000
    QueryLogFactory.create_batch(3)
    assert EstimatedCountPaginator(QueryLog.objects.order_by("-id"), 2).count == 3


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's estimate: PostgreSQL")
def test_above_the_limit_the_planner_estimate_stands_in_for_count(settings):
    settings.LIST_EXACT_COUNT_LIMIT = 5
    QueryLogFactory.create_batch(20)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE core_querylog")
    paginator = EstimatedCountPaginator(QueryLog.objects.order_by("-id"), 10)
    with CaptureQueriesContext(connection) as captured:
        count = paginator.count
    assert count > 5
    assert all("COUNT(" not in q["sql"].upper() for q in captured.captured_queries)
    assert captured.captured_queries[0]["sql"].startswith("EXPLAIN")


def test_the_admin_subject_search_uses_the_identifier_and_a_plain_like_on_the_name(client, policy):
    """Django's own search runs UPPER(name) LIKE UPPER(%q%), which no index serves."""
    wanted, _other = CompanyFactory(name="南京市某某食品有限公司"), CompanyFactory(name="无关公司")
    person = PersonFactory()
    client.force_login(ClerkFactory())
    url = reverse("admin:subjects_subject_changelist")
    with CaptureQueriesContext(connection) as captured:
        page = _with_purpose(client, url, {"q": "某某食品"})
    assert list(page.context["cl"].result_list) == [wanted]
    searches = [q["sql"] for q in captured.captured_queries if 'FROM "subjects_subject"' in q["sql"]]
    assert searches and not any("UPPER(" in sql for sql in searches)
    page = client.get(url, {"q": person.identifier.lower()})
    assert list(page.context["cl"].result_list) == [person]


def test_the_records_order_has_its_index():
    assert CreditRecord._meta.ordering == ["-determined_on", "-id"]
    assert any(index.fields == ["-determined_on", "-id"] for index in CreditRecord._meta.indexes)
    assert Subject._meta.get_field("name").db_index
