"""Demo step for the objections a credit service agency receives (run by `seed_demo`): the rating
agency (诚信评级) received an objection to one of its rating reports today and marked it; its
decision is due within the city's days from receipt (what its staff's workbench shows). Through
the services (`agency_objection_receive`, `agency_objection_step`), so the clocks and the history
are the real ones; known by its report number, so a later run adds nothing."""

from __future__ import annotations

from apps.core.choices import Role
from apps.core.models import User
from apps.objections import agency
from apps.objections.choices import Ground
from apps.objections.models import AgencyObjection

REASON = "演示数据：信用服务机构收到的异议"
REPORT_NUMBER = "CXPJ-DEMO-0042"


def seed(stdout) -> None:
    staff = User.objects.filter(username="agency_rating", role=Role.AGENCY_STAFF).select_related("organization").first()
    if staff is None:
        stdout.write("agency objections: no demo agency staff; no demo objection")
        return
    if AgencyObjection.objects.filter(agency=staff.organization, report_number=REPORT_NUMBER).exists():
        stdout.write("agency objections: demo objection already present; nothing to add")
        return
    objection = agency.agency_objection_receive(
        by=staff,
        applicant_name="南京宏远建材有限公司",
        applicant_contact="025-84561234",
        report_number=REPORT_NUMBER,
        information="主体信用评级报告“经营风险”部分所列2024年度欠缴社会保险费记录",
        grounds=[Ground.ERROR],
        statement="该笔社会保险费已于2024年12月补缴完毕，评级报告仍将其列为欠缴，请予更正。",
        reason=REASON,
    )
    agency.agency_objection_step(objection, "mark", by=staff, reason="收到异议申请，作出异议标注")
    stdout.write(f"agency objections: 1 demo objection at {staff.organization.name} (marked, to decide)")
