"""Demo step for the subjects app (run by `seed_demo`): credit subjects of the Nanjing demo, their
responsible people, a few hundred credit records sent in by the two demo agencies, and a handful
of credit commitments.

Every write goes through the services: subjects and links with `by=None` (system), records
through the batch ingestion path (`batch_from_rows` → `batch_submit`, as an agency system would
post them) by the agency's officer, so that the checks, the disclosure periods and the history
apply exactly as for real data; the demo clerk integrates most batches.

The data are fixed (a seeded generator spreads the dates), and every row carries a stable source
record id: running `seed_demo` again finds everything on file and adds nothing.

The subjects come from `apps.demo.entities`, the rows of their records from `apps.demo.records`.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from apps.catalog.choices import Category, SubjectType
from apps.catalog.selectors import published_item, published_items
from apps.core.choices import ResponsibleRole
from apps.core.models import User
from apps.demo.entities import OTHER_LINKS, Entity, demo_entities
from apps.demo.records import GROUPS, group_rows
from apps.subjects.choices import BatchStatus, CommitmentStatus
from apps.subjects.ingestion import batch_from_rows, batch_integrate, batch_submit
from apps.subjects.ingestion_jobs import steps_inline
from apps.subjects.models import Commitment, CreditRecord, ImportBatch, ResponsiblePerson
from apps.subjects.services import (
    commitment_record,
    commitment_resolve,
    responsible_person_link,
    subject_get_or_create,
    subject_save,
)

REASON = "Demo data (seed_demo)"
BATCH_REASON = "演示数据归集"
INTEGRATE_REASON = "演示数据：已核查并整合入档"
COMMITMENT_REASON = "演示数据：信用承诺"


def _subjects(persons: list[Entity], organisations: list[Entity]) -> int:
    created = 0
    for entity in persons + organisations:
        subject, new = subject_get_or_create(
            identifier=entity.identifier, name=entity.name, kind=entity.kind, by=None, reason=REASON
        )
        created += new
        if (subject.region_code, subject.industry) != (entity.region, entity.industry):
            subject.region_code, subject.industry = entity.region, entity.industry
            subject = subject_save(subject, by=None, reason=REASON)
        entity.subject = subject
    return created


def _links(persons: list[Entity], organisations: list[Entity]) -> int:
    wanted = []
    for org in organisations:
        role = (
            ResponsibleRole.LEGAL_REPRESENTATIVE if org.kind == SubjectType.LEGAL_PERSON else ResponsibleRole.PRINCIPAL
        )
        wanted.append((org, persons[org.leader], role, org.established))
    for org_index, person_index, role, start in OTHER_LINKS:
        wanted.append((organisations[org_index], persons[person_index], role, start))
    created = 0
    for org, person, role, start in wanted:
        start_date = datetime.date.fromisoformat(start)
        exists = ResponsiblePerson.objects.filter(
            organization=org.subject, person=person.subject, role=role, start_date=start_date, end_date=None
        ).exists()
        if not exists:
            responsible_person_link(
                organization=org.subject,
                person=person.subject,
                role=role,
                start_date=start_date,
                by=None,
                reason=REASON,
            )
            created += 1
    return created


def _records(stdout, officers: dict[str, User], clerk: User | None, persons, organisations) -> tuple[int, int, int]:
    """Send each group in as one batch; returns (records created, batches submitted, integrated)."""
    created = submitted = integrated = 0
    for group in GROUPS:
        officer = officers[group.provider]
        provider = officer.organization
        try:
            item = published_item(group.code)
        except ValidationError:
            stdout.write(f"  {group.code}: not in a published catalog, skipped")
            continue
        provider_ids = set(item.providers.values_list("pk", flat=True))
        if provider_ids and provider.pk not in provider_ids:
            stdout.write(f"  {group.code}: {provider} is not one of its providers, skipped")
            continue
        rows = group_rows(group, item, persons, organisations)
        on_file = set(
            CreditRecord.objects.filter(
                provider=provider, source_record_id__in=[row["source_record_id"] for row in rows]
            ).values_list("source_record_id", flat=True)
        )
        rows = [row for row in rows if row["source_record_id"] not in on_file]
        if not rows:
            continue  # already sent in by an earlier run
        with steps_inline():  # the check and the submit run here, not on a worker
            batch = batch_from_rows(by=officer, item=item, provider=provider, rows=rows)
        if batch.rows_invalid:
            for error in batch.row_errors.all()[:5]:
                stdout.write(f"  {group.code} row {error.row} {error.column}: {error.message}")
        if batch.rows_valid <= 0:
            continue
        with steps_inline():
            batch = batch_submit(batch, by=officer, reason=BATCH_REASON)
        created += batch.rows_created
        submitted += 1
        if group.integrate and clerk is not None:
            batch_integrate(batch, by=clerk, reason=INTEGRATE_REASON)
            integrated += 1
    return created, submitted, integrated


@dataclass(frozen=True)
class Promise:
    organisation: int
    provider: str
    matter: str
    content: str
    made_on: str
    kept: bool | None = None  # None: still pending
    finding: str = ""
    document_number: str = ""
    document_date: str = ""


COMMITMENTS = [
    Promise(
        0,
        "market",
        "administrative_licensing",
        "以告知承诺方式办理第二类医疗器械经营备案，承诺所提交材料真实有效，如有不实自愿承担相应法律责任。",
        "2026-06-10",
    ),
    Promise(
        12,
        "market",
        "market_access",
        "申请变更登记时承诺住所（经营场所）真实合法，并在三个月内补交产权证明。",
        "2026-03-15",
        kept=True,
        finding="已按期补交产权证明，经核查属实。",
    ),
    Promise(
        6,
        "tax",
        "administrative_licensing",
        "以告知承诺方式办理增值税一般纳税人登记，承诺会计核算健全、能够提供准确税务资料。",
        "2026-04-01",
        kept=True,
        finding="后续核查会计核算健全，承诺已履行。",
    ),
    Promise(
        14,
        "market",
        "administrative_licensing",
        "以告知承诺方式申请食品经营许可，承诺经营场所、设施设备符合食品安全条件。",
        "2026-02-20",
        kept=False,
        finding="现场核查发现经营场所与承诺不符，且未在规定期限内整改。",
        document_number="宁市监信认〔2026〕91号",
        document_date="2026-09-08",
    ),
    Promise(
        20,
        "tax",
        "administrative_licensing",
        "办理出口退（免）税备案，承诺提供的出口业务资料真实、完整。",
        "2025-11-05",
        kept=False,
        finding="经核查，部分出口报关单据系伪造，承诺内容与实际不符。",
        document_number="宁税信认〔2026〕27号",
        document_date="2026-07-21",
    ),
    Promise(
        21, "tax", "administrative_licensing", "以告知承诺方式办理涉税证明事项，承诺所述纳税情况属实。", "2026-08-03"
    ),
    Promise(
        28, "market", "daily_supervision", "个体工商户公开承诺：诚信经营、明码标价、不销售假冒伪劣商品。", "2026-01-12"
    ),
]


def _commitments(stdout, officers: dict[str, User], organisations: list[Entity]) -> tuple[int, int]:
    """Returns (commitments recorded, commitments resolved)."""
    recorded = resolved = 0
    for promise in COMMITMENTS:
        officer = officers[promise.provider]
        subject = organisations[promise.organisation].subject
        made_on = datetime.date.fromisoformat(promise.made_on)
        commitment = Commitment.objects.filter(
            subject=subject, matter=promise.matter, made_on=made_on, made_to=officer.organization
        ).first()
        if commitment is None:
            commitment = commitment_record(
                by=officer,
                subject=subject,
                matter=promise.matter,
                content=promise.content,
                made_on=made_on,
                made_to=officer.organization,
                reason=COMMITMENT_REASON,
            )
            recorded += 1
        if promise.kept is None or commitment.status != CommitmentStatus.PENDING:
            continue
        try:
            commitment_resolve(
                commitment,
                by=officer,
                kept=promise.kept,
                finding=promise.finding,
                reason=COMMITMENT_REASON,
                document_number=promise.document_number,
                document_date=datetime.date.fromisoformat(promise.document_date) if promise.document_date else None,
                # GJ0304 asks which kind of breach it was; the rest comes from the finding.
                values=None if promise.kept else {"conduct_type": "承诺内容与实际不符"},
            )
        except ValidationError as error:
            stdout.write(f"  commitment of {subject.name} left pending: {'; '.join(error.messages)}")
            continue
        resolved += 1
    return recorded, resolved


def seed(stdout) -> None:
    if not published_items().exists():
        stdout.write("subjects: no published catalog (load the reference catalogs first); no demo records added")
        return
    users = {u.username: u for u in User.objects.filter(username__in=["officer_market", "officer_tax", "clerk"])}
    if "officer_market" not in users or "officer_tax" not in users:
        stdout.write("subjects: the demo officers officer_market and officer_tax are missing; no demo records added")
        return
    officers = {"market": users["officer_market"], "tax": users["officer_tax"]}
    persons, organisations = demo_entities()

    subjects_created = _subjects(persons, organisations)
    links_created = _links(persons, organisations)
    records_created, batches, integrated = _records(stdout, officers, users.get("clerk"), persons, organisations)
    commitments_recorded, commitments_resolved = _commitments(stdout, officers, organisations)

    demo_ids = [e.identifier for e in persons + organisations]
    records = CreditRecord.objects.filter(subject__identifier__in=demo_ids)
    by_category = Counter(records.values_list("category", flat=True))
    categories = ", ".join(f"{Category(c).label} {by_category[c]}" for c in Category.values)
    statuses = Counter(Commitment.objects.filter(subject__identifier__in=demo_ids).values_list("status", flat=True))
    stdout.write(
        f"subjects: {len(demo_ids)} demo subjects ({len(persons)} persons, {len(organisations)} organisations), "
        f"{subjects_created} new"
    )
    stdout.write(
        f"subjects: {ResponsiblePerson.objects.filter(organization__identifier__in=demo_ids).count()} "
        f"responsible-person links, {links_created} new"
    )
    stdout.write(f"subjects: {records.count()} credit records ({categories}), {records_created} new")
    stdout.write(
        f"subjects: {batches} batches submitted in this run, {integrated} integrated; "
        f"{ImportBatch.objects.filter(status=BatchStatus.SUBMITTED).count()} awaiting integration"
    )
    stdout.write(
        f"subjects: {sum(statuses.values())} commitments "
        f"({', '.join(f'{CommitmentStatus(s).label} {statuses[s]}' for s in CommitmentStatus.values)}), "
        f"{commitments_recorded} new, {commitments_resolved} resolved"
    )
