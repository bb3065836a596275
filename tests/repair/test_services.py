"""Credit repair: the checks, the routing, the steps and their effects (issue 13)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.core.choices import DeadlineKind
from apps.core.deadlines import deadline_of
from apps.core.documents import documents_of
from apps.core.exceptions import Conflict
from apps.repair import services
from apps.repair.choices import EventKind, RepairStatus
from apps.repair.models import RepairApplication, RepairEvent
from apps.subjects.choices import RecordStatus
from tests.repair.factories import accepted, file_application, make_world, pdf, repaired

pytestmark = pytest.mark.django_db


def _errors(excinfo) -> dict:
    return excinfo.value.message_dict


@pytest.mark.today("2026-08-09T10:00")
def test_a_general_record_is_not_repaired_before_its_three_months():
    """国办发〔2025〕22号 / 《信用修复管理办法》 from 2026-04-01: general dishonest information is
    published at least 3 months; the refusal names the first day the subject may apply."""
    world = make_world(determined_on=datetime.date(2026, 5, 10))
    with pytest.raises(ValidationError) as excinfo:
        file_application(world)
    assert "2026-08-10" in " ".join(_errors(excinfo)["records"])
    assert not RepairApplication.objects.exists()


@pytest.mark.today("2026-08-10T10:00")
def test_a_general_record_is_repairable_from_the_day_its_three_months_end():
    """The same record on 2026-08-10: filed and routed to the determining agency."""
    world = make_world(determined_on=datetime.date(2026, 5, 10))
    application = file_application(world)
    assert application.status == RepairStatus.RECEIVED and application.agency == world.agency_a


@pytest.mark.today("2027-05-09T10:00")
def test_a_serious_record_is_not_repaired_before_a_year():
    """Serious dishonest information: at least one year (national rules in force on 2026-05-10)."""
    world = make_world(determined_on=datetime.date(2026, 5, 10), severity="serious")
    with pytest.raises(ValidationError) as excinfo:
        file_application(world)
    assert "2027-05-10" in " ".join(_errors(excinfo)["records"])


@pytest.mark.today("2026-06-01T10:00")
def test_an_unrepairable_item_is_refused_under_nanjing_art_60_whatever_the_date():
    """Nanjing art. 60 para. 3: 被处以…吊销许可证或者执照的…不适用社会信用修复 — before the
    minimum period is over as after it: the refusal names no day to apply again."""
    world = make_world(determined_on=datetime.date(2026, 5, 10))
    world.record.item.repair_excluded_reason = "吊销许可证"
    world.record.item.save()
    with pytest.raises(ValidationError) as excinfo:
        file_application(world)
    message = " ".join(_errors(excinfo)["records"])
    assert "吊销许可证" in message and "第六十条第三款" in message


@pytest.mark.today("2026-12-02T10:00")
def test_bad_input_names_the_field_and_writes_nothing():
    """Another subject's record, a record already repaired, proof of a wrong type, a missing
    commitment: each named on its field; nothing stored."""
    world = make_world()
    world.record.status = RecordStatus.REPAIRED
    world.record.save()
    not_pdf = SimpleUploadedFile("proof.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError) as excinfo:
        file_application(world, records=[world.record, world.other_record], proof=[not_pdf], commitment_signed=False)
    errors = _errors(excinfo)
    assert any("已修复" in m or "already repaired" in m for m in errors["records"])
    assert any(str(world.other_record.pk) in m for m in errors["records"])
    assert "proof" in errors and "commitment_signed" in errors
    assert not RepairApplication.objects.exists()


@pytest.mark.today("2026-12-02T10:00")
def test_proof_too_big_is_refused_on_its_field(settings):
    settings.UPLOAD_MAX_BYTES = 100
    world = make_world()
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * 500, content_type="application/pdf")
    with pytest.raises(ValidationError) as excinfo:
        file_application(world, proof=[big])
    assert "proof" in _errors(excinfo)
    assert not RepairApplication.objects.exists()


@pytest.mark.today("2026-12-02T10:00")
def test_records_of_two_agencies_need_two_applications():
    """谁认定谁修复: one application goes to one determining agency."""
    from tests.subjects.factories import RecordFactory

    world = make_world()
    second = RecordFactory(
        subject=world.subject,
        provider=world.agency_b,
        determined_on=datetime.date(2026, 5, 10),
        disclosure_ends_on=datetime.date(2029, 5, 10),
    )
    with pytest.raises(ValidationError) as excinfo:
        file_application(world, records=[world.record, second])
    assert "records" in _errors(excinfo)


@pytest.mark.today("2026-12-02T10:00")
def test_only_the_determining_agency_decides():
    """Only the determining agency's officers accept and decide; another agency's officer and
    the clerk (who entered it at the window) cannot."""
    world = make_world()
    application = file_application(world)
    for outsider in (world.officer_b, world.clerk):
        with pytest.raises(PermissionDenied):
            services.repair_step(application, "accept", by=outsider, reason="越权")
    services.repair_step(application, "accept", by=world.officer_a, reason="受理")
    for outsider in (world.officer_b, world.clerk):
        with pytest.raises(PermissionDenied):
            services.repair_step(application, "repair", by=outsider, reason="越权", outcome_reason="x")
    assert not services.REPAIR_CASE.offered(application, world.clerk)


@pytest.mark.today("2026-12-02T10:00")
def test_a_decision_without_reasons_is_refused_on_its_field():
    world = make_world()
    application = accepted(world)
    with pytest.raises(ValidationError) as excinfo:
        services.repair_step(application, "repair", by=world.officer_a, reason="决定", outcome_reason="  ")
    assert "outcome_reason" in _errors(excinfo)
    application.refresh_from_db()
    world.record.refresh_from_db()
    assert application.status == RepairStatus.REVIEWING and world.record.status == RecordStatus.ACTIVE


@pytest.mark.today("2026-12-02T10:00")
def test_repair_marks_the_records_issues_the_decision_and_feeds_the_other_systems():
    """Ningbo art. 45: repaired information is no longer disclosed and is marked when queried;
    the decision is issued once; Tianjin art. 45 para. 2: shared with the departments."""
    world = make_world()
    application = repaired(world)
    world.record.refresh_from_db()
    assert world.record.status == RecordStatus.REPAIRED
    assert world.record.history.first().history_change_reason.startswith(application.number)
    assert documents_of(application).count() == 1
    event = RepairEvent.objects.get()
    assert event.kind == EventKind.REPAIRED and event.record_ids == [world.record.pk]
    assert deadline_of(application, DeadlineKind.REPAIR_DECISION).status == "met"


@pytest.mark.today("2026-12-02T10:00")
def test_the_acceptance_and_the_decision_run_on_the_policy_clocks():
    """Received Wednesday 2026-12-02: accepted within 3 working days (2026-12-07); the decision
    within 10 working days of acceptance."""
    world = make_world()
    application = file_application(world)
    assert deadline_of(application, DeadlineKind.REPAIR_ACCEPT).due_on == datetime.date(2026, 12, 7)
    services.repair_step(application, "accept", by=world.officer_a, reason="受理")
    assert deadline_of(application, DeadlineKind.REPAIR_DECISION).due_on == datetime.date(2026, 12, 16)


@pytest.mark.today("2026-12-02T10:00")
def test_asking_for_material_pauses_the_decision_clock():
    world = make_world()
    application = accepted(world)
    services.repair_step(
        application, "request-material", by=world.officer_a, reason="补正", material_requested="缴款凭证"
    )
    assert deadline_of(application, DeadlineKind.REPAIR_DECISION).status == "paused"
    services.repair_step(
        application, "material-received", by=world.officer_a, reason="已补正", proof=[pdf("receipt.pdf")]
    )
    assert deadline_of(application, DeadlineKind.REPAIR_DECISION).status == "open"


@pytest.mark.today("2026-12-02T10:00")
def test_nanjing_refuses_the_grace_step_naming_the_policy():
    """Only Tianjin art. 45 provides a grace period (宽限期)."""
    world = make_world()
    application = accepted(world)
    with pytest.raises(Conflict) as excinfo:
        services.repair_step(
            application,
            "grant-grace",
            by=world.officer_a,
            reason="宽限",
            grace_until=datetime.date(2027, 1, 31),
            grace_reason="疫情停产",
        )
    assert "南京" in str(excinfo.value)


@pytest.mark.today("2026-12-02T10:00")
def test_tianjin_allows_a_grace_period_and_the_application_stays_open(policy_tianjin):
    world = make_world()
    application = accepted(world)
    services.repair_step(
        application,
        "grant-grace",
        by=world.officer_a,
        reason="宽限",
        grace_until=datetime.date(2027, 1, 31),
        grace_reason="主要设备检修，暂不能完成整改",
    )
    assert application.status == RepairStatus.GRACE and application.grace_until == datetime.date(2027, 1, 31)
    assert services.repairs_end_grace(today=datetime.date(2027, 2, 1)) == 1
    application.refresh_from_db()
    assert application.status == RepairStatus.REVIEWING


@pytest.mark.today("2026-12-02T10:00")
def test_a_refusal_names_the_day_it_may_apply_again():
    """A record whose period is not over at acceptance (here: made a serious one meanwhile) is
    refused with the earliest day computed from the national rule."""
    world = make_world(determined_on=datetime.date(2026, 5, 10))
    application = file_application(world)
    world.record.severity = "serious"
    world.record.save()
    assert services.REPAIR_CASE.offered(application, world.officer_a)[0].blocked  # accept is blocked
    services.repair_step(
        application,
        "refuse",
        by=world.officer_a,
        reason="不予受理",
        refusal_reason="最短公示期未满",
        refusal_ground="too_early",
    )
    assert application.earliest_reapply_on == datetime.date(2027, 5, 10)
    assert documents_of(application).count() == 1


@pytest.mark.today("2026-12-02T10:00")
def test_the_daily_job_ends_grace_periods_past_their_end(policy_tianjin):
    import io

    import time_machine
    from django.core.management import call_command

    world = make_world()
    application = accepted(world)
    services.repair_step(
        application,
        "grant-grace",
        by=world.officer_a,
        reason="宽限",
        grace_until=datetime.date(2026, 12, 10),
        grace_reason="设备检修",
    )
    out = io.StringIO()
    call_command("repair_daily", stdout=out)
    assert "0" in out.getvalue()
    with time_machine.travel(datetime.datetime(2026, 12, 11, 10, tzinfo=datetime.UTC)):
        call_command("repair_daily", stdout=out)
    application.refresh_from_db()
    assert application.status == RepairStatus.REVIEWING


@pytest.mark.today("2026-12-02T10:00")
def test_statistics_count_per_agency_refusals_by_ground_and_the_median_days():
    """Per determining agency and period: received, accepted, refused by ground, repaired, and
    the median working days from receipt to decision; an officer sees only its agency's row."""
    from apps.repair.statistics import repair_statistics
    from tests.subjects.factories import RecordFactory

    world = make_world()
    repaired(world)
    second = RecordFactory(
        subject=world.subject,
        item=world.record.item,
        provider=world.agency_a,
        determined_on=datetime.date(2026, 5, 10),
        disclosure_ends_on=datetime.date(2029, 5, 10),
    )
    refused = file_application(world, records=[second])
    services.repair_step(
        refused, "refuse", by=world.officer_a, reason="不予受理", refusal_ground="incomplete", refusal_reason="缺材料"
    )
    start, end = datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)
    rows = repair_statistics(user=world.clerk, start=start, end=end)
    agency, total = rows
    assert agency.agency == world.agency_a
    assert (agency.received, agency.accepted, agency.refused, agency.repaired) == (2, 1, 1, 1)
    assert agency.by_ground == {"incomplete": 1} and agency.median_days == 0
    assert total.received == 2
    assert repair_statistics(user=world.officer_b, start=start, end=end) == []


@pytest.mark.today("2026-12-02T10:00")
def test_the_workbench_shows_the_agency_its_repair_clocks():
    """Issue 13 item 8: the acceptance and then the decision are due on the determining agency's
    workbench; another agency sees nothing of them."""
    from apps.core.workbench import workbench_for

    world = make_world()
    application = file_application(world)

    def items(user):
        board = workbench_for(user, today=datetime.date(2026, 12, 2), due_to=datetime.date(2026, 12, 31))
        return [(item.owner.pk, item.deadline.kind) for group in board.groups for item in group.items]

    assert (application.pk, DeadlineKind.REPAIR_ACCEPT) in items(world.officer_a)
    assert items(world.officer_b) == []
    services.repair_step(application, "accept", by=world.officer_a, reason="受理")
    assert items(world.officer_a) == [(application.pk, DeadlineKind.REPAIR_DECISION)]
