"""The key-attention list (重点关注名单, Nanjing art. 37): an entry takes effect when it is filed,
ends by itself after the policy's validity, and turns into a dishonest status when a new dishonest
record arrives during it (发生失信行为的，应当转为失信主体)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.core.workflow import Step, Workflow
from apps.sanctions.choices import CaseStatus
from apps.sanctions.models import ListingCase
from apps.sanctions.services.common import MSG_ONLY_AGENCY, end_entries


def key_attention_end(case: ListingCase, *, converted: bool, by=None, reason: str) -> ListingCase:
    """active → ended (validity over) or converted (a new dishonest record); taken by the platform."""
    return KEY_ATTENTION_CASE.transition(case, "convert" if converted else "end", by=by, reason=reason, follow=True)


def _close(case, *, by, reason):
    case.removed_on = timezone.localdate()


def _take_off_the_list(case, *, by, reason):
    end_entries(case, by=by, reason=reason, record_status=None)


S = CaseStatus

KEY_ATTENTION_CASE = Workflow(
    name=gettext_lazy("the key-attention list"),
    model=ListingCase,
    states=CaseStatus,
    initial=(S.ACTIVE,),
    refused=MSG_ONLY_AGENCY,
    resting=(S.ACTIVE,),
    notes={
        S.ACTIVE: gettext_lazy("On the list until its validity ends; a new dishonest record turns it dishonest."),
        S.ENDED: gettext_lazy("Ended after its validity."),
        S.CONVERTED: gettext_lazy("Turned dishonest after a new dishonest record."),
    },
    steps=(
        Step(
            "end",
            gettext_lazy("End after the validity"),
            sources=(S.ACTIVE,),
            target=S.ENDED,
            apply=_close,
            then=_take_off_the_list,
            automatic=True,
        ),
        Step(
            "convert",
            gettext_lazy("Turn dishonest"),
            sources=(S.ACTIVE,),
            target=S.CONVERTED,
            apply=_close,
            then=_take_off_the_list,
            automatic=True,
        ),
    ),
)
