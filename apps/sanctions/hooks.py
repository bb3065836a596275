"""What listings change in the subjects app: receivers of its events (connected in
SanctionsConfig.ready)."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from apps.catalog.choices import Category
from apps.sanctions.choices import CaseStatus, ListType


def serious_listing_end(sender=None, *, subject_ids, **kwargs) -> dict[int, datetime.date]:
    """While a subject is on the serious list its dishonest records stay disclosed until the
    listing ends (Nanjing art. 56, Dalian art. 35, Ningbo art. 22)."""
    from django.db.models import Max

    from apps.sanctions.models import ListEntry

    if not hasattr(subject_ids, "resolve_expression"):  # a query of ids stays one (extensions_for)
        subject_ids = list(subject_ids)
    rows = (
        ListEntry.objects.filter(
            subject_id__in=subject_ids,
            active=True,
            end__isnull=False,
            case__list_type=ListType.SERIOUS,
            case__status__in=[CaseStatus.DECIDED, CaseStatus.PUBLISHED],
        )
        .values("subject_id")
        .annotate(last=Max("end"))
    )
    return {row["subject_id"]: row["last"] for row in rows}


def dishonest_record_created(sender=None, *, records, **kwargs) -> None:
    """A new dishonest record during a key-attention validity turns the subject dishonest and
    ends the entry (Nanjing art. 37)."""
    from apps.sanctions.models import ListEntry
    from apps.sanctions.services import key_attention_end

    dishonest = [r for r in records if r.category == Category.DISHONEST]
    if not dishonest:
        return
    by_subject: dict[int, list] = {}
    for record in dishonest:
        by_subject.setdefault(record.subject_id, []).append(record)
    entries = ListEntry.objects.filter(
        subject_id__in=list(by_subject),
        active=True,
        case__list_type=ListType.KEY_ATTENTION,
        case__status=CaseStatus.ACTIVE,
    ).select_related("case")
    for entry in entries:
        basis = set(entry.case.basis_records.values_list("pk", flat=True))
        for record in by_subject[entry.subject_id]:
            if record.pk in basis:
                continue
            if record.determined_on and not (
                entry.start <= record.determined_on <= (entry.end or record.determined_on)
            ):
                continue
            key_attention_end(
                entry.case,
                converted=True,
                by=record.updated_by,
                reason=_("New dishonest record #%(id)s during the key-attention validity") % {"id": record.pk},
            )
            break


def record_cases(sender=None, *, record, user, **kwargs):
    """The list cases resting on a record, for its page (`events.record_links`): those `user`
    may see (an agency its own cases, the platform-wide roles all)."""
    from django.urls import reverse

    from apps.core.permissions import restrict
    from apps.sanctions.models import ListingCase
    from apps.subjects.events import RecordLink, RecordLinks

    if user is None or not user.has_perm("sanctions.view_listingcase"):
        return None
    cases = restrict(ListingCase.objects.filter(basis_records=record), user).order_by("-id")[:50]
    rows = [
        RecordLink(
            f"#{case.pk} {case.get_list_type_display()}",
            reverse("sanctions:case_detail", args=[case.pk]),
            case.get_status_display(),
        )
        for case in cases
    ]
    return RecordLinks(_("List cases resting on this record"), rows)


def public_list_entries(sender=None, *, subject, **kwargs):
    """The subject's entries on the published serious and red lists, for the public portal's
    subject page (`events.public_file_panels`): always a panel, so that the page says when there
    is none."""
    from apps.sanctions.selectors import published_entries_listed
    from apps.subjects.events import FilePanel

    return FilePanel(
        title=_("List entries"),
        template="sanctions/_public_entries_panel.html",
        # Read only where the organisation's read found some (`public_list_presence`).
        rows=published_entries_listed(subject) if getattr(subject, LISTED_PUBLICLY, True) else [],
    )


LISTED_PUBLICLY = "listed_publicly"


def public_list_presence(sender=None, *, today, **kwargs):
    """Whether the organisation has entries on the published lists on `today`
    (`events.public_file_presence`): the same rule as `published_entries_of`."""
    from django.db.models import Exists, OuterRef

    from apps.sanctions.selectors import published_entries_of

    return LISTED_PUBLICLY, Exists(published_entries_of(OuterRef("pk"), today=today))


def public_entries_changed(sender=None, *, entries, **kwargs) -> None:
    """Entries started or ended: the portal's pages of their subjects are rendered again
    (`apps.subjects.portal_cache`)."""
    from apps.subjects.portal_cache import subjects_changed

    subjects_changed((entry.subject_id for entry in entries), feeds=False)
