"""`seed_demo` (apps.demo): organisations, one user per role, then each app's demo data, the same
on every run; never outside DEBUG."""

import io

import pytest
from django.core.management import CommandError, call_command

from apps.catalog.models import Catalog, CatalogItem
from apps.core.models import Organization, User
from apps.sanctions.choices import CaseStatus, ListType
from apps.sanctions.models import ListingCase
from apps.subjects.models import Commitment, CreditRecord, ImportBatch, Subject

pytestmark = pytest.mark.django_db

DEMO_USERNAMES = ["clerk", "officer_market", "officer_tax", "authority", "auditor"]


def _counts() -> dict[str, int]:
    models = [Organization, User, Catalog, CatalogItem, Subject, CreditRecord, ImportBatch, Commitment, ListingCase]
    counts = {model.__name__: model.objects.count() for model in models}
    counts["ListingCase history"] = ListingCase.history.count()
    return counts


def test_seed_demo_is_idempotent(settings):
    settings.DEBUG = True
    first = io.StringIO()
    call_command("seed_demo", stdout=first)
    after_first = _counts()
    second = io.StringIO()
    call_command("seed_demo", stdout=second)

    assert _counts() == after_first, second.getvalue()
    assert User.objects.filter(username__in=DEMO_USERNAMES).count() == 5
    assert Organization.objects.count() == 4
    # The sanctions step ran on the first run only, on the subjects step's records.
    cases = ListingCase.objects.values_list("list_type", "status")
    assert sorted(cases) == sorted(
        [
            (ListType.SERIOUS, CaseStatus.PUBLISHED),
            (ListType.SERIOUS, CaseStatus.NOTICE_ISSUED),
            (ListType.RED, CaseStatus.PUBLIC_NOTICE),
        ]
    ), first.getvalue()
    assert "nothing to add" in second.getvalue()
    # The logins are printed on every run.
    for output in (first.getvalue(), second.getvalue()):
        assert all(f" {username} " in output for username in DEMO_USERNAMES)


def test_seed_demo_refuses_to_run_outside_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.filter(username__in=DEMO_USERNAMES).exists()
