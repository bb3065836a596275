"""Documents the platform issues (出具的文书) and files uploaded to it (附件). Both are append-only:
what a subject received, and what was handed in, never changes afterwards. The services and the
upload validator are in `apps.core.documents`.

Both belong to an owner object of any app (a credit report, a listing case, an objection)
through a generic relation, so that core does not import the apps above it.
"""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.choices import AttachmentPurpose, DocumentKind


class IssuedDocument(models.Model):
    """A document issued to a subject: a credit report, a prior notice, a decision, a reply.

    Rendered once, at issue: the HTML and the PDF are stored with the SHA-256 of the PDF, and
    every download serves those stored bytes, so that a later change of the template never
    changes a document already issued. The verification code lets anyone holding the document
    check it on the public page, which shows the kind, the issue date, the masked name and the
    hash, never the content.
    """

    append_only = True
    organization_scope = "issued_by__organization"

    id = models.BigAutoField("ID", primary_key=True)
    kind = models.CharField(_("kind"), max_length=30, choices=DocumentKind.choices)
    number = models.CharField(_("document number"), max_length=100)
    code = models.CharField(_("verification code"), max_length=24, unique=True)
    owner_type = models.ForeignKey(
        ContentType, verbose_name=_("owner type"), on_delete=models.PROTECT, related_name="+"
    )
    owner_id = models.PositiveBigIntegerField(_("owner ID"))
    owner = GenericForeignKey("owner_type", "owner_id")
    # As the public may see it: a natural person's name masked, an organisation's in full.
    masked_name = models.CharField(_("subject (masked)"), max_length=200, blank=True)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = models.ForeignKey(
        "core.User", verbose_name=_("issued by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    template = models.CharField(_("template"), max_length=200, blank=True)
    pdf = models.FileField(_("PDF"), upload_to="documents/%Y/%m/")
    # Empty for credit reports issued before documents were stored as HTML too.
    html = models.FileField(_("HTML"), upload_to="documents/%Y/%m/", blank=True)
    sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64)

    class Meta:
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        ordering = ["-issued_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["kind", "number"], name="issueddocument_kind_number")]
        indexes = [models.Index(fields=["owner_type", "owner_id"], name="issueddocument_owner")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def html_text(self) -> str:
        """The stored HTML, as issued ("" where none was stored)."""
        if not self.html:
            return ""
        with self.html.open("rb") as stored:
            return stored.read().decode("utf-8")


class Attachment(models.Model):
    """A file uploaded to a case or a lookup: evidence, a proof, an authorisation scan.

    Only PDF, PNG and JPEG files are taken, judged by their content; the stored name is made by
    the platform (no part of the uploader's file name reaches the file system); the original
    name is kept, cleaned, for display.
    """

    append_only = True
    organization_scope = "uploaded_by__organization"

    id = models.BigAutoField("ID", primary_key=True)
    owner_type = models.ForeignKey(
        ContentType, verbose_name=_("owner type"), on_delete=models.PROTECT, related_name="+"
    )
    owner_id = models.PositiveBigIntegerField(_("owner ID"))
    owner = GenericForeignKey("owner_type", "owner_id")
    purpose = models.CharField(_("kind of file"), max_length=20, choices=AttachmentPurpose.choices)
    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("file type"), max_length=50)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # None: uploaded by the public, with no account (the evidence of an online objection).
    uploaded_by = models.ForeignKey(
        "core.User", verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["owner_type", "owner_id"], name="attachment_owner")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"
