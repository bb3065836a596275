"""deploy/database_roles.sql: the application role cannot rewrite history even with the
triggers gone (a table owner or superuser could disable them; credit_app owns nothing)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from apps.core.audit import drop_append_only_triggers
from tests.factories import OrganizationFactory, QueryLogFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles are PostgreSQL only"),
]

SQL = (Path(settings.BASE_DIR) / "deploy" / "database_roles.sql").read_text()


def test_the_application_role_may_insert_but_not_rewrite_history():
    org = OrganizationFactory()
    entry = QueryLogFactory()
    history_table = org.history.model._meta.db_table
    drop_append_only_triggers(connection)  # as if someone had disabled them; rolled back too
    with connection.cursor() as cursor:
        cursor.execute(SQL)  # roles are created inside the test transaction and rolled back
        cursor.execute("SET LOCAL ROLE credit_app")
        cursor.execute("UPDATE core_organization SET short_name = 'ok' WHERE id = %s", [org.pk])
        cursor.execute("UPDATE core_querylog SET seq = 1 WHERE id = %s", [entry.pk])  # sealing is allowed
        for statement in (
            f"UPDATE {history_table} SET name = 'x'",
            f"DELETE FROM {history_table}",
            "UPDATE core_querylog SET subject_name = 'x'",
            "TRUNCATE core_querylog",
            f"ALTER TABLE {history_table} DISABLE TRIGGER ALL",
        ):
            with pytest.raises(DatabaseError) as caught, transaction.atomic():
                cursor.execute(statement)
            assert "permission denied" in str(caught.value) or "must be owner" in str(caught.value), statement
