"""Demo step for the sanctions app (run by `seed_demo`): a published serious-list case of the
market regulator against a company with a serious dishonest record, a case waiting for the
statement, and a red-list proposal in public notice. Idempotent."""

from django.utils import timezone

from apps.catalog.choices import Category, ListStatus, MeasureTarget
from apps.catalog.models import Measure
from apps.core.models import User
from apps.sanctions import services
from apps.sanctions.choices import ListType
from apps.sanctions.models import ListingCase
from apps.subjects.choices import RecordStatus
from apps.subjects.disclosure import add_months
from apps.subjects.models import CreditRecord, Subject

REASON = "演示数据：名单案件"


def seed(stdout) -> None:
    officer = User.objects.filter(username="officer_market").first()
    if officer is None or ListingCase.objects.filter(deciding_org=officer.organization).exists():
        stdout.write("sanctions: demo cases already present or no demo officer; nothing to add")
        return
    measures = list(
        Measure.objects.filter(measure_list__status=ListStatus.PUBLISHED, applies_to=MeasureTarget.SERIOUS)[:3]
    )
    serious = (
        CreditRecord.objects.filter(
            provider=officer.organization, category=Category.DISHONEST, severity="serious", status=RecordStatus.ACTIVE
        )
        .exclude(subject__kind="natural_person")
        .filter(subject__responsible_people__isnull=False)
        .select_related("subject")
        .order_by("id")
    )
    items = services.listing_items_for(officer.organization)
    if not measures or not items or not serious.exists():
        stdout.write("sanctions: no published measures, listing item or serious record; no demo cases")
        return
    today = timezone.localdate()
    first = serious.first()
    case = services.case_open(
        by=officer,
        list_type=ListType.SERIOUS,
        subject=first.subject,
        facts=f"{first.subject.name}因{first.item.name}（{first.document_number}）被认定为严重违法失信行为。",
        legal_basis="《南京市社会信用条例》第四十条；《市场监督管理严重违法失信名单管理办法》",
        basis_records=[first],
        measures=measures,
        record_item=items[0],
        reason=REASON,
    )
    # The legal representative bears responsibility and is named in the notice (Nanjing art. 43).
    services.case_issue_notice(
        case,
        by=officer,
        notice_number="宁市监信告〔2026〕1号",
        delivered_on=today,
        responsible_people=_responsible(case),
        reason=REASON,
    )
    services.case_record_statement(
        case, by=officer, statement="当事人书面陈述：对事实无异议，已召回问题产品。", reason=REASON
    )
    services.case_decide(
        case,
        by=officer,
        decision_number="宁市监信认〔2026〕1号",
        cause=case.facts,
        listing_start=today,
        listing_end=add_months(today, 36),
        removal_conditions="列入满一年且已纠正失信行为、消除不良影响的，可申请提前移出；列入期满自动移出。",
        remedies="可在收到本决定书之日起六十日内申请行政复议，或者在六个月内依法提起行政诉讼。",
        repair_notice="纠正失信行为后，可以向本机关申请信用修复。",
        statement_finding="经核查，当事人已召回问题产品属实，但不改变违法事实和情节，陈述申辩意见不予采纳。",
        reason=REASON,
    )
    services.case_publish(case, by=officer, reason=REASON)
    pending = serious.exclude(subject=first.subject).first()
    if pending is not None:
        waiting = services.case_open(
            by=officer,
            list_type=ListType.SERIOUS,
            subject=pending.subject,
            facts=f"{pending.subject.name}因{pending.item.name}（{pending.document_number}）拟列入严重失信主体名单。",
            legal_basis="《南京市社会信用条例》第四十条",
            basis_records=[pending],
            measures=measures[:2],
            record_item=items[0],
            reason=REASON,
        )
        # mailed: the statement period starts once the delivery is recorded
        services.case_issue_notice(waiting, by=officer, notice_number="宁市监信告〔2026〕2号", reason=REASON)
    clean = (
        Subject.objects.exclude(kind="natural_person")
        .exclude(records__category=Category.DISHONEST)
        .filter(records__provider=officer.organization)
        .distinct()
        .first()
    )
    if clean is not None:
        red = services.case_open(
            by=officer,
            list_type=ListType.RED,
            subject=clean,
            facts=f"{clean.name}连续三年无失信记录，纳税信用A级。",
            legal_basis="《宁波市社会信用条例（草案）》第二十八条（参照）",
            reason=REASON,
        )
        services.red_start_notice(red, by=officer, reason=REASON)
    stdout.write(
        f"sanctions: 1 published serious-list case, {1 if pending else 0} awaiting the statement, "
        f"{1 if clean else 0} red-list proposal in public notice"
    )


def _responsible(case) -> list:
    """The subject's legal representatives the city's policy lets a listing be recorded for."""
    from apps.core.selectors import active_policy
    from apps.subjects.models import ResponsiblePerson

    roles = set(active_policy().listing_responsible_roles or []) & {"legal_representative"}
    return list(ResponsiblePerson.objects.filter(organization=case.subject, role__in=roles))
