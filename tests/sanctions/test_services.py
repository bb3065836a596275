"""The serious-list procedure (Nanjing arts. 40–43, Tianjin art. 28, Ningbo art. 28), the
key-attention list (Nanjing art. 37), the red list (Ningbo art. 28) and joint checks (Nanjing
art. 34)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.core.exceptions import Conflict
from apps.core.models import QueryLog
from apps.sanctions import services
from apps.sanctions.choices import CaseStatus, ListType, RemovalReason
from apps.sanctions.models import ListEntry, ListingCase
from apps.subjects.choices import ObjectionMark, RecordStatus
from apps.subjects.models import CreditRecord
from tests.catalog.factories import MeasureFactory, MeasureListFactory
from tests.factories import OfficerFactory
from tests.sanctions.factories import DECISION, backdate, decide_after_statement, make_world
from tests.subjects.factories import MarkedRecordFactory, RecordFactory

# The cases and records here carry fixed 2026 dates: the clock is set to match (any real date passes).
pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-02T10:00")]


@pytest.fixture
def world(policy):
    return make_world()


def open_serious(world, **extra):
    case = services.case_open(
        by=world.officer,
        list_type=ListType.SERIOUS,
        subject=world.company,
        facts="2026年多次销售不合格食品",
        legal_basis="《食品安全法》第一百三十四条",
        basis_records=[world.record],
        measures=[world.measures["serious"]],
        record_item=world.listing_item,
        reason="立案",
        **extra,
    )
    return backdate(case, dt.date(2026, 9, 1))


def open_key_attention(world):
    """A key-attention case on the company's first minor record (its serious record revoked, so
    the minor one is the first occurrence; Nanjing art. 37)."""
    from apps.core.audit import audited_save

    minor = RecordFactory(
        subject=world.company, item=world.record.item, severity="minor", provider=world.officer.organization
    )
    world.record.status = RecordStatus.REVOKED
    audited_save(world.record, by=None, reason="test: the serious record revoked")
    return services.case_open(
        by=world.officer,
        list_type=ListType.KEY_ATTENTION,
        subject=world.company,
        facts="首次未按规定公示年度报告且及时补报",
        legal_basis="《南京市社会信用条例》第三十七条",
        basis_records=[minor],
        exemption_rule=world.exemption_rule,
        reason="列入重点关注",
    )


def test_the_statement_deadline_counts_working_days(world):
    """A notice delivered 2026-09-30 with 5 working days is due 2026-10-13 (National Day, make-up Saturday)."""
    case = open_serious(world)
    services.case_issue_notice(
        case,
        by=world.officer,
        notice_number="宁市监告〔2026〕1号",
        reason="告知",
        issued_on=dt.date(2026, 9, 30),
        delivered_on=dt.date(2026, 9, 30),
    )
    assert case.statement_period.due_on == dt.date(2026, 10, 13)


def test_the_statement_period_runs_from_delivery(world):
    """The preset's basis: 陈述申辩期为告知书送达之日起五个工作日. Until the delivery is recorded
    the case can neither lapse nor be decided; the period then counts from the delivery day."""
    from apps.core.workdays import add_working_days

    case = open_serious(world)
    services.case_issue_notice(
        case, by=world.officer, notice_number="告0", reason="邮寄告知书", issued_on=dt.date(2026, 9, 30)
    )
    assert case.statement_period is None
    for step in (services.case_record_lapse, lambda c, **kw: services.case_decide(c, **kw, **DECISION)):
        with pytest.raises(Conflict, match=str(services.MSG_NOT_DELIVERED)):
            step(case, by=world.officer, reason="x")
    with pytest.raises(ValidationError):
        services.case_record_delivery(case, by=world.officer, delivered_on=dt.date(2026, 9, 29), reason="送达")
    services.case_record_delivery(case, by=world.officer, delivered_on=dt.date(2026, 10, 12), reason="邮件签收")
    assert case.notice_delivered_on == dt.date(2026, 10, 12)
    assert case.statement_period.due_on == add_working_days(dt.date(2026, 10, 12), 5) == dt.date(2026, 10, 19)
    with pytest.raises(Conflict):
        services.case_record_delivery(case, by=world.officer, delivered_on=dt.date(2026, 10, 13), reason="再送达")
    services.case_decide(case, by=world.officer, reason="期满未申辩，作出认定", **DECISION)
    assert case.status == CaseStatus.DECIDED


def test_a_case_cannot_be_decided_before_the_deadline_or_a_statement(world):
    case = open_serious(world)
    with pytest.raises(Conflict):
        services.case_decide(case, by=world.officer, reason="认定", **DECISION)
    services.case_issue_notice(
        case, by=world.officer, notice_number="告1", reason="事前告知", delivered_on=timezone.localdate()
    )
    with pytest.raises(Conflict, match=str(case.statement_period.due_on.year)):
        services.case_decide(case, by=world.officer, reason="认定", **DECISION)
    with pytest.raises(Conflict):
        services.case_record_lapse(case, by=world.officer, reason="期满")
    services.case_record_statement(case, by=world.officer, statement="申辩：已整改", reason="收到陈述申辩")
    # Dalian art. 33, Ningbo art. 28: the statement is checked and answered in the decision.
    with pytest.raises(ValidationError) as caught:
        services.case_decide(case, by=world.officer, reason="作出认定", **DECISION)
    assert "statement_finding" in caught.value.message_dict
    services.case_decide(
        case, by=world.officer, reason="作出认定", statement_finding="经核查，整改情况属实，不影响认定。", **DECISION
    )
    assert case.status == CaseStatus.DECIDED and case.statement_finding.startswith("经核查")


def test_a_lapsed_statement_period_allows_the_decision(world):
    case = open_serious(world)
    services.case_issue_notice(
        case,
        by=world.officer,
        notice_number="告2",
        reason="告知",
        issued_on=dt.date(2026, 9, 30),
        delivered_on=dt.date(2026, 9, 30),
    )
    services.case_decide(case, by=world.officer, reason="期满未申辩，作出认定", **DECISION)
    assert case.status == CaseStatus.DECIDED
    assert list(case.history.order_by("history_date", "history_id").values_list("status", flat=True))[-2:] == [
        CaseStatus.NOTICE_ISSUED,
        CaseStatus.DECIDED,
    ]


def test_unpublished_measures_or_measures_of_another_list_are_refused(world):
    """Nanjing art. 42: 未经法定程序设定和公布的社会信用惩戒措施…不得实施."""
    draft_measure = MeasureFactory(measure_list=MeasureListFactory(), applies_to="serious")
    with pytest.raises(ValidationError) as caught:
        services.case_open(
            by=world.officer,
            list_type=ListType.SERIOUS,
            subject=world.company,
            facts="x",
            legal_basis="x",
            basis_records=[world.record],
            measures=[draft_measure],
            reason="x",
        )
    assert "measures" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        open_serious(world).measures.set([])
        services.case_update(
            ListingCase.objects.latest("id"), by=world.officer, measures=[world.measures["red"]], reason="x"
        )
    assert "measures" in caught.value.message_dict


def test_a_case_needs_a_dishonest_record_of_the_subject(world):
    other = RecordFactory()
    for basis in ([], [other]):
        with pytest.raises(ValidationError) as caught:
            services.case_open(
                by=world.officer,
                list_type=ListType.SERIOUS,
                subject=world.company,
                facts="x",
                legal_basis="x",
                basis_records=basis,
                measures=[world.measures["serious"]],
                reason="x",
            )
        assert "basis_records" in caught.value.message_dict


def test_a_serious_case_rests_on_active_records_that_are_not_minor(world):
    """Nanjing art. 37: minor first-time conduct is exempt from sanctions; a record under objection
    is disputed and cannot carry a listing until the objection is settled."""
    minor = RecordFactory(subject=world.company, provider=world.officer.organization, severity="minor")
    disputed = MarkedRecordFactory(subject=world.company, provider=world.officer.organization)
    for basis, message in ((minor, services.MSG_BASIS_MINOR), (disputed, services.MSG_BASIS_NOT_ACTIVE)):
        with pytest.raises(ValidationError) as caught:
            services.case_open(
                by=world.officer,
                list_type=ListType.SERIOUS,
                subject=world.company,
                facts="x",
                legal_basis="x",
                basis_records=[basis],
                measures=[world.measures["serious"]],
                reason="x",
            )
        status = ObjectionMark.MARKED.label if basis.under_objection else basis.get_status_display()
        expected = str(message).format(id=basis.pk, status=status)
        assert caught.value.message_dict["basis_records"] == [expected]


def _decided(world):
    case = open_serious(world)
    services.case_issue_notice(
        case,
        by=world.officer,
        notice_number="告3",
        reason="告知",
        issued_on=dt.date(2026, 9, 30),
        delivered_on=dt.date(2026, 9, 30),
        responsible_people=[world.representative.responsibilities.get()],
    )
    return services.case_decide(case, by=world.officer, reason="认定", **DECISION)


def test_deciding_against_a_company_records_it_in_the_legal_representatives_file(world):
    """Nanjing art. 43: 同步记入…法定代表人…信用档案."""
    case = _decided(world)
    entries = {e.subject_id: e for e in ListEntry.objects.filter(case=case)}
    assert set(entries) == {world.company.pk, world.representative.pk}
    assert entries[world.representative.pk].role == "legal_representative"
    record = CreditRecord.objects.get(subject=world.representative)
    assert record.item == world.listing_item and record.values["decision_number"] == "宁市监信认〔2026〕1号"
    assert record.source_record_id == f"case:{case.pk}:{world.representative.identifier}"  # the link back
    assert services.subject_statuses(world.representative)[0] == "serious"
    # Removal ends both, the same day.
    services.case_publish(case, by=world.officer, reason="公布")
    services.case_remove(
        case, by=world.officer, removal_reason=RemovalReason.REPAIR, removal_document="修复决定书1号", reason="信用修复"
    )
    assert not ListEntry.objects.filter(case=case, active=True).exists()
    assert set(
        CreditRecord.objects.filter(source_record_id__startswith=f"case:{case.pk}:").values_list("status", flat=True)
    ) == {RecordStatus.REPAIRED}
    assert "serious" not in services.subject_statuses(world.representative)


def test_a_removal_takes_the_record_step_its_reason_names_where_the_record_allows_it(world):
    """The listing records follow the removal through the subjects services: repaired on a removal
    by repair even while under objection (the mark stays until the objection is settled), and left
    as they are where their lifecycle has no such step (a revoked record is not repaired)."""
    from apps.subjects.services import record_mark_objection, record_revoke
    from tests.factories import ClerkFactory

    case = _decided(world)
    services.case_publish(case, by=world.officer, reason="公布")
    records = {r.subject_id: r for r in CreditRecord.objects.filter(source_record_id__startswith=f"case:{case.pk}:")}
    disputed, revoked = records[world.company.pk], records[world.representative.pk]
    record_mark_objection(disputed, by=ClerkFactory(), reason="收到异议申请")
    record_revoke(revoked, by=world.officer, reason="对负责人的认定被撤销")
    services.case_remove(
        case, by=world.officer, removal_reason=RemovalReason.REPAIR, removal_document="修复决定书3号", reason="信用修复"
    )
    disputed.refresh_from_db()
    revoked.refresh_from_db()
    assert (disputed.status, disputed.under_objection) == (RecordStatus.REPAIRED, True)
    assert disputed.history.latest().history_change_reason == "信用修复"
    assert revoked.status == RecordStatus.REVOKED


def test_the_listing_extends_the_disclosure_of_dishonest_records(world):
    """Nanjing art. 56: extended to the end of the serious sanction while listed."""
    world.record.disclosure_ends_on = dt.date(2027, 3, 1)
    from apps.core.audit import audited_save

    audited_save(world.record, by=None, reason="t")
    case = _decided(world)
    world.record.refresh_from_db()
    assert world.record.disclosure_ends_on == DECISION["listing_end"]
    services.case_remove(
        case, by=world.officer, removal_reason=RemovalReason.REVOCATION, removal_document="撤销决定", reason="撤销"
    )
    world.record.refresh_from_db()
    assert world.record.disclosure_ends_on < DECISION["listing_end"]


def test_the_listing_extension_is_answered_for_ids_given_as_a_list_or_as_a_query(world):
    """Nanjing art. 56: the serious listing's end is the extension whether the subjects are asked
    for by their ids or by a query of them (a batch's subjects, as the PostgreSQL submit asks)."""
    from django.db.models.expressions import RawSQL

    from apps.subjects.disclosure import extensions_for
    from apps.subjects.models import Subject
    from tests.subjects.factories import PersonFactory

    _decided(world)
    company, unlisted = world.company.pk, PersonFactory().pk
    expected = extensions_for([company, unlisted])
    assert expected == {company: DECISION["listing_end"]}
    assert extensions_for(Subject.objects.filter(pk__in=[company, unlisted]).values("pk")) == expected
    assert (
        extensions_for(RawSQL("SELECT id FROM subjects_subject WHERE id IN (%s, %s)", [company, unlisted])) == expected
    )
    assert extensions_for(RawSQL("SELECT id FROM subjects_subject WHERE id = %s", [unlisted])) == {}


def test_every_step_is_in_the_case_history_with_user_and_reason(world):
    case = services.case_open(
        by=world.officer,
        list_type=ListType.SERIOUS,
        subject=world.company,
        facts="x",
        legal_basis="x",
        basis_records=[world.record],
        measures=[world.measures["serious"]],
        record_item=world.listing_item,
        reason="立案",
    )
    services.case_issue_notice(case, by=world.officer, notice_number="告", reason="告知")
    services.case_record_statement(case, by=world.officer, statement="申辩", reason="收到申辩")
    services.case_decide(case, by=world.officer, reason="认定", statement_finding="不予采纳", **DECISION)
    services.case_publish(case, by=world.officer, reason="向社会公布")
    rows = list(
        case.history.order_by("history_date", "history_id").values_list(
            "status", "history_user", "history_change_reason"
        )
    )
    # Setting the measures and records writes rows of its own (same user and reason).
    steps = [row for i, row in enumerate(rows) if i == 0 or row != rows[i - 1]]
    assert [s[0] for s in steps] == ["draft", "notice_issued", "statement_received", "decided", "published"]
    assert all(user == world.officer.pk for _status, user, _reason in steps)
    assert [s[2] for s in steps] == ["立案", "告知", "收到申辩", "认定", "向社会公布"]


def test_publishing_requires_a_decided_case(world):
    case = open_serious(world)
    with pytest.raises(Conflict):
        services.case_publish(case, by=world.officer, reason="x")


def test_another_agency_cannot_act_on_the_case(world):
    case = open_serious(world)
    with pytest.raises(PermissionDenied):
        services.case_issue_notice(case, by=OfficerFactory(), notice_number="x", reason="x")


def test_the_check_returns_published_measures_logs_one_row_and_needs_reasons(world):
    """Nanjing art. 34: 自动比对、自动反馈；不实施的，应当书面说明理由."""
    _decided(world)
    asking = OfficerFactory()
    check, subject, statuses, measures = services.sanction_check(
        by=asking, identifier=world.company.identifier, matter="bidding"
    )
    assert subject == world.company and "serious" in statuses and world.measures["serious"] in measures
    assert world.measures["red"] not in measures
    assert QueryLog.objects.filter(purpose="joint_sanction_check").count() == 1
    with pytest.raises(ValidationError):
        services.check_feedback(check, by=asking, results=[{"measure": world.measures["serious"].pk, "applied": False}])
    services.check_feedback(
        check,
        by=asking,
        results=[{"measure": world.measures["serious"].pk, "applied": False, "reason": "已中标合同在执行"}],
    )
    with pytest.raises(Conflict):
        services.check_feedback(check, by=asking, results=[{"measure": world.measures["serious"].pk, "applied": True}])
    with pytest.raises(PermissionDenied):
        services.check_feedback(check, by=OfficerFactory(), results=[])


def test_key_attention_ends_after_its_validity(world):
    """Nanjing art. 37: valid three months, then the subject leaves the list."""
    case = open_key_attention(world)
    from apps.subjects.disclosure import add_months

    assert case.listing_end == add_months(case.listing_start, 3)
    assert "key_attention" in services.subject_statuses(world.company)
    services.daily_upkeep(today=case.listing_end + dt.timedelta(days=1))
    services.daily_upkeep(today=case.listing_end + dt.timedelta(days=1))  # safe twice
    case.refresh_from_db()
    assert case.status == CaseStatus.ENDED


def test_a_new_dishonest_record_during_key_attention_turns_the_subject_dishonest(world):
    case = open_key_attention(world)
    from apps.subjects.services import record_create

    record_create(
        by=world.officer,
        subject=world.company,
        item=world.record.item,
        provider=world.officer.organization,
        reason="新的处罚",
        values={"penalty_type": "罚款"},
        document_number="罚新1",
        document_date=timezone.localdate(),
        determined_on=timezone.localdate(),
        ended_on=timezone.localdate(),
        severity="general",
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.CONVERTED
    statuses = services.subject_statuses(world.company)
    assert "dishonest" in statuses and "key_attention" not in statuses


def test_key_attention_needs_a_first_occurrence_under_the_rule(world):
    with pytest.raises(ValidationError) as caught:
        services.case_open(
            by=world.officer,
            list_type=ListType.KEY_ATTENTION,
            subject=world.company,
            facts="x",
            legal_basis="x",
            basis_records=[RecordFactory(subject=world.company, item=world.record.item, severity="minor")],
            exemption_rule=world.exemption_rule,
            reason="x",
        )
    assert "basis_records" in caught.value.message_dict


def test_the_red_list_notice_and_objection(world):
    """Ningbo art. 28: 拟列入守信激励对象名单的，应当予以公示…有异议的，由认定机关核查处理."""
    with pytest.raises(ValidationError):
        services.case_open(
            by=world.officer, list_type=ListType.RED, subject=world.company, facts="x", legal_basis="x", reason="x"
        )
    good = world.representative
    case = services.case_open(
        by=world.officer,
        list_type=ListType.RED,
        subject=good,
        facts="连续五年守信",
        legal_basis="第二十八条",
        reason="提名",
    )
    services.red_start_notice(case, by=world.officer, reason="公示")
    with pytest.raises(Conflict):
        services.red_confirm(case, by=world.officer, reason="确认")
    services.red_record_objection(case, by=world.officer, objection="群众反映存在拖欠工资", reason="收到异议")
    assert case.status == CaseStatus.RETURNED
    services.red_start_notice(case, by=world.officer, reason="核查后重新公示")
    assert services.daily_upkeep(today=case.red_notice.due_on)["red_confirmed"] == 0
    assert services.daily_upkeep(today=case.red_notice.due_on + dt.timedelta(days=1))["red_confirmed"] == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.CONFIRMED
    # on the red list from the day of confirmation, not before
    assert "red" in services.subject_statuses(good, today=case.listing_start)
    assert "red" not in services.subject_statuses(good, today=case.listing_start - dt.timedelta(days=1))


def test_a_notice_cannot_be_dated_before_the_case_was_filed(world):
    case = services.case_open(
        by=world.officer,
        list_type=ListType.SERIOUS,
        subject=world.company,
        facts="x",
        legal_basis="x",
        basis_records=[world.record],
        measures=[world.measures["serious"]],
        reason="立案",
    )
    with pytest.raises(ValidationError) as caught:
        services.case_issue_notice(
            case, by=world.officer, notice_number="告", reason="x", issued_on=dt.date(2026, 9, 30)
        )
    assert "issued_on" in caught.value.message_dict


def test_another_agencys_record_cannot_be_the_basis_and_is_not_revealed(world):
    from django.core.exceptions import ValidationError as DjangoValidationError

    theirs = RecordFactory(subject=world.company)  # provided by another agency
    for ids in ([theirs.pk], [999999999]):
        with pytest.raises(DjangoValidationError) as caught:
            services.visible_records(world.officer, ids)
        assert caught.value.message_dict["basis_records"] == [f"记录#{ids[0]}不是该主体的记录，或您无权查看。"]


def test_a_refused_check_leaves_the_refusal_and_the_flag_on_record(world, policy):
    """Nanjing art. 52 also for joint sanction checks."""
    from apps.core.models import QueryFlag
    from apps.core.querylog import QueryRefused

    policy.query_daily_threshold = 1
    policy.save()
    asking = OfficerFactory()
    services.sanction_check(by=asking, identifier=world.company.identifier, matter="bidding")
    with pytest.raises(QueryRefused):
        services.sanction_check(by=asking, identifier=world.company.identifier, matter="bidding")
    assert QueryFlag.objects.filter(user=asking).exists()
    assert QueryLog.objects.filter(user=asking, outcome="refused").count() == 1


def test_any_new_dishonest_record_in_a_batch_converts_the_key_attention_entry(world):
    from apps.sanctions.hooks import dishonest_record_created

    case = open_key_attention(world)
    inside = RecordFactory(subject=world.company, determined_on=timezone.localdate())
    outside = RecordFactory(subject=world.company, determined_on=dt.date(2020, 1, 1))
    dishonest_record_created(records=[inside, outside])  # the last one of the subject falls outside
    case.refresh_from_db()
    assert case.status == CaseStatus.CONVERTED


@pytest.mark.django_db(transaction=True)
def test_the_daily_job_runs_outside_a_test_transaction(settings):
    """The daily job's steps lock rows (SELECT … FOR UPDATE): each must open its own transaction,
    which the usual test wrapper would hide. Here nothing wraps the job, as in production."""
    from apps.core.management.commands.load_policies import load_presets
    from apps.subjects.disclosure import add_months

    settings.CREDIT_POLICY = "nanjing"
    load_presets()
    world = make_world()
    case = open_key_attention(world)
    later = add_months(case.listing_end, 1)
    assert services.daily_upkeep(today=later)["key_attention_ended"] == 1
    assert services.daily_upkeep(today=later)["key_attention_ended"] == 0
    case.refresh_from_db()
    assert case.status == CaseStatus.ENDED


def test_cities_without_a_key_attention_list_refuse_such_cases(world, settings):
    """Only Nanjing art. 37 sets up a key-attention list; elsewhere no unlisted measure may be added
    (Tianjin art. 26, Zhangye art. 44)."""
    from apps.sanctions.forms import CaseOpenForm, CaseSubjectForm

    settings.CREDIT_POLICY = "tianjin"
    minor = RecordFactory(subject=world.company, severity="minor", provider=world.officer.organization)
    with pytest.raises(ValidationError) as caught:
        services.case_open(
            by=world.officer,
            list_type=ListType.KEY_ATTENTION,
            subject=world.company,
            facts="首次",
            legal_basis="x",
            basis_records=[minor],
            exemption_rule=world.exemption_rule,
            reason="x",
        )
    assert "天津" in caught.value.message_dict["list_type"][0]
    assert ListType.KEY_ATTENTION not in dict(CaseSubjectForm().fields["list_type"].choices)
    form = CaseOpenForm(user=world.officer, subject=world.company, list_type=ListType.SERIOUS)
    assert "exemption_rule" not in form.fields
    assert not ListingCase.objects.exists()


def test_only_responsible_people_named_in_the_notice_are_listed(world, settings):
    """Nanjing art. 43 (负有责任的…), Tianjin art. 32 (no "other directly responsible people"),
    Ningbo art. 29 (no measures on third parties): the notice names those who bear
    responsibility, in a role the city allows, who held it when the conduct took place."""
    from tests.subjects.factories import PersonFactory, ResponsiblePersonFactory

    company = world.company
    successor = ResponsiblePersonFactory(
        organization=company,
        person=PersonFactory(name="钱继任"),
        role="principal",
        start_date=world.record.ended_on + dt.timedelta(days=1),
    )
    clerk_of_record = ResponsiblePersonFactory(
        organization=company, person=PersonFactory(name="孙直接"), role="directly_responsible"
    )
    other = ResponsiblePersonFactory(person=PersonFactory(name="李别家"))
    case = open_serious(world)

    def notice(links):
        services.case_issue_notice(
            case,
            by=world.officer,
            notice_number="告",
            reason="告知",
            delivered_on=timezone.localdate(),
            responsible_people=links,
        )

    conduct_on = world.record.ended_on  # the end of the conduct the case rests on
    for links, expected in (
        (
            [successor],
            str(services.MSG_NOT_IN_ROLE_THEN).format(
                person=successor.person, role=successor.get_role_display(), day=conduct_on
            ),
        ),
        ([other], str(services.MSG_NOT_RESPONSIBLE_OF).format(id=other.pk, subject=company)),
    ):
        with pytest.raises(ValidationError) as caught:
            notice(links)
        assert caught.value.message_dict["responsible_people"] == [expected]
    settings.CREDIT_POLICY = "tianjin"
    with pytest.raises(ValidationError) as caught:
        notice([clerk_of_record])
    assert "天津" in caught.value.message_dict["responsible_people"][0]
    settings.CREDIT_POLICY = "ningbo"
    with pytest.raises(ValidationError):
        notice([world.representative.responsibilities.get()])
    settings.CREDIT_POLICY = "nanjing"
    # named: bears responsibility; the legal representative is not named
    decide_after_statement(world, case, responsible_people=[clerk_of_record])
    listed = set(ListEntry.objects.filter(case=case).values_list("subject__name", flat=True))
    assert listed == {company.name, "孙直接"}


def test_one_person_in_two_roles_is_listed_once(world):
    """A legal representative who is also the principal: named twice, listed once."""
    from tests.subjects.factories import ResponsiblePersonFactory

    as_principal = ResponsiblePersonFactory(organization=world.company, person=world.representative, role="principal")
    legal_representative = world.representative.responsibilities.get(role="legal_representative")
    case = decide_after_statement(world, open_serious(world), responsible_people=[legal_representative, as_principal])
    assert ListEntry.objects.filter(case=case, subject=world.representative).count() == 1


def test_a_basis_record_disputed_after_filing_stops_the_notice_and_the_decision(world):
    """The basis is checked again at each step: a record under objection carries no listing."""
    from apps.subjects.services import record_clear_objection, record_mark_objection, record_revoke
    from tests.factories import ClerkFactory

    clerk = ClerkFactory()
    case = open_serious(world)
    record_mark_objection(world.record, by=clerk, reason="当事人提出异议")
    with pytest.raises(ValidationError) as caught:
        services.case_issue_notice(
            case, by=world.officer, notice_number="告", reason="告知", delivered_on=timezone.localdate()
        )
    assert "basis_records" in caught.value.message_dict
    record_clear_objection(world.record, by=clerk, reason="异议不成立")
    services.case_issue_notice(
        case, by=world.officer, notice_number="告", reason="告知", delivered_on=timezone.localdate()
    )
    services.case_record_statement(case, by=world.officer, statement="申辩", reason="收到申辩")
    record_revoke(world.record, by=world.officer, reason="原处罚决定被撤销")
    with pytest.raises(ValidationError) as caught:
        services.case_decide(case, by=world.officer, reason="认定", statement_finding="不予采纳", **DECISION)
    assert "basis_records" in caught.value.message_dict


def test_the_credit_authority_reviews_a_listing_where_the_city_provides_it(world, settings):
    """Ningbo art. 28 para. 4: 信用主体对认定机关或者组织核查处理结果仍有异议的，可以向市社会信用
    工作主管部门申请复核. Overturned, the listing is revoked the same day."""
    from apps.sanctions.choices import ReviewOutcome
    from tests.factories import AuthorityUserFactory

    authority = AuthorityUserFactory()
    case = decide_after_statement(world, open_serious(world))
    review = {
        "applied_on": timezone.localdate(),
        "outcome": ReviewOutcome.OVERTURNED,
        "review_document": "甬信复〔2026〕1号",
        "review_note": "认定依据不足",
        "reason": "复核",
    }
    with pytest.raises(ValidationError):  # Nanjing: no such review
        services.case_review(case, by=authority, **review)
    settings.CREDIT_POLICY = "ningbo"
    with pytest.raises(PermissionDenied):
        services.case_review(case, by=world.officer, **review)
    with pytest.raises(ValidationError) as caught:
        services.case_review(case, by=authority, **{**review, "review_note": " "})
    assert set(caught.value.message_dict) == {"review_note"}
    services.case_review(case, by=authority, **review)
    case.refresh_from_db()
    assert (case.status, case.removal_reason, case.removal_document) == (
        CaseStatus.REMOVED,
        RemovalReason.REVOCATION,
        "甬信复〔2026〕1号",
    )
    assert not ListEntry.objects.filter(case=case, active=True).exists()
    assert "serious" not in services.subject_statuses(world.company)
    with pytest.raises(Conflict):
        services.case_review(case, by=authority, **review)


def test_the_decision_names_the_remedies_periods_of_the_policy(policy):
    """Administrative Reconsideration Law art. 20 (60 days) and Administrative Litigation Law
    art. 46 (6 months), as Policy figures with their basis: the decision form's default text
    follows them."""
    from django.utils import translation

    from apps.core.audit import audited_save
    from apps.sanctions.forms import DecisionForm

    assert (policy.remedies_reconsideration_days, policy.remedies_lawsuit_months) == (60, 6)
    assert "第二十条" in policy.remedies_basis and "第四十六条" in policy.remedies_basis
    with translation.override("zh-hans"):
        assert DecisionForm().fields["remedies"].initial == (
            "可在收到本决定书之日起60日内申请行政复议，或者在6个月内依法提起行政诉讼。"
        )
    policy.remedies_reconsideration_days = 90
    audited_save(policy, by=None, reason="test")
    with translation.override("en"):
        assert DecisionForm().fields["remedies"].initial == (
            "Administrative reconsideration within 90 days of receipt, or an administrative lawsuit within 6 months."
        )


def test_listings_and_record_changes_are_told_through_named_events(world):
    """DESIGN.md section 3: apps tell each other what happened through named events. A decision
    tells listing_started (and record_created for the listing records), a removal tells
    listing_ended and record_status_changed for the listing records."""
    from apps.sanctions import events as sanction_events
    from apps.subjects import events as subject_events

    heard: list[tuple] = []

    def listen(name):
        def receiver(sender, **kwargs):
            heard.append((name, kwargs))

        return receiver

    receivers = {
        sanction_events.listing_started: listen("started"),
        sanction_events.listing_ended: listen("ended"),
        subject_events.record_created: listen("created"),
        subject_events.record_status_changed: listen("status"),
    }
    for signal, receiver in receivers.items():
        signal.connect(receiver)
    try:
        case = _decided(world)
        started = [kw for name, kw in heard if name == "started"]
        assert {e.subject_id for kw in started for e in kw["entries"]} == {world.company.pk, world.representative.pk}
        assert all(kw["case"] == case for kw in started)
        assert any(name == "created" for name, _kw in heard)
        heard.clear()
        services.case_publish(case, by=world.officer, reason="公布")
        services.case_remove(
            case, by=world.officer, removal_reason=RemovalReason.REPAIR, removal_document="修复决定书2号", reason="修复"
        )
        (ended,) = [kw for name, kw in heard if name == "ended"]
        assert {e.subject_id for e in ended["entries"]} == {world.company.pk, world.representative.pk}
        statuses = [kw for name, kw in heard if name == "status"]
        assert statuses and all(kw["status"] == RecordStatus.REPAIRED for kw in statuses)
    finally:
        for signal, receiver in receivers.items():
            signal.disconnect(receiver)
