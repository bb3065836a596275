"""Credit reports of service agencies pushed into the platform (Nanjing art. 65: 信用服务机构出具的
社会信用报告应当由应用或者购买单位及时推送): the body that bought or required an agency's report in
an administrative approval, a government procurement, a tender, the allocation of policy support
funds or another administrative matter pushes it, with the report's file.

A pushed report stays with the body that pushed it (`organization_scope`); the credit office
and auditors read all; agency staff none. It is shown in the subject's credit file to the users
who may read it (`apps.service_agencies.panels`), within the file's logged lookup. Whether its
agency's rating products are restricted (Nanjing art. 69 para. 4) is not stored here: it is
read from the agency's restriction each time it is shown (`pushed.restrictions_of`)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.audit import AuditedModel, history
from apps.service_agencies.choices import MatterKind


class PushedReport(AuditedModel):
    """One credit report of a service agency (信用服务机构出具的社会信用报告) pushed by the body
    that used it in a government matter (Nanjing art. 65). Written once by
    `pushed.pushed_report_push`; the file is judged by its content (PDF, PNG, JPEG) and stored
    under a name the platform makes."""

    organization_scope = "pushing_org"

    agency = models.ForeignKey(
        "core.Organization", verbose_name=_("credit service agency"), on_delete=models.PROTECT, related_name="+"
    )
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name=_("subject"), on_delete=models.PROTECT, related_name="+"
    )
    matter_kind = models.CharField(_("kind of matter"), max_length=12, choices=MatterKind.choices)
    matter = models.TextField(_("matter"))
    report_number = models.CharField(_("report number"), max_length=100)
    report_date = models.DateField(_("report date"))
    conclusion = models.TextField(_("conclusion"))
    file = models.FileField(_("report file"), upload_to="pushed_reports/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(_("SHA-256"), max_length=64)
    pushing_org = models.ForeignKey(
        "core.Organization", verbose_name=_("pushed by (body)"), on_delete=models.PROTECT, related_name="+"
    )
    pushed_by = models.ForeignKey("core.User", verbose_name=_("pushed by"), on_delete=models.PROTECT, related_name="+")
    pushed_on = models.DateField(_("pushed on"))

    history = history()

    class Meta:
        verbose_name = _("pushed credit report")
        verbose_name_plural = _("pushed credit reports")
        ordering = ["-pushed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pushing_org", "agency", "report_number", "subject"], name="one_push_per_report"
            )
        ]
        indexes = [
            models.Index(fields=["subject", "pushed_on"], name="pushed_subject_day"),
            models.Index(fields=["agency"], name="pushed_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.report_number} · {self.agency}"
