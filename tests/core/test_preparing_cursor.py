"""The hot path's preparing cursor (`apps.core.db.preparing_cursor`, issue 16): kept with the
connection and used again, made anew with a new connection, when Django starts or stops logging
the statements, and after an error; each statement still goes through Django's wrapper."""

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from apps.core.db import preparing_cursor

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"),
]


def _one(cursor, value):
    cursor.execute("SELECT %s::int + 1", [value])
    return cursor.fetchone()[0]


def test_the_cursor_is_used_again_and_made_anew_with_a_new_connection():
    with preparing_cursor() as first:
        assert _one(first, 1) == 2
    with preparing_cursor() as second:
        assert _one(second, 2) == 3
    assert second is first
    connection.close()
    with preparing_cursor() as third:
        assert _one(third, 3) == 4
    assert third is not first


def test_after_an_error_the_next_block_has_a_working_new_cursor():
    with preparing_cursor() as before:
        _one(before, 1)
    with pytest.raises(DatabaseError), preparing_cursor() as failing:
        failing.execute("SELECT 1 / %s::int", [0])
    assert failing is before
    with preparing_cursor() as after:
        assert _one(after, 4) == 5
    assert after is not before


def test_statements_are_captured_while_logging_and_the_plain_cursor_comes_back():
    with preparing_cursor() as plain:
        _one(plain, 1)
    with CaptureQueriesContext(connection) as captured, preparing_cursor() as logging:
        assert _one(logging, 41) == 42
    assert logging is not plain
    assert captured.captured_queries[-1]["sql"] == "SELECT 41::int + 1"
    with preparing_cursor() as again:
        _one(again, 1)
    assert again is not logging
