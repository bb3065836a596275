"""The query log's own INSERT (`apps.core.querylog._insert_columns`) writes what `Model.save()`
would: each field's `get_db_prep_save`, taken without the field's calls only where the field
would hand the value on unchanged (a str, also a choice; an int; a None the field keeps None)."""

import datetime

import pytest
from django.db import connection

from apps.core import querylog
from apps.core.choices import QueryChannel, QueryMode, QueryOutcome, QueryPurpose
from apps.core.models import QueryLog
from tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db


def _as_saved(obj) -> list:
    fields = [f for f in obj._meta.concrete_fields if not f.primary_key]
    return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]


def _comparable(value):
    # psycopg's Jsonb wrapper compares by identity: compare what it wraps.
    return ("json", value.obj) if hasattr(value, "obj") and hasattr(value, "dumps") else value


@pytest.mark.today("2026-12-02T10:00")
@pytest.mark.parametrize("signed_in", [False, True])
def test_the_insert_values_are_those_save_would_write(signed_in):
    user = OfficerFactory() if signed_in else None
    entry = QueryLog(
        created_at=datetime.datetime(2026, 12, 2, 2, 0, tzinfo=datetime.UTC),
        user=user,
        organization_id=user.organization_id if user else None,
        channel=QueryChannel.PUBLIC,  # choices: str subclasses
        mode=QueryMode.PUBLIC,
        purpose=QueryPurpose.PUBLIC_INFORMATION,
        purpose_detail="",
        authorization_document="",
        subject_identifier="91320100MA1X0000X1",
        subject_name="南京门户测试有限公司",
        query={"search": "门户测试"},
        outcome=QueryOutcome.FOUND,
        result={"matches": 1, "identifiers": ["91320100MA1X0000X1"], "truncated": False},
        client_ip="10.1.2.3",
    )
    columns, values = querylog._insert_columns(entry)
    assert len(columns) == len(values) == len(_as_saved(entry))
    assert [_comparable(v) for v in values] == [_comparable(v) for v in _as_saved(entry)]
    assert values[columns.index(connection.ops.quote_name("user_id"))] == (user.pk if user else None)
