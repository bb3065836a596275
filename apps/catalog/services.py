"""Writes of the catalog app: drafting, the lifecycle of catalogs, measure lists and exemption
lists, consultation comments. Every function takes the acting user and a reason."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.catalog.choices import DEFAULT_REPORT_SECTION, Category, Level, ListStatus, PeriodRule, SubjectType
from apps.catalog.models import (
    Catalog,
    CatalogItem,
    ConsultationComment,
    ExemptionList,
    ExemptionRule,
    ListDocument,
    Measure,
    MeasureList,
)
from apps.catalog.schema import validate_field_schema
from apps.core.audit import audited_save
from apps.core.choices import Role
from apps.core.exceptions import Conflict
from apps.core.services import require_reason

MSG_NOT_DRAFT = gettext_lazy("Only a draft can be changed; this one is “{status}”. Start a new version instead.")
MSG_WRONG_STATUS = gettext_lazy("This step needs the status “{needed}”; the list is “{status}”.")
MSG_CODE_TAKEN = gettext_lazy("The code {code} is already used in this list by “{name}”.")
MSG_EMPTY = gettext_lazy("A list without entries cannot be put to consultation.")
MSG_CONSULTATION_DATES = gettext_lazy("The consultation needs a start date and an end date on or after it.")
MSG_CONSULTATION_START = gettext_lazy("The consultation cannot start in the past.")
MSG_CONSULTATION_RUNNING = gettext_lazy("The consultation runs until {end}; it can be approved after it ends.")
MSG_APPROVAL_DOCUMENT = gettext_lazy("Give the number of the approving document.")
MSG_ONLY_AUTHORITY = gettext_lazy("Only the credit authority approves and publishes.")
MSG_ONLY_DRAFTERS = gettext_lazy("Only the credit office drafts catalogs and lists.")
MSG_NO_COMMENTS = gettext_lazy("Comments are taken only during the public consultation.")
MSG_NATIONAL_CODE = gettext_lazy(
    "The code {code} is a national base catalog item (“{name}”); a {level} item may not redefine it."
)
MSG_PERIOD_MONTHS = gettext_lazy("Give the item's own period in months.")
MSG_SUBJECT_TYPES = gettext_lazy("Choose at least one subject type.")
MSG_NEWER_DRAFT = gettext_lazy("A draft or pending version of this level already exists: {document}.")


def is_drafter(user) -> bool:
    """The credit office drafts catalogs and lists (Nanjing art. 25 puts the authority in charge
    of organising them; the credit office does the drafting)."""
    return user.is_superuser or (user.role == Role.CLERK and user.has_perm("catalog.change_catalog"))


def require_drafter(by) -> None:
    if by is None or not is_drafter(by):
        raise PermissionDenied(str(MSG_ONLY_DRAFTERS))


def require_authority(by) -> None:
    if by is None or not by.has_perm("catalog.approve_catalog"):
        raise PermissionDenied(str(MSG_ONLY_AUTHORITY))


def _require_status(document: ListDocument, status: str) -> None:
    if document.status != status:
        raise Conflict(
            str(MSG_WRONG_STATUS).format(needed=ListStatus(status).label, status=document.get_status_display())
        )


def require_draft(document: ListDocument) -> None:
    if document.status != ListStatus.DRAFT:
        raise Conflict(str(MSG_NOT_DRAFT).format(status=document.get_status_display()))


def _lock(document: ListDocument) -> ListDocument:
    """Lock the row and refresh the caller's instance in place, so that checks see the current
    status and the caller's object reflects the step."""
    document.refresh_from_db(from_queryset=type(document).objects.select_for_update())
    return document


# --- documents ----------------------------------------------------------------------------


@transaction.atomic
def list_create(model: type[ListDocument], *, by, level: str, title: str, reason: str, note: str = "") -> ListDocument:
    """Start an empty draft of the next version at `level`."""
    require_drafter(by)
    reason = require_reason(reason)
    pending = model.objects.filter(
        level=level, status__in=[ListStatus.DRAFT, ListStatus.CONSULTATION, ListStatus.APPROVED]
    ).first()
    if pending is not None:
        raise Conflict(str(MSG_NEWER_DRAFT).format(document=pending))
    version = (model.objects.filter(level=level).aggregate(Max("version"))["version__max"] or 0) + 1
    document = model(level=level, title=title.strip(), version=version, note=note)
    document.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            return audited_save(document, by=by, reason=reason)
    except IntegrityError:
        raise Conflict(str(MSG_NEWER_DRAFT).format(document=f"{document.get_level_display()} v{version}")) from None


@transaction.atomic
def list_new_version(published: ListDocument, *, by, reason: str) -> ListDocument:
    """A new draft that starts as a copy of the published version (entries included)."""
    require_drafter(by)
    reason = require_reason(reason)
    _require_status(published, ListStatus.PUBLISHED)
    model = type(published)
    document = list_create(model, by=by, level=published.level, title=published.title, reason=reason)
    document.based_on = published
    audited_save(document, by=by, reason=reason)
    for entry in published.entries():
        providers = list(entry.providers.all()) if isinstance(entry, CatalogItem) else None
        entry.pk = None
        entry._state.adding = True
        setattr(entry, _parent_field(model), document)
        audited_save(entry, by=by, reason=reason)
        if providers is not None:
            entry.providers.set(providers)
    return document


def _parent_field(model: type[ListDocument]) -> str:
    return {Catalog: "catalog", MeasureList: "measure_list", ExemptionList: "exemption_list"}[model]


@transaction.atomic
def list_update(document: ListDocument, *, by, reason: str, **changes) -> ListDocument:
    """Change a draft's title or note."""
    require_drafter(by)
    document = _lock(document)
    require_draft(document)
    for name in ("title", "note"):
        if name in changes:
            setattr(document, name, changes[name])
    document.full_clean()
    return audited_save(document, by=by, reason=require_reason(reason))


@transaction.atomic
def list_open_consultation(
    document: ListDocument, *, by, start: datetime.date, end: datetime.date, reason: str
) -> ListDocument:
    """draft → consultation (向社会公开征求意见, Nanjing arts. 25 and 33, Tianjin art. 10)."""
    require_drafter(by)
    reason = require_reason(reason)
    document = _lock(document)
    _require_status(document, ListStatus.DRAFT)
    if not document.entries().exists():
        raise ValidationError(str(MSG_EMPTY), code="empty")
    if not start or not end or end < start:
        raise ValidationError({"consultation_end": str(MSG_CONSULTATION_DATES)})
    if start < timezone.localdate():
        raise ValidationError({"consultation_start": str(MSG_CONSULTATION_START)})
    document.status = ListStatus.CONSULTATION
    document.consultation_start, document.consultation_end = start, end
    return audited_save(document, by=by, reason=reason)


@transaction.atomic
def list_reopen(document: ListDocument, *, by, reason: str) -> ListDocument:
    """consultation → draft, to revise the entries after the comments."""
    require_drafter(by)
    reason = require_reason(reason)
    document = _lock(document)
    _require_status(document, ListStatus.CONSULTATION)
    document.status = ListStatus.DRAFT
    return audited_save(document, by=by, reason=reason)


@transaction.atomic
def list_approve(document: ListDocument, *, by, approval_document: str, reason: str) -> ListDocument:
    """consultation → approved, by the authority, once the consultation has ended."""
    require_authority(by)
    reason = require_reason(reason)
    document = _lock(document)
    _require_status(document, ListStatus.CONSULTATION)
    if document.consultation_end and document.consultation_end > timezone.localdate():
        raise Conflict(str(MSG_CONSULTATION_RUNNING).format(end=document.consultation_end))
    if not approval_document or not approval_document.strip():
        raise ValidationError({"approval_document": str(MSG_APPROVAL_DOCUMENT)})
    document.status = ListStatus.APPROVED
    document.approval_document = approval_document.strip()
    document.approved_at, document.approved_by = timezone.now(), by
    return audited_save(document, by=by, reason=reason)


@transaction.atomic
def list_publish(
    document: ListDocument, *, by, effective_date: datetime.date | None = None, reason: str
) -> ListDocument:
    """approved → published; the previously published version of the same level is superseded."""
    require_authority(by)
    reason = require_reason(reason)
    document = _lock(document)
    _require_status(document, ListStatus.APPROVED)
    now = timezone.now()
    model = type(document)
    for previous in model.objects.select_for_update().filter(level=document.level, status=ListStatus.PUBLISHED):
        previous.status = ListStatus.SUPERSEDED
        previous.superseded_at = now
        audited_save(previous, by=by, reason=_("Superseded by %(document)s") % {"document": document})
    document.status = ListStatus.PUBLISHED
    document.effective_date = effective_date or timezone.localdate()
    document.published_at, document.published_by = now, by
    return audited_save(document, by=by, reason=reason)


# --- comments -------------------------------------------------------------------------------


@transaction.atomic
def comment_add(document: ListDocument, *, by, text: str, on_behalf_of: str = "") -> ConsultationComment:
    """A comment during the consultation: from the acting user (an agency officer, a clerk, the
    authority), or a comment received from the public that a clerk enters `on_behalf_of` its author."""
    if not by.has_perm("catalog.add_consultationcomment"):
        raise PermissionDenied
    _lock(document)
    if document.status != ListStatus.CONSULTATION:
        raise Conflict(str(MSG_NO_COMMENTS))
    if not text or not text.strip():
        raise ValidationError({"text": _("Write the comment.")})
    on_behalf_of = (on_behalf_of or "").strip()
    if on_behalf_of:
        require_drafter(by)
        comment = ConsultationComment(document=document, author_name=on_behalf_of, text=text.strip())
    else:
        comment = ConsultationComment(document=document, author=by, organization=by.organization, text=text.strip())
    return audited_save(comment, by=by, reason=_("Consultation comment"))


@transaction.atomic
def comment_reply(comment: ConsultationComment, *, by, reply: str) -> ConsultationComment:
    require_drafter(by)
    if not reply or not reply.strip():
        raise ValidationError({"reply": _("Write the reply.")})
    comment.reply = reply.strip()
    comment.replied_at, comment.replied_by = timezone.now(), by
    return audited_save(comment, by=by, reason=_("Reply to a consultation comment"))


# --- entries --------------------------------------------------------------------------------


def _national_clash(item: CatalogItem) -> CatalogItem | None:
    if item.catalog.level == Level.NATIONAL:
        return None
    return (
        CatalogItem.objects.filter(
            catalog__level=Level.NATIONAL,
            catalog__status__in=[ListStatus.PUBLISHED, ListStatus.APPROVED, ListStatus.CONSULTATION, ListStatus.DRAFT],
            code=item.code,
        )
        .select_related("catalog")
        .order_by("-catalog__version")
        .first()
    )


def _require_code_free(entry, parent_field: str) -> None:
    """A code is used once per document (the database index backs this up against races)."""
    if not entry.code:
        return
    taken = (
        type(entry)
        .objects.filter(**{f"{parent_field}_id": getattr(entry, f"{parent_field}_id"), "code": entry.code})
        .exclude(pk=entry.pk)
        .first()
    )
    if taken is not None:
        label = getattr(taken, "name", "") or getattr(taken, "conduct", "")
        raise ValidationError({"code": str(MSG_CODE_TAKEN).format(code=entry.code, name=label[:40])})


def catalog_item_clean(item: CatalogItem) -> None:
    """The rules an item must satisfy, field by field (raises ValidationError)."""
    errors: dict[str, list[str]] = {}
    given = item.subject_types if isinstance(item.subject_types, list) else []
    subject_types = [t for t in given if t in SubjectType.values]
    if not subject_types:
        errors.setdefault("subject_types", []).append(str(MSG_SUBJECT_TYPES))
    item.subject_types = subject_types
    if item.category == Category.DISHONEST:
        # Tianjin art. 12: 记录失信信息应当以具有法律效力的文书为依据.
        item.document_required = True
    elif item.severity:
        errors.setdefault("severity", []).append(_("Only dishonest items have a severity."))
    if item.period_rule == PeriodRule.ITEM and not item.period_months:
        errors.setdefault("period_months", []).append(str(MSG_PERIOD_MONTHS))
    if item.period_rule != PeriodRule.ITEM:
        item.period_months = None
    if not item.report_section and item.category in DEFAULT_REPORT_SECTION:
        item.report_section = DEFAULT_REPORT_SECTION[item.category]
    try:
        item.record_fields = validate_field_schema(
            item.record_fields, consent_collected=item.consent_collected, subject_types=subject_types
        )
    except ValidationError as error:
        errors.setdefault("record_fields", []).extend(error.messages)
    clash = _national_clash(item)
    if clash is not None:
        errors.setdefault("code", []).append(
            str(MSG_NATIONAL_CODE).format(code=item.code, name=clash.name, level=item.catalog.get_level_display())
        )
    try:
        _require_code_free(item, "catalog")
        item.full_clean(validate_constraints=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def catalog_item_save(item: CatalogItem, *, by, reason: str, providers=None) -> CatalogItem:
    """Create or change an item of a draft catalog."""
    require_drafter(by)
    reason = require_reason(reason)
    require_draft(_lock(item.catalog))
    catalog_item_clean(item)
    audited_save(item, by=by, reason=reason)
    if providers is not None:
        item.providers.set(providers)
    return item


@transaction.atomic
def entry_remove(entry, *, by, reason: str) -> None:
    """Take an entry out of a draft (the deletion is kept in the entry's history)."""
    require_drafter(by)
    reason = require_reason(reason)
    document = getattr(entry, "catalog", None) or getattr(entry, "measure_list", None) or entry.exemption_list
    require_draft(_lock(document))
    entry._change_reason = reason
    entry._history_user = by
    entry.delete()


@transaction.atomic
def measure_save(measure: Measure, *, by, reason: str) -> Measure:
    require_drafter(by)
    reason = require_reason(reason)
    require_draft(_lock(measure.measure_list))
    measure_clean(measure)
    return audited_save(measure, by=by, reason=reason)


def measure_clean(measure: Measure) -> None:
    """The matters are a list of known matters; the code is unique within the list."""
    from apps.catalog.choices import Matter

    errors: dict[str, list[str]] = {}
    matters = measure.matters if isinstance(measure.matters, list) else None
    if not matters or any(m not in Matter.values for m in matters):
        errors["matters"] = [_("Choose the matters the measure applies in.")]
    try:
        _require_code_free(measure, "measure_list")
        measure.full_clean(validate_constraints=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def exemption_rule_save(rule: ExemptionRule, *, by, reason: str) -> ExemptionRule:
    require_drafter(by)
    reason = require_reason(reason)
    require_draft(_lock(rule.exemption_list))
    _require_code_free(rule, "exemption_list")
    rule.full_clean(validate_constraints=False)
    return audited_save(rule, by=by, reason=reason)


# --- reference data -------------------------------------------------------------------------------


@transaction.atomic
def reference_list_load(model: type[ListDocument], data: dict, *, source: str) -> ListDocument | None:
    """Record a list that was already approved and published elsewhere (the national base
    catalog, a city's measure list) from reference data. Returns None when a list of that title,
    or a published list of that level, is already here: loading is idempotent and never
    supersedes what is in force (a new version goes through the lifecycle)."""
    from apps.core.choices import OrganizationKind
    from apps.core.models import Organization

    same_level = model.objects.filter(level=data["level"])
    if same_level.filter(title=data["title"]).exists() or same_level.filter(status=ListStatus.PUBLISHED).exists():
        return None
    reason = f"Reference data: {source}"
    version = (model.objects.filter(level=data["level"]).aggregate(Max("version"))["version__max"] or 0) + 1
    now = timezone.now()
    document = model(
        level=data["level"],
        title=data["title"],
        version=version,
        note=data.get("note", ""),
        approval_document=data.get("approval_document", ""),
        approved_at=now,
        effective_date=data.get("effective_date") or timezone.localdate(),
        published_at=now,
        status=ListStatus.PUBLISHED,
    )
    document.full_clean()
    audited_save(document, by=None, reason=reason)
    entry_model = document.entries().model
    agencies = Organization.objects.filter(kind=OrganizationKind.AGENCY)
    for position, raw in enumerate(
        data.get({Catalog: "items", MeasureList: "measures", ExemptionList: "rules"}[model], [])
    ):
        values = dict(raw)
        fragments = values.pop("providers", [])
        entry = entry_model(**{_parent_field(model): document, "position": position, **values})
        if isinstance(entry, CatalogItem):
            catalog_item_clean(entry)
        else:
            entry.full_clean(exclude=[_parent_field(model)])
        audited_save(entry, by=None, reason=reason)
        if isinstance(entry, CatalogItem):
            entry.providers.set([org for org in agencies if any(f in org.name for f in fragments)])
    return document
