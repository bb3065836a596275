"""Demo step for the batch queries (批量查询, Nanjing art. 67; run by `seed_demo` after the
service-agencies step): the rating agency applies for a batch query of ten demo companies with
its agreement (a PDF rendered here), and the credit office's clerk approves it for thirty days;
the agency may run it from its page. Through the services, so the history is the real one; a
later run finds the application and adds nothing."""

from __future__ import annotations

import datetime

from django.core.files.base import ContentFile
from django.utils import timezone

from apps.core.choices import Role
from apps.core.documents import render_pdf
from apps.core.models import User
from apps.service_agencies import services_batch
from apps.service_agencies.models_batch import BatchQueryApplication
from apps.subjects.models import Subject

AGREEMENT_HTML = """<html><body><h1>公共信用信息批量查询服务协议</h1>
<p>甲方：南京市公共信用信息中心　乙方：{agency}</p>
<p>乙方因信用评级业务需要，依据《南京市社会信用条例》第六十七条申请批量查询公共信用信息，
查询结果仅用于约定用途，不得泄露、买卖或超范围使用。</p></body></html>"""


def seed(stdout) -> None:
    staff = User.objects.filter(username="agency_rating", role=Role.AGENCY_STAFF).first()
    clerk = User.objects.filter(username="clerk", role=Role.CLERK).first()
    if staff is None or clerk is None:
        stdout.write("batch queries: no demo agency staff or clerk; no demo batch query")
        return
    if BatchQueryApplication.objects.filter(agency=staff.organization).exists():
        stdout.write("batch queries: demo batch query already present; nothing to add")
        return
    identifiers = list(
        Subject.objects.filter(kind="legal_person").order_by("identifier").values_list("identifier", flat=True)[:10]
    )
    if not identifiers:
        stdout.write("batch queries: no demo companies; no demo batch query")
        return
    agreement = ContentFile(render_pdf(AGREEMENT_HTML.format(agency=staff.organization.name)), name="批量查询协议.pdf")
    ids = ContentFile(("统一社会信用代码\n" + "\n".join(identifiers) + "\n").encode("utf-8"), name="查询名单.csv")
    application = services_batch.batch_apply(
        by=staff,
        reason="演示数据：申请批量查询",
        purpose="为授信客户开展主体信用评级，核查其公共信用信息",
        legal_basis="《南京市社会信用条例》第六十七条；批量查询服务协议",
        subject_count=len(identifiers),
        agreement=agreement,
        identifiers=ids,
    )
    services_batch.batch_step(
        application,
        "approve",
        by=clerk,
        reason="协议齐全，用途符合约定",
        approved_count=len(identifiers),
        valid_until=timezone.localdate() + datetime.timedelta(days=30),
    )
    stdout.write(f"batch queries: 1 approved batch query of {len(identifiers)} companies ({application.number})")
