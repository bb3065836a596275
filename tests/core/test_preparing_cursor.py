"""The hot path's preparing cursor (`apps.core.db.preparing_cursor`, issue 16): kept with the
connection and used again, made anew with a new connection, when Django starts or stops logging
the statements, and after an error; each statement still goes through Django's wrapper. Its `$n`
kind (issue 18 item 5) for statements of many parameters, which psycopg would parse again each
time with `%s` ones."""

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


def _sum_of_sixty(cursor, first):
    """A statement of 60 `$n` parameters (past the 50 beyond which psycopg parses `%s` again)."""
    cursor.execute("SELECT " + " + ".join(f"${n}::int" for n in range(1, 61)), list(range(first, first + 60)))
    return cursor.fetchone()[0]


def _prepared_here() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


def test_a_dollar_statement_of_many_parameters_is_prepared_once_and_its_cursor_kept():
    """The query log's grouped INSERT (issue 18 item 5): `$n` placeholders, sent as written."""
    with preparing_cursor(dollar=True) as first:
        assert _sum_of_sixty(first, 1) == sum(range(1, 61))
    with preparing_cursor(dollar=True) as second:
        assert _sum_of_sixty(second, 2) == sum(range(2, 62))
    assert second is first
    with preparing_cursor() as percent:
        _one(percent, 1)
    assert percent is not first  # each kind of placeholder has its own cursor
    assert sum("$60::int" in statement for statement in _prepared_here()) == 1


def test_a_dollar_statement_fails_as_django_s_and_the_next_block_has_a_new_cursor():
    with preparing_cursor(dollar=True) as before:
        _sum_of_sixty(before, 1)
    with pytest.raises(DatabaseError), preparing_cursor(dollar=True) as failing:
        failing.execute("SELECT 1 / $1::int", [0])
    with preparing_cursor(dollar=True) as after:
        assert _sum_of_sixty(after, 0) == sum(range(60))
    assert after is not before


def test_a_dollar_statement_is_captured_while_logging():
    with CaptureQueriesContext(connection) as captured, preparing_cursor(dollar=True) as logging:
        logging.execute("SELECT $1::int + 1", [41])
        assert logging.fetchone()[0] == 42
    assert captured.captured_queries[-1]["sql"] == "SELECT $1::int + 1"


def test_with_prepared_statements_off_a_dollar_statement_still_runs_unprepared():
    """HOT_PATH_PREPARED_STATEMENTS=0 (a pooler that cannot hold prepared statements)."""
    connection.close()  # a session of its own: nothing an earlier test prepared
    connection.ensure_connection()
    threshold = connection.connection.prepare_threshold
    connection.connection.prepare_threshold = None
    try:
        with preparing_cursor(dollar=True) as cursor:
            assert _sum_of_sixty(cursor, 3) == sum(range(3, 63))
        assert not any("$60::int" in statement for statement in _prepared_here())
    finally:
        connection.connection.prepare_threshold = threshold
