"""A changed rule reaches what is already filed: after the active city policy or a holiday
override changes, every open deadline and every active record's disclosure end is computed
again, each change with history naming the cause.

`recompute_after_change()` is the one entry point: the signals below call it right after the
change commits (`transaction.on_commit`, once per transaction however many rows changed), the
`recompute_deadlines` command calls it by hand, and a task queue can call it the same way. Each
project app contributes through a `rule_changes.py` module with
`recompute(*, policy, disclosure, deadlines, by, reason, today) -> dict[str, int]`.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.models import POLICY_SECTIONS, HolidayOverride, Policy
from apps.core.registry import project_submodules

logger = logging.getLogger(__name__)

# Policy fields whose change moves a deadline: counted in working days, or the end of an active
# key-attention listing (its validity in months from its start, Nanjing art. 37).
DEADLINE_FIELDS = frozenset(
    {"listing_statement_days", "red_list_notice_days", "integration_days", "key_attention_months"}
)
# Policy fields whose change moves a disclosure end.
DISCLOSURE_FIELDS = frozenset(
    name
    for _title, figures in POLICY_SECTIONS
    for pair in figures
    for name in pair
    if name.startswith(("disclosure_", "national_")) and not name.endswith(("_basis", "_reason"))
)


def recompute_after_change(
    *, cause: str, disclosure: bool = True, deadlines: bool = True, by=None, today: datetime.date | None = None
) -> dict[str, int]:
    """Recompute under the active policy; `cause` names the change in every history row."""
    from apps.core.selectors import active_policy

    policy = active_policy()
    today = today or timezone.localdate()
    reason = _("Recomputed after a rule change: %(cause)s") % {"cause": cause}
    done: dict[str, int] = {}
    for module in project_submodules("rule_changes"):
        done.update(
            module.recompute(
                policy=policy, disclosure=disclosure, deadlines=deadlines, by=by, reason=reason, today=today
            )
        )
    logger.info("recompute after %s: %s", cause, done)
    return done


class _Pending:
    """One recompute per transaction, whatever number of changes it collects."""

    def __init__(self):
        self.causes: list[str] = []
        self.more = 0
        self.ran = False
        self.disclosure = self.deadlines = False
        self.by = None

    def add(self, *, cause: str, disclosure: bool, deadlines: bool, by) -> None:
        if len(self.causes) >= 3:
            self.more += 1
        elif cause not in self.causes:
            self.causes.append(cause)
        self.disclosure |= disclosure
        self.deadlines |= deadlines
        self.by = self.by or by

    def __call__(self):
        self.ran = True
        cause = "；".join(self.causes)
        if self.more:
            cause += _("; and %(count)s more changes") % {"count": self.more}
        recompute_after_change(cause=cause, disclosure=self.disclosure, deadlines=self.deadlines, by=self.by)


def schedule_recompute(*, cause: str, disclosure: bool, deadlines: bool, by=None) -> None:
    """Recompute once the current transaction commits (at once outside a transaction)."""
    if not (disclosure or deadlines):
        return
    if not getattr(settings, "RECOMPUTE_ON_COMMIT", True):
        logger.warning("rule changed (%s); run `manage.py recompute_deadlines` (RECOMPUTE_ON_COMMIT is off)", cause)
        return
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        for _sids, func, _robust in connection.run_on_commit:
            if isinstance(func, _Pending) and not func.ran:
                func.add(cause=cause, disclosure=disclosure, deadlines=deadlines, by=by)
                return
    pending = _Pending()
    pending.add(cause=cause, disclosure=disclosure, deadlines=deadlines, by=by)
    transaction.on_commit(pending)


def _actor(instance):
    user = getattr(instance, "_history_user", None)
    return user if getattr(user, "is_authenticated", False) else None


def _reason(instance) -> str:
    return getattr(instance, "_change_reason", "") or ""


@receiver(pre_save, sender=Policy, dispatch_uid="core_policy_before_change")
def _policy_before(sender, instance, raw=False, **kwargs):
    if raw:
        return
    old = Policy.objects.filter(pk=instance.pk).values().first() if instance.pk else None
    instance._fields_before = old


@receiver(post_save, sender=Policy, dispatch_uid="core_policy_changed")
def _policy_changed(sender, instance, created, raw=False, **kwargs):
    if raw or created or instance.code != settings.CREDIT_POLICY:
        return  # a policy just loaded has nothing filed under it yet
    old = getattr(instance, "_fields_before", None)
    if old is None:
        changed = DEADLINE_FIELDS | DISCLOSURE_FIELDS
    else:
        changed = {name for name in DEADLINE_FIELDS | DISCLOSURE_FIELDS if old.get(name) != getattr(instance, name)}
    cause = _("city policy %(name)s changed (%(fields)s): %(reason)s") % {
        "name": instance.name,
        "fields": ", ".join(sorted(changed)),
        "reason": _reason(instance),
    }
    schedule_recompute(
        cause=cause,
        disclosure=bool(changed & DISCLOSURE_FIELDS),
        deadlines=bool(changed & DEADLINE_FIELDS),
        by=_actor(instance),
    )


@receiver(post_save, sender=HolidayOverride, dispatch_uid="core_override_saved")
@receiver(post_delete, sender=HolidayOverride, dispatch_uid="core_override_deleted")
def _override_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    cause = _("holiday override %(date)s changed: %(reason)s") % {
        "date": instance.date.isoformat(),
        "reason": _reason(instance) or instance.note,
    }
    schedule_recompute(cause=cause, disclosure=False, deadlines=True, by=_actor(instance))
