"""Demo step for pushed credit reports (Nanjing art. 65, run by `seed_demo` after the agencies):
the market regulator pushes a rating report of each demo agency that it used in a government
matter about a demo company. Through the service, so the file is checked and the history is
real; a later run finds them and adds nothing. (No demo agency is restricted, so none is
flagged; recording a false-report spot check on the workbench flags them at once.)"""

from __future__ import annotations

import datetime

from django.core.files.base import ContentFile
from django.utils import timezone

from apps.core.choices import OrganizationKind, Role
from apps.core.documents import render_pdf
from apps.core.models import Organization, User
from apps.service_agencies.models import PushedReport
from apps.service_agencies.pushed import pushed_report_push
from apps.subjects.models import Subject

REPORTS = [
    # (agency code, kind of matter, matter, number, days before today, conclusion)
    (
        "91320100MA1XY0001L",
        "procurement",
        "2026年南京市市政道路养护服务政府采购项目（供应商资格审查）",
        "CXPJ-{year}-0211",
        35,
        "主体信用等级AA，评级展望稳定",
    ),
    (
        "91320100MA1XY0002P",
        "subsidy",
        "{year}年度科技型中小企业发展专项资金申报",
        "MJXY-{year}-0058",
        12,
        "信用状况良好，未发现严重失信记录",
    ),
]


def _pdf(number: str, conclusion: str) -> ContentFile:
    html = f"<html><body><h1>信用评级报告 {number}</h1><p>评级结论：{conclusion}</p></body></html>"
    return ContentFile(render_pdf(html), name=f"{number}.pdf")


def seed(stdout) -> None:
    officer = User.objects.filter(username="officer_market", role=Role.OFFICER).first()
    agencies = {o.unified_code: o for o in Organization.objects.filter(kind=OrganizationKind.SERVICE_AGENCY)}
    codes = {code for code, *_rest in REPORTS}
    company = Subject.objects.filter(kind="legal_person").exclude(identifier__in=agencies).order_by("id").first()
    if officer is None or not codes <= set(agencies) or company is None:
        stdout.write("pushed reports: no demo officer, agencies or company; no demo pushed reports")
        return
    if PushedReport.objects.filter(pushing_org=officer.organization).exists():
        stdout.write("pushed reports: demo pushed reports already present; nothing to add")
        return
    today = timezone.localdate()
    for code, kind, matter, number, days, conclusion in REPORTS:
        number = number.format(year=today.year)
        pushed_report_push(
            by=officer,
            reason="演示数据：采购、扶持资金评审中使用的信用报告推送",
            agency=agencies[code],
            subject_identifier=company.identifier,
            matter_kind=kind,
            matter=matter.format(year=today.year),
            report_number=number,
            report_date=today - datetime.timedelta(days=days),
            conclusion=conclusion,
            file=_pdf(number, conclusion),
        )
    stdout.write(f"pushed reports: {len(REPORTS)} demo reports pushed on {company.display_name}")
