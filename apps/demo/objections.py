"""Demo step for the objections app (run by `seed_demo`): one objection at each step of its
workflow — received, accepted and marked, forwarded, answered by the agency, decided, closed with
the reply issued, not accepted — and one received 20 working days ago and never handled, whose
clocks are overdue (what the workbench and the statistics show in red). The closed one was
received 18 working days ago and decided late, with the reason.

Each disputes a general dishonest record of a demo company, filed by the demo clerk at the window
or by letter and taken through the services (`objection_file`, `objection_step`), so the marks,
the clocks, the documents and the history are the real ones. Each is known by its statement:
running `seed_demo` again finds them and adds nothing."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from apps.catalog.choices import Category, Severity, SubjectType
from apps.core.choices import Role
from apps.core.deadlines import deadlines_of
from apps.core.models import Organization, User
from apps.core.workdays import is_working_day
from apps.demo.records import MARKET, TAX
from apps.objections import services
from apps.objections.choices import Channel, Ground, Outcome
from apps.objections.models import Objection
from apps.subjects.choices import RecordStatus
from apps.subjects.models import CreditRecord

REASON = "演示数据：异议"


@dataclass(frozen=True)
class DemoObjection:
    provider: str  # who provided the disputed record
    statement: str  # what the applicant says; also how a later run finds it
    applicant: str  # who came to the window or wrote: the company's staff, or (refused) someone else
    steps: tuple[str, ...] = ()
    channel: str = Channel.WINDOW
    grounds: tuple[str, ...] = (Ground.ERROR,)
    received_working_days_ago: int = 0
    answer: dict = field(default_factory=dict)
    decision: dict = field(default_factory=dict)


DEMO_OBJECTIONS = [
    DemoObjection(
        MARKET,
        "该行政处罚决定已在行政复议中被撤销，请求删除这条失信信息。（演示：待受理）",
        "刘文静",
    ),
    DemoObjection(
        TAX,
        "欠税已于决定作出前全部缴清，记录的欠税信息与事实不符。（演示：已受理并标注）",
        "孙立平",
        steps=("accept",),
    ),
    DemoObjection(
        MARKET,
        "处罚决定书记载的违法事实系同名企业所为，与我公司无关。（演示：已转交提供单位）",
        "周海燕",
        steps=("accept", "forward"),
    ),
    DemoObjection(
        MARKET,
        "罚款已全额缴纳，整改已通过复查，请求更新记录。（演示：提供单位已回复）",
        "吴国栋",
        steps=("accept", "forward", "answer"),
        answer={"answer": Outcome.KEPT, "answer_reason": "经核查，处罚事实清楚、证据确凿，信息准确，应予维持。"},
    ),
    DemoObjection(
        TAX,
        "处理决定书文号登记错误，与送达的文书原件不符。（演示：已作出处理）",
        "郑晓东",
        steps=("accept", "decide"),
        decision={
            "outcome": Outcome.CORRECTED,
            "outcome_reason": "经核对归集数据与文书原件，文书号系录入错误，予以更正。",
        },
    ),
    DemoObjection(
        TAX,
        "逾期申报已于次月补报并缴纳罚款，请求核查。（演示：已办结）",
        "黄丽娟",
        steps=("accept", "forward", "answer", "decide", "inform"),
        channel=Channel.LETTER,
        received_working_days_ago=18,
        answer={"answer": Outcome.KEPT, "answer_reason": "经核查，逾期申报行为属实，补报不改变已作出的处理。"},
        decision={
            "outcome": Outcome.KEPT,
            "outcome_reason": "经提供单位核查，信息准确，予以维持。",
            "late_reason": "信函收到后待提供单位调取纸质档案，超过办理时限。",
        },
    ),
    DemoObjection(
        MARKET,
        "朋友的公司被错误记录了失信信息，我代他提出异议。（演示：不予受理）",
        "陈默",
        steps=("refuse",),
        channel=Channel.LETTER,
    ),
    DemoObjection(
        TAX,
        "该失信记录的认定日期有误，披露期限应已届满。（演示：已超期）",
        "马春燕",
        received_working_days_ago=20,
    ),
]


def working_days_before(day: datetime.date, count: int) -> datetime.date:
    """The working day `count` working days before `day`."""
    while count:
        day -= datetime.timedelta(days=1)
        count -= is_working_day(day)
    return day


def _candidates(provider: Organization):
    """General dishonest records of organisations, still disclosed and not disputed yet, the
    newest first (the other demo steps and tests take the oldest)."""
    return (
        CreditRecord.objects.filter(
            Q(disclosure_ends_on__isnull=True) | Q(disclosure_ends_on__gte=timezone.localdate()),
            provider=provider,
            category=Category.DISHONEST,
            severity=Severity.GENERAL,
            status=RecordStatus.ACTIVE,
            objection_since__isnull=True,
            objections__isnull=True,
        )
        .exclude(subject__kind=SubjectType.NATURAL_PERSON)
        .select_related("subject")
        .order_by("-id")
    )


def _corrected_number(number: str) -> str:
    """The document number as the paper original has it (the demo's data-entry error: the
    serial number off by a hundred)."""
    return re.sub(r"(\d+)号$", lambda m: f"{int(m.group(1)) + 100}号", number) or f"{number}（更正）"


def _walk(objection: Objection, demo: DemoObjection, *, clerk: User, officer: User) -> Objection:
    for step in demo.steps:
        data: dict = {}
        by = clerk
        if step == "forward":
            data = {"agency": officer.organization}
        elif step == "answer":
            by, data = officer, demo.answer
        elif step == "decide":
            data = dict(demo.decision)
            today = timezone.localdate()
            if not any(d.kind in services.HANDLING and d.running and d.due_on < today for d in deadlines_of(objection)):
                data.pop("late_reason", None)  # on time under this city's policy after all
            if data["outcome"] == Outcome.CORRECTED:
                record = objection.records.get()
                data["corrections"] = {record.pk: {"document_number": _corrected_number(record.document_number)}}
        elif step == "refuse":
            data = {"refusal_reason": "代理人未提交信用主体的书面授权委托书，申请人也不是信用主体本人。"}
        objection = services.objection_step(objection, step, by=by, reason=REASON, **data)
    return objection


def seed(stdout) -> None:
    clerk = User.objects.filter(username="clerk", role=Role.CLERK).first()
    officers = {
        user.organization.name: user
        for user in User.objects.filter(
            username__in=("officer_market", "officer_tax"), role=Role.OFFICER
        ).select_related("organization")
    }
    if clerk is None or set(officers) != {MARKET, TAX}:
        stdout.write("objections: no demo clerk or officers; no demo objections")
        return
    today = timezone.localdate()
    # One demo objection per subject, across runs too: a later run (with fewer records still
    # disclosed) must not find a subject the first run passed over for this reason.
    added = []
    used_subjects = set(
        Objection.objects.filter(statement__in=[d.statement for d in DEMO_OBJECTIONS]).values_list(
            "subject_id", flat=True
        )
    )
    for demo in DEMO_OBJECTIONS:
        if Objection.objects.filter(statement=demo.statement).exists():
            continue
        officer = officers[demo.provider]
        record = _candidates(officer.organization).exclude(subject__in=used_subjects).first()
        if record is None:
            stdout.write(f"objections: no record of {demo.provider} left to dispute; skipped")
            continue
        used_subjects.add(record.subject_id)
        objection = services.objection_file(
            by=clerk,
            subject=record.subject,
            records=[record],
            grounds=list(demo.grounds),
            statement=demo.statement,
            # The company objects through its staff; the one not accepted came from someone else.
            applicant_name=demo.applicant if "refuse" in demo.steps else record.subject.name,
            applicant_contact=f"{demo.applicant} 025-8{7000000 + record.pk}"[:100],
            channel=demo.channel,
            received_on=working_days_before(today, demo.received_working_days_ago),
            reason=REASON,
        )
        objection = _walk(objection, demo, clerk=clerk, officer=officer)
        added.append(objection.get_status_display())
    if not added:
        stdout.write("objections: demo objections already present; nothing to add")
        return
    stdout.write(f"objections: {len(added)} demo objections ({'、'.join(added)})")
