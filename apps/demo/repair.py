"""Demo step for the repair app (run by `seed_demo`, after the objections): one repair application
at each step of its workflow — received online, accepted and under review, waiting for more
material, repaired (the decision issued and delivered), not repaired, not accepted — a request
not to disclose a good record, applied, and a prompt interview.

Each repair application names a general dishonest record of a demo company that passes every
check today (within its disclosure period, past the national minimum period, not disputed), and
is taken through the services (`repair_file`, `repair_step`), so the clocks, the documents, the
feed and the history are the real ones. Each is known by its statement: running `seed_demo` again
finds them and adds nothing; a record that no longer passes (a later date) is skipped."""

from __future__ import annotations

import datetime

from django.utils import timezone

from apps.catalog.choices import Category, Severity, SubjectType
from apps.core.choices import Role
from apps.core.models import User
from apps.core.selectors import active_policy
from apps.demo.records import MARKET
from apps.repair import checks, good_info, interviews, services
from apps.repair.choices import Channel, Means
from apps.repair.models import GoodInfoRequest, Interview, RepairApplication
from apps.subjects.choices import RecordStatus
from apps.subjects.models import CreditRecord

REASON = "演示数据：信用修复"
MEANS = [Means.CORRECTED, Means.OBLIGATIONS, Means.COMMITMENT]

DEMO_APPLICATIONS = [
    ("已按处罚决定整改完毕并缴清罚款。（演示：窗口受理，待受理）", ()),
    ("已停止违法行为并完成整改，附整改报告。（演示：审核中）", ("accept",)),
    ("已缴纳罚款，缴款凭证正在补办。（演示：待补充材料）", ("accept", "request-material")),
    ("已纠正失信行为、履行全部义务并作出信用承诺。（演示：予以修复，决定书已送达）", ("accept", "repair", "deliver")),
    ("已提交整改报告，但罚款尚未缴清。（演示：不予修复）", ("accept", "not-repair")),
    ("申请材料缺少履行义务的证明。（演示：不予受理）", ("refuse",)),
]
STEP_DATA = {
    "request-material": {"material_requested": "罚款缴纳凭证原件扫描件"},
    "repair": {"outcome_reason": "经核查，该单位已纠正失信行为、履行行政处罚决定并作出信用承诺，符合信用修复条件。"},
    "not-repair": {"outcome_reason": "经核查，罚款尚未缴清，未履行行政处罚决定确定的义务，不符合信用修复条件。"},
    "refuse": {
        "refusal_ground": "incomplete",
        "refusal_reason": "未提交已履行行政处罚决定的证明材料，请补齐后重新申请。",
    },
}
GOOD_INFO_STATEMENT = "申请对本单位获得的表彰奖励信息不予公开。（演示）"
INTERVIEW_NOTES = "督促企业履行行政处罚决定，告知信用修复的条件和程序。（演示）"


# The newest repairable records are left alone: the objections step and the browser tests take
# the newest records still disclosed, and on a later date (the clock moved) few are left.
LEFT_FOR_OTHERS = 2


def _candidates(provider, policy, used: set[int]) -> list[CreditRecord]:
    """General dishonest records of organisations that may be repaired today, not disputed and
    in no application yet, one per subject, the oldest first; the newest LEFT_FOR_OTHERS are
    not taken."""
    records = (
        CreditRecord.objects.filter(
            provider=provider,
            category=Category.DISHONEST,
            severity=Severity.GENERAL,
            status=RecordStatus.ACTIVE,
            objection_since__isnull=True,
            objections__isnull=True,
            repair_applications__isnull=True,
        )
        .exclude(subject__kind=SubjectType.NATURAL_PERSON)
        .exclude(subject__in=used)
        .select_related("subject", "item")
        .order_by("id")
    )
    picked, subjects = [], set()
    for record in records:
        if record.subject_id in subjects or checks.record_problems(record, record.subject, policy):
            continue
        subjects.add(record.subject_id)
        picked.append(record)
    return picked[:-LEFT_FOR_OTHERS] if len(picked) > LEFT_FOR_OTHERS else []


def seed(stdout) -> None:
    clerk = User.objects.filter(username="clerk", role=Role.CLERK).first()
    officer = User.objects.filter(username="officer_market", role=Role.OFFICER).select_related("organization").first()
    if clerk is None or officer is None or officer.organization.name != MARKET:
        stdout.write("repair: no demo clerk or market officer; no demo repair data")
        return
    policy = active_policy()
    statements = [statement for statement, _steps in DEMO_APPLICATIONS]
    used = set(RepairApplication.objects.filter(statement__in=statements).values_list("subject_id", flat=True))
    candidates = iter(_candidates(officer.organization, policy, used))
    added = []
    for statement, steps in DEMO_APPLICATIONS:
        if RepairApplication.objects.filter(statement=statement).exists():
            continue
        record = next(candidates, None)
        if record is None:
            stdout.write("repair: no repairable record of the market agency left; skipped")
            break
        application = services.repair_file(
            by=clerk,
            subject=record.subject,
            records=[record],
            means=MEANS,
            statement=statement,
            applicant_name=record.subject.name,
            applicant_contact=f"025-8{6000000 + record.pk}",
            channel=Channel.FORWARDED if steps else Channel.WINDOW,
            commitment_signed=True,
            scan_required=False,
            reason=REASON,
        )
        for step in steps:
            services.repair_step(application, step, by=officer, reason=REASON, **STEP_DATA.get(step, {}))
        added.append(application.get_status_display())
    added += _good_info(clerk) + _interview(officer)
    if added:
        stdout.write(f"repair: {len(added)} demo items ({'、'.join(added)})")
    else:
        stdout.write("repair: demo repair data already present; nothing to add")


def _good_info(clerk) -> list[str]:
    if GoodInfoRequest.objects.filter(statement=GOOD_INFO_STATEMENT).exists():
        return []
    record = (
        CreditRecord.objects.filter(category=Category.GOOD, status=RecordStatus.ACTIVE)
        .exclude(subject__kind=SubjectType.NATURAL_PERSON)
        .select_related("subject")
        .order_by("id")
        .first()
    )
    if record is None:
        return []
    request = good_info.good_info_file(
        by=clerk,
        subject=record.subject,
        records=[record],
        applicant_name=record.subject.name,
        applicant_contact=f"025-8{5000000 + record.pk}",
        statement=GOOD_INFO_STATEMENT,
        reason=REASON,
    )
    good_info.good_info_step(request, "apply", by=clerk, reason=REASON)
    return [str(request.get_status_display())]


def _interview(officer) -> list[str]:
    if Interview.objects.filter(notes=INTERVIEW_NOTES).exists():
        return []
    record = (
        CreditRecord.objects.filter(
            provider=officer.organization, category=Category.DISHONEST, status=RecordStatus.ACTIVE
        )
        .exclude(subject__kind=SubjectType.NATURAL_PERSON)
        .select_related("subject")
        .order_by("-id")
        .first()
    )
    if record is None:
        return []
    interviews.interview_record(
        by=officer,
        subject=record.subject,
        kind="prompt",
        held_on=timezone.localdate() - datetime.timedelta(days=3),
        participants=f"{record.subject.name}法定代表人、{officer.organization.name}执法人员",
        notes=INTERVIEW_NOTES,
        records=[record],
        reason=REASON,
    )
    return [str(Interview._meta.verbose_name)]
