"""The public credit information catalog (公共信用信息目录), the reward and sanction measure lists
(奖惩措施清单) and the exemption list (轻微失信免罚清单), each with its legal lifecycle.

Nothing may be recorded about a subject unless a published catalog item allows it, and no
sanction may be applied unless a published measure list names it (未经公布不得实施).
"""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.catalog.choices import (
    Category,
    Disclosure,
    Frequency,
    Level,
    ListStatus,
    Matter,
    MeasureKind,
    MeasureTarget,
    PeriodRule,
    ReportSection,
    Severity,
    SubjectType,
)
from apps.core.audit import AuditedModel, history


class ListDocument(AuditedModel):
    """A versioned list with the lifecycle the regulations prescribe (Nanjing arts. 25 and 33,
    Tianjin arts. 10 and 31: drafted, put to public consultation, approved, published).

    draft → consultation     (clerk; needs at least one entry; a start and an end date)
    consultation → draft     (clerk; to revise after the comments)
    consultation → approved  (authority; after the consultation ended; approving document number)
    approved → published     (authority; effective date; the published version of the same level
                              becomes superseded)
    published → superseded   (by the publication of a newer version of the same level)

    Only a draft can be edited; a new version starts as a copy of the published one.
    """

    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    title = models.CharField(_("title"), max_length=200)
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=14, choices=ListStatus.choices, default=ListStatus.DRAFT)
    based_on = models.ForeignKey(
        "self", verbose_name=_("copied from"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    consultation_start = models.DateField(_("consultation starts"), null=True, blank=True)
    consultation_end = models.DateField(_("consultation ends"), null=True, blank=True)
    approval_document = models.CharField(_("approving document number"), max_length=100, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        "core.User", verbose_name=_("approved by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    effective_date = models.DateField(_("effective from"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        "core.User", verbose_name=_("published by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    comments = GenericRelation("catalog.ConsultationComment")

    class Meta:
        abstract = True
        ordering = ["level", "-version"]

    def __str__(self) -> str:
        return f"{self.title}（{self.get_level_display()} v{self.version}）"

    @property
    def is_editable(self) -> bool:
        return self.status == ListStatus.DRAFT

    def entries(self) -> models.QuerySet:
        raise NotImplementedError


class Catalog(ListDocument):
    """A version of the public credit information catalog at one level (目录清单)."""

    history = history()

    class Meta(ListDocument.Meta):
        verbose_name = _("catalog")
        verbose_name_plural = _("catalogs")
        constraints = [models.UniqueConstraint(fields=["level", "version"], name="catalog_level_version")]
        permissions = [("approve_catalog", _("Can approve and publish catalogs and lists"))]

    def entries(self):
        return self.items.all()


class CatalogItem(AuditedModel):
    """One kind of credit record the catalog allows: who provides it, how it is disclosed and for
    how long, and which fields its records carry."""

    catalog = models.ForeignKey(Catalog, verbose_name=_("catalog"), on_delete=models.PROTECT, related_name="items")
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    severity = models.CharField(
        _("severity"),
        max_length=10,
        choices=Severity.choices,
        blank=True,
        help_text=_("For dishonest items; empty when each record states its own severity."),
    )
    subject_types = models.JSONField(_("subject types"), default=list)
    providers = models.ManyToManyField(
        "core.Organization", verbose_name=_("providing organisations"), blank=True, related_name="+"
    )
    disclosure = models.CharField(_("disclosure"), max_length=12, choices=Disclosure.choices)
    sharing_scope = models.CharField(_("sharing scope"), max_length=200, blank=True)
    frequency = models.CharField(_("collection frequency"), max_length=15, choices=Frequency.choices)
    period_rule = models.CharField(_("disclosure period"), max_length=10, choices=PeriodRule.choices)
    period_months = models.PositiveSmallIntegerField(_("period of its own (months)"), null=True, blank=True)
    publish_minor = models.BooleanField(
        _("minor records are published"),
        default=False,
        help_text=_("National rules: minor dishonest records need not be published."),
    )
    # Issue 18: a natural person's actively disclosed record is never found by the person's name on
    # the portal; an item may let it show, masked, under the organisations the person is currently
    # a responsible person of (a legal representative's dishonest record on the company's page).
    shown_with_organisation = models.BooleanField(
        _("shown under the organisation"),
        default=False,
        help_text=_(
            "For items of natural persons disclosed to the public: a person's records are shown on the public "
            "page of each organisation the person is currently responsible for, with the name and identifier "
            "masked."
        ),
    )
    document_required = models.BooleanField(_("legally effective document required"), default=False)
    consent_collected = models.BooleanField(
        _("collected with written consent"),
        default=False,
        help_text=_("Financial details of natural persons need their written consent."),
    )
    legal_basis = models.TextField(_("legal basis"))
    # Nanjing art. 60 para. 3, Dalian art. 44: some dishonest information cannot be repaired
    # (specified crimes, 责令停产停业, 吊销许可证或者执照, what a law excludes). Non-empty: the
    # item's records are not repairable, and this says why, with the article.
    repair_excluded_reason = models.CharField(
        _("not repairable because"),
        max_length=300,
        blank=True,
        help_text=_("Fill in only for information that cannot be repaired, with the provision that excludes it."),
    )
    record_fields = models.JSONField(_("record fields"), default=list, blank=True)
    description = models.TextField(_("description"), blank=True)
    report_section = models.CharField(
        _("credit report section"), max_length=15, choices=ReportSection.choices, blank=True
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    history = history(m2m_fields=["providers"])

    class Meta:
        verbose_name = _("catalog item")
        verbose_name_plural = _("catalog items")
        ordering = ["catalog", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["catalog", "code"], name="catalog_item_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def subject_type_labels(self) -> list[str]:
        return [str(SubjectType(t).label) for t in self.subject_types if t in SubjectType.values]


class MeasureList(ListDocument):
    """A version of the reward and sanction measure list (联合奖惩措施清单)."""

    history = history()

    class Meta(ListDocument.Meta):
        verbose_name = _("measure list")
        verbose_name_plural = _("measure lists")
        constraints = [models.UniqueConstraint(fields=["level", "version"], name="measurelist_level_version")]

    def entries(self):
        return self.measures.all()


class Measure(AuditedModel):
    """One published reward or sanction: what it applies to, in which matters, by whom."""

    measure_list = models.ForeignKey(
        MeasureList, verbose_name=_("measure list"), on_delete=models.PROTECT, related_name="measures"
    )
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=MeasureKind.choices)
    applies_to = models.CharField(_("applies to"), max_length=15, choices=MeasureTarget.choices)
    matters = models.JSONField(_("matters"), default=list)
    implementing_body = models.CharField(_("implementing body"), max_length=200)
    legal_basis = models.TextField(_("legal basis"))
    content = models.TextField(_("content"))
    duration = models.CharField(_("duration"), max_length=200, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    history = history()

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["measure_list", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["measure_list", "code"], name="measure_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def matter_labels(self) -> list[str]:
        return [str(Matter(m).label) for m in self.matters if m in Matter.values]


class ExemptionList(ListDocument):
    """A version of the exemption list for minor first-time dishonest conduct (轻微失信免罚清单,
    Nanjing art. 37)."""

    history = history()

    class Meta(ListDocument.Meta):
        verbose_name = _("exemption list")
        verbose_name_plural = _("exemption lists")
        constraints = [models.UniqueConstraint(fields=["level", "version"], name="exemptionlist_level_version")]

    def entries(self):
        return self.rules.all()


class ExemptionRule(AuditedModel):
    """Minor, first-time conduct exempt from sanctions: the subject enters the key-attention list
    instead (Nanjing art. 37)."""

    exemption_list = models.ForeignKey(
        ExemptionList, verbose_name=_("exemption list"), on_delete=models.PROTECT, related_name="rules"
    )
    code = models.CharField(_("code"), max_length=30)
    item_code = models.CharField(
        _("catalog item code"), max_length=30, help_text=_("The catalog item the conduct is recorded under.")
    )
    conduct = models.TextField(_("conduct"))
    conditions = models.TextField(_("conditions"), help_text=_("e.g. first occurrence, minor, no harmful consequence"))
    legal_basis = models.TextField(_("legal basis"))
    position = models.PositiveIntegerField(_("position"), default=0)

    history = history()

    class Meta:
        verbose_name = _("exemption rule")
        verbose_name_plural = _("exemption rules")
        ordering = ["exemption_list", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["exemption_list", "code"], name="exemption_rule_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.conduct[:40]}"


class ConsultationComment(AuditedModel):
    """A comment received during public consultation, with the drafter's reply."""

    content_type = models.ForeignKey(
        ContentType, verbose_name=_("kind of document"), on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(_("document ID"))
    document = GenericForeignKey("content_type", "object_id")
    author = models.ForeignKey(
        "core.User", verbose_name=_("author"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    author_name = models.CharField(_("name"), max_length=100, help_text=_("For comments from the public."), blank=True)
    organization = models.ForeignKey(
        "core.Organization",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    text = models.TextField(_("comment"))
    reply = models.TextField(_("reply"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    replied_by = models.ForeignKey(
        "core.User", verbose_name=_("replied by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = history()

    class Meta:
        verbose_name = _("consultation comment")
        verbose_name_plural = _("consultation comments")
        ordering = ["created_at"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="catalog_comment_document")]

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def author_display(self) -> str:
        if self.author_id:
            org = f"（{self.organization}）" if self.organization_id else ""
            return f"{self.author.get_full_name()}{org}"
        return self.author_name
