"""Writes of the catalog app: drafting, the lifecycle of catalogs, measure lists and exemption
lists, consultation comments. Every function takes the acting user and a reason."""

from __future__ import annotations

import datetime
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.catalog.choices import (
    DEFAULT_REPORT_SECTION,
    Category,
    Disclosure,
    Level,
    ListStatus,
    PeriodRule,
    SubjectType,
)
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
from apps.core.workflow import Step, Workflow, lock

MSG_NOT_DRAFT = gettext_lazy("Only a draft can be changed; this one is “{status}”. Start a new version instead.")
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
MSG_SHOWN_WITH_ORGANISATION = gettext_lazy(
    "Only an item of natural persons whose information is disclosed to the public can show it under the "
    "organisations they are responsible for."
)
MSG_NEWER_DRAFT = gettext_lazy("A draft or pending version of this level already exists: {document}.")


def is_drafter(user) -> bool:
    """The credit office drafts catalogs and lists (Nanjing art. 25 puts the authority in charge
    of organising them; the credit office does the drafting)."""
    return user.is_superuser or (user.role == Role.CLERK and user.has_perm("catalog.change_catalog"))


def require_drafter(by) -> None:
    if by is None or not is_drafter(by):
        raise PermissionDenied(str(MSG_ONLY_DRAFTERS))


def is_authority(user) -> bool:
    return user is not None and user.has_perm("catalog.approve_catalog")


def require_authority(by) -> None:
    if not is_authority(by):
        raise PermissionDenied(str(MSG_ONLY_AUTHORITY))


def require_draft(document: ListDocument) -> None:
    if not LIST_LIFECYCLE.is_editable(document):
        raise Conflict(str(MSG_NOT_DRAFT).format(status=document.get_status_display()))


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


def list_new_version(published: ListDocument, *, by, reason: str) -> ListDocument:
    """A new draft that starts as a copy of the published version (entries included)."""
    LIST_LIFECYCLE.transition(published, "new-version", by=by, reason=reason)
    return published.new_version


def _copy_as_new_version(published: ListDocument, *, by, reason: str) -> None:
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
    published.new_version = document


def takes_comments(document: ListDocument) -> bool:
    """Comments are taken while the public consultation runs."""
    return document.status == ListStatus.CONSULTATION


def _parent_field(model: type[ListDocument]) -> str:
    return {Catalog: "catalog", MeasureList: "measure_list", ExemptionList: "exemption_list"}[model]


@transaction.atomic
def list_update(document: ListDocument, *, by, reason: str, **changes) -> ListDocument:
    """Change a draft's title or note."""
    require_drafter(by)
    document = lock(document)
    require_draft(document)
    for name in ("title", "note"):
        if name in changes:
            setattr(document, name, changes[name])
    document.full_clean()
    return audited_save(document, by=by, reason=require_reason(reason))


def list_open_consultation(
    document: ListDocument, *, by, start: datetime.date, end: datetime.date, reason: str
) -> ListDocument:
    """draft → consultation (向社会公开征求意见, Nanjing arts. 25 and 33, Tianjin art. 10)."""
    return LIST_LIFECYCLE.transition(document, "consultation", by=by, reason=reason, start=start, end=end)


def _check_consultation(document: ListDocument, *, by, reason: str, start: datetime.date, end: datetime.date) -> None:
    if not document.entries().exists():
        raise ValidationError(str(MSG_EMPTY), code="empty")
    if not start or not end or end < start:
        raise ValidationError({"consultation_end": str(MSG_CONSULTATION_DATES)})
    if start < timezone.localdate():
        raise ValidationError({"consultation_start": str(MSG_CONSULTATION_START)})
    document.consultation_start, document.consultation_end = start, end


def list_reopen(document: ListDocument, *, by, reason: str) -> ListDocument:
    """consultation → draft, to revise the entries after the comments."""
    return LIST_LIFECYCLE.transition(document, "reopen", by=by, reason=reason)


def list_approve(document: ListDocument, *, by, approval_document: str, reason: str) -> ListDocument:
    """consultation → approved, by the authority, once the consultation has ended."""
    return LIST_LIFECYCLE.transition(document, "approve", by=by, reason=reason, approval_document=approval_document)


def _consultation_over(document: ListDocument) -> str | None:
    if document.consultation_end and document.consultation_end > timezone.localdate():
        return str(MSG_CONSULTATION_RUNNING).format(end=document.consultation_end)
    return None


def _check_approval(document: ListDocument, *, by, reason: str, approval_document: str) -> None:
    if not approval_document or not approval_document.strip():
        raise ValidationError({"approval_document": str(MSG_APPROVAL_DOCUMENT)})
    document.approval_document = approval_document.strip()
    document.approved_at, document.approved_by = timezone.now(), by


def list_publish(
    document: ListDocument, *, by, effective_date: datetime.date | None = None, reason: str
) -> ListDocument:
    """approved → published; the previously published version of the same level is superseded."""
    return LIST_LIFECYCLE.transition(document, "publish", by=by, reason=reason, effective_date=effective_date)


def _set_publication(document: ListDocument, *, by, reason: str, effective_date: datetime.date | None) -> None:
    model = type(document)
    for previous in model.objects.select_for_update().filter(level=document.level, status=ListStatus.PUBLISHED):
        LIST_LIFECYCLE.transition(
            previous, "supersede", by=by, follow=True, reason=_("Superseded by %(document)s") % {"document": document}
        )
    document.effective_date = effective_date or timezone.localdate()
    document.published_at, document.published_by = timezone.now(), by


def _mark_superseded(document: ListDocument, *, by, reason: str) -> None:
    document.superseded_at = timezone.now()


LIST_LIFECYCLE = Workflow(
    name=gettext_lazy("the lifecycle of catalogs and lists"),
    model=ListDocument,
    states=ListStatus,
    initial=(ListStatus.DRAFT,),
    editable=(ListStatus.DRAFT,),
    refused=MSG_ONLY_DRAFTERS,
    notes={
        ListStatus.DRAFT: gettext_lazy("The credit office is drafting this version."),
        ListStatus.CONSULTATION: gettext_lazy(
            "In public consultation: comments are recorded; the authority approves it after the consultation ends."
        ),
        ListStatus.APPROVED: gettext_lazy("Approved; the credit authority publishes it."),
        ListStatus.PUBLISHED: gettext_lazy("In force. A published version cannot be changed."),
        ListStatus.SUPERSEDED: gettext_lazy("Superseded by a newer version; kept for the record."),
    },
    steps=(
        Step(
            "consultation",
            gettext_lazy("Open the public consultation"),
            sources=(ListStatus.DRAFT,),
            target=ListStatus.CONSULTATION,
            rule=lambda document, user: is_drafter(user),
            apply=_check_consultation,
            help=gettext_lazy(
                "Put the draft to public consultation. Entries can no longer be changed while it runs; "
                "comments can be recorded."
            ),
        ),
        Step(
            "approve",
            gettext_lazy("Approve"),
            sources=(ListStatus.CONSULTATION,),
            target=ListStatus.APPROVED,
            rule=lambda document, user: is_authority(user),
            refused=MSG_ONLY_AUTHORITY,
            guards=(_consultation_over,),
            apply=_check_approval,
            help=gettext_lazy(
                "Approve the version after the consultation ended, with the number of the approving document. "
                "It can then be published."
            ),
        ),
        Step(
            "reopen",
            gettext_lazy("Back to draft"),
            sources=(ListStatus.CONSULTATION,),
            target=ListStatus.DRAFT,
            rule=lambda document, user: is_drafter(user),
            help=gettext_lazy(
                "Take the version back to draft to revise it after the comments; it must then go to consultation again."
            ),
        ),
        Step(
            "publish",
            gettext_lazy("Publish"),
            sources=(ListStatus.APPROVED,),
            target=ListStatus.PUBLISHED,
            rule=lambda document, user: is_authority(user),
            refused=MSG_ONLY_AUTHORITY,
            apply=_set_publication,
            help=gettext_lazy(
                "Publish the version. It takes effect on the effective date, and the version of the same "
                "level now in force is superseded."
            ),
        ),
        Step(
            "new-version",
            gettext_lazy("Start a new version"),
            sources=(ListStatus.PUBLISHED,),
            rule=lambda document, user: is_drafter(user),
            then=_copy_as_new_version,
            help=gettext_lazy("Start a new draft version as a copy of this one."),
        ),
        Step(
            "supersede",
            gettext_lazy("Superseded"),
            sources=(ListStatus.PUBLISHED,),
            target=ListStatus.SUPERSEDED,
            apply=_mark_superseded,
            automatic=True,
        ),
    ),
)


# --- comments -------------------------------------------------------------------------------


@transaction.atomic
def comment_add(document: ListDocument, *, by, text: str, on_behalf_of: str = "") -> ConsultationComment:
    """A comment during the consultation: from the acting user (an agency officer, a clerk, the
    authority), or a comment received from the public that a clerk enters `on_behalf_of` its author."""
    if not by.has_perm("catalog.add_consultationcomment"):
        raise PermissionDenied
    lock(document)
    if not takes_comments(document):
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


# Public comments (/public/catalog/…/consultation/, no login): the consultation is public (the
# city's regulation: the catalog is drafted with the public's comments), so anyone may comment while
# it runs. Abuse control as on the other public forms: a fixed hourly window per client address,
# counted in Django's cache (the address is not stored on the comment), and a length cap.
MSG_PUBLIC_COMMENTS_LIMITED = gettext_lazy(
    "{limit} comments were already sent from your network address within the hour, the most allowed. "
    "Try again later, or send your comment to the credit office in writing."
)
MSG_PUBLIC_COMMENT_LENGTH = gettext_lazy("A comment has at most {limit} characters.")
PUBLIC_COMMENT_MAX_CHARS = 2000
PUBLIC_COMMENT_REASON = gettext_lazy("Consultation comment from the public website")
HOUR = 3600


class CommentsLimited(Exception):
    """Refused for volume (HTTP 429): `str()` is the message, `retry_after` the seconds to wait."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def _public_comment_window(client_ip: str | None) -> tuple[str, int]:
    now = int(time.time())
    return f"catalog:public:comments:{client_ip or '-'}:{now // HOUR}", HOUR - now % HOUR


@transaction.atomic
def comment_add_public(document: ListDocument, *, author_name: str, text: str, client_ip: str | None):
    """A comment from the public website on a list in consultation; no user, the author's name as
    given. Raises CommentsLimited past CATALOG_PUBLIC_COMMENTS_PER_ADDRESS_PER_HOUR, Conflict when
    the consultation is not running, ValidationError naming the field at fault."""
    lock(document)
    if not takes_comments(document):
        raise Conflict(str(MSG_NO_COMMENTS))
    text, author_name = (text or "").strip(), (author_name or "").strip()
    errors = {}
    if not text:
        errors["text"] = _("Write the comment.")
    elif len(text) > PUBLIC_COMMENT_MAX_CHARS:
        errors["text"] = str(MSG_PUBLIC_COMMENT_LENGTH).format(limit=PUBLIC_COMMENT_MAX_CHARS)
    if not author_name:
        errors["author_name"] = _("Give your name or your organisation's.")
    if errors:
        raise ValidationError(errors)
    limit = settings.CATALOG_PUBLIC_COMMENTS_PER_ADDRESS_PER_HOUR
    key, left = _public_comment_window(client_ip)
    if (cache.get(key) or 0) >= limit:
        raise CommentsLimited(str(MSG_PUBLIC_COMMENTS_LIMITED).format(limit=limit), left)
    comment = ConsultationComment(document=document, author_name=author_name[:100], text=text)
    audited_save(comment, by=None, reason=str(PUBLIC_COMMENT_REASON))
    if not cache.add(key, 1, timeout=left + 60):
        try:
            cache.incr(key)
        except ValueError:  # the window ran out in between
            cache.add(key, 1, timeout=HOUR + 60)
    return comment


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
    if item.shown_with_organisation and (
        item.disclosure != Disclosure.PUBLIC or SubjectType.NATURAL_PERSON not in subject_types
    ):
        errors.setdefault("shown_with_organisation", []).append(str(MSG_SHOWN_WITH_ORGANISATION))
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
    require_draft(lock(item.catalog))
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
    require_draft(lock(document))
    entry._change_reason = reason
    entry._history_user = by
    entry.delete()


@transaction.atomic
def measure_save(measure: Measure, *, by, reason: str) -> Measure:
    require_drafter(by)
    reason = require_reason(reason)
    require_draft(lock(measure.measure_list))
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
    require_draft(lock(rule.exemption_list))
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
