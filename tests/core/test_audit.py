"""Audit plumbing: history with user and reason; history and log tables are append-only."""

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction
from simple_history.models import HistoricalChanges

from apps.core.audit import append_only_tables, append_only_trigger_count, audited_save
from apps.core.models import AuthEvent, Organization, QueryLog
from tests.factories import ClerkFactory, OrganizationFactory, QueryLogFactory

pytestmark = pytest.mark.django_db


def _refused(callable_):
    with pytest.raises(DatabaseError), transaction.atomic():
        callable_()


def test_every_history_table_and_the_query_log_have_the_triggers():
    tables = append_only_tables()
    historical = [m._meta.db_table for m in apps.get_models() if issubclass(m, HistoricalChanges)]
    assert historical, "no history tables found"
    for table in [*historical, QueryLog._meta.db_table, AuthEvent._meta.db_table]:
        assert table in tables
        expected = 3 if connection.vendor == "postgresql" else 2
        assert append_only_trigger_count(connection, table) == expected, table


def test_history_records_user_and_reason():
    clerk = ClerkFactory()
    org = OrganizationFactory()
    org.short_name = "新简称"
    audited_save(org, by=clerk, reason="更正简称")
    latest = org.history.first()
    assert latest.history_user == clerk
    assert latest.history_change_reason == "更正简称"
    assert latest.history_type == "~"
    assert org.updated_by == clerk


def test_a_change_without_reason_is_refused():
    org = OrganizationFactory()
    with pytest.raises(ValueError):
        audited_save(org, by=None, reason="  ")


def test_history_rows_cannot_be_updated_or_deleted_through_the_orm():
    org = OrganizationFactory()
    row = org.history.first()
    row.name = "篡改"
    _refused(row.save)
    _refused(row.delete)
    _refused(lambda: type(row).objects.filter(pk=row.pk).update(name="篡改"))
    _refused(lambda: type(row).objects.all().delete())
    assert org.history.first().name == org.name


def test_history_rows_cannot_be_updated_or_deleted_through_raw_sql():
    org = OrganizationFactory()
    table = org.history.model._meta.db_table
    with connection.cursor() as cursor:
        _refused(lambda: cursor.execute(f"UPDATE {table} SET name = 'x'"))
        _refused(lambda: cursor.execute(f"DELETE FROM {table}"))
    assert org.history.count() == 1


def test_query_log_rows_cannot_be_updated_or_deleted():
    entry = QueryLogFactory()
    entry.purpose_detail = "篡改"
    _refused(entry.save)
    _refused(entry.delete)
    _refused(lambda: QueryLog.objects.filter(pk=entry.pk).update(outcome="not_found"))
    with connection.cursor() as cursor:
        _refused(lambda: cursor.execute("UPDATE core_querylog SET subject_name = 'x'"))
        _refused(lambda: cursor.execute("DELETE FROM core_querylog"))
    entry.refresh_from_db()
    assert entry.purpose_detail == ""


def test_query_log_seal_columns_can_be_set_once_only():
    entry = QueryLogFactory()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_querylog SET seq = 1, row_hash = 'a' WHERE id = %s", [entry.pk])
        _refused(lambda: cursor.execute("UPDATE core_querylog SET row_hash = 'b' WHERE id = %s", [entry.pk]))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL only")
@pytest.mark.postgres
def test_truncate_is_refused_on_postgresql():
    QueryLogFactory()
    with connection.cursor() as cursor:
        _refused(lambda: cursor.execute("TRUNCATE core_querylog CASCADE"))


def test_audited_querysets_refuse_silent_bulk_updates():
    OrganizationFactory()
    with pytest.raises(TypeError, match="history"):
        Organization.objects.update(name="x")
    with pytest.raises(TypeError, match="history"):
        Organization.objects.bulk_update(list(Organization.objects.all()), ["name"])


def test_history_ids_are_64_bit():
    for model in apps.get_models():
        if issubclass(model, HistoricalChanges):
            assert model._meta.pk.get_internal_type() == "BigAutoField", model


def test_bulk_writes_keep_one_full_history_row_each_on_either_path():
    """bulk_create_audited / bulk_update_audited (COPY on PostgreSQL, simple-history's helpers
    elsewhere): ids come back, each row has its history with user, reason and type, and ids come
    from the table's own sequence, so a row saved one by one afterwards does not collide."""
    from apps.core.audit import bulk_create_audited, bulk_update_audited

    clerk = ClerkFactory()
    built = [OrganizationFactory.build(created_by=clerk, updated_by=clerk) for _ in range(3)]
    created = bulk_create_audited(built, Organization, by=clerk, reason="批量导入单位")
    assert all(org.pk for org in created) and len({org.pk for org in created}) == 3
    for org in created:
        (entry,) = org.history.all()
        assert (entry.history_type, entry.history_user, entry.history_change_reason) == ("+", clerk, "批量导入单位")
        assert (entry.name, entry.unified_code, entry.created_by_id) == (org.name, org.unified_code, clerk.pk)
    later = OrganizationFactory()
    assert later.pk not in {org.pk for org in created}
    with connection.cursor() as cursor:  # choices are stored as their values, not as enum names
        cursor.execute(f"SELECT DISTINCT kind FROM {Organization._meta.db_table} WHERE id IN ({created[0].pk})")
        assert cursor.fetchall() == [(created[0].kind.value,)]

    for org in created:
        org.short_name = f"改{org.pk}"
    assert bulk_update_audited(created, Organization, ["short_name"], by=clerk, reason="批量更正简称") == 3
    for org in created:
        org.refresh_from_db()
        assert org.short_name == f"改{org.pk}"
        newest, first = org.history.order_by("-history_id")
        assert (newest.history_type, newest.history_change_reason, newest.short_name) == (
            "~",
            "批量更正简称",
            org.short_name,
        )
        assert first.short_name != org.short_name
    with pytest.raises(ValueError):
        bulk_create_audited([OrganizationFactory.build()], Organization, by=clerk, reason=" ")
    assert Organization.objects.count() == 4 + 1  # the clerk's organisation too


def test_a_bulk_insert_that_breaks_a_unique_index_raises_djangos_integrity_error():
    """Callers catch django.db.IntegrityError (a concurrent batch created the same row first);
    the COPY path must raise that too, not the driver's own exception."""
    from django.db import IntegrityError

    from apps.core.audit import bulk_create_audited

    clerk = ClerkFactory()
    taken = OrganizationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_create_audited(
            [OrganizationFactory.build(unified_code=taken.unified_code)], Organization, by=clerk, reason="重复"
        )
