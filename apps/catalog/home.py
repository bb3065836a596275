"""What the catalog app adds to the authority's home: the versions waiting for its decision —
in public consultation (to approve once the consultation is over) or approved (to publish)."""

from __future__ import annotations

from dataclasses import dataclass

from apps.catalog.choices import ListStatus
from apps.catalog.models import Catalog, ExemptionList, MeasureList
from apps.core.choices import Role
from apps.core.permissions import restrict

DOCUMENTS = (("catalogs", Catalog), ("measure-lists", MeasureList), ("exemption-lists", ExemptionList))


@dataclass(frozen=True)
class Awaiting:
    kind: str  # the URL's list kind
    document: object

    @property
    def to_publish(self) -> bool:
        """Approved: publishing is what is left; otherwise it is in consultation, to approve."""
        return self.document.status == ListStatus.APPROVED


def documents_awaiting(user) -> list[Awaiting]:
    """Every version in consultation or approved that the user may see, oldest change first."""
    found = []
    for kind, model in DOCUMENTS:
        documents = restrict(model.objects.all(), user).filter(
            status__in=(ListStatus.CONSULTATION, ListStatus.APPROVED)
        )
        found.extend(Awaiting(kind, document) for document in documents)
    return sorted(found, key=lambda entry: entry.document.pk)


def context(user) -> dict:
    if user.role != Role.AUTHORITY:
        return {}
    return {"documents_awaiting": documents_awaiting(user)}
