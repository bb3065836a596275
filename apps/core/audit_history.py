"""Reading the change history (simple-history) of every audited model: the auditor's workspace
and the record page share it.

An entry is one historical row with who, when, why and what changed against the version of the
same object before it (simple-history's `diff_against`), shown with the field's label and its
values as the interface shows them (choices by label, a related object by name, not by id).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib import admin
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalChanges
from simple_history.template_utils import HistoricalRecordContextHelper

from apps.core.permissions import permission_name, restrict
from apps.core.registry import PROJECT_APP_PREFIXES

# Fields that change with every save and say nothing to a reader.
SKIPPED_FIELDS = {"updated_at", "updated_by", "created_at", "created_by", "dedup_key"}


@dataclass
class HistoryEntry:
    """One version of an object: who, when, why, and what changed against the version before
    (`changes`: (field label, old, new); empty for the version that created it)."""

    when: datetime.datetime
    who: object
    kind: str
    reason: str
    changes: list[tuple[str, object, object]]
    version: object = None  # the historical row
    model: type[models.Model] | None = None
    object_id: object = None
    subject: object = None  # whose personal data the object is, where it is a subject's (the trail link)
    extra: dict = field(default_factory=dict)

    @property
    def model_name(self) -> str:
        """The model's name without its app ("信用修复申请 · 申请修复的记录" for a link table)."""
        return model_label(self.model).split(" · ", 1)[1] if self.model else ""


def shown_value(model: type[models.Model], name: str, value):
    """A field's stored value as the interface shows it."""
    field_ = model._meta.get_field(name)
    if value in (None, ""):
        return "—"
    if field_.many_to_many:  # simple-history's m2m diff: the through rows, as dicts
        target = field_.m2m_reverse_field_name()
        ids = [row.get(target) if isinstance(row, dict) else row for row in value]
        # The admin's history page gives the related objects themselves, the workbench their keys.
        ids = [getattr(row, "pk", row) for row in ids]
        related = {obj.pk: str(obj) for obj in field_.related_model._default_manager.filter(pk__in=ids)}
        return "、".join(related.get(pk, f"#{pk}") for pk in ids) or "—"
    if getattr(field_, "choices", None):
        return dict(field_.flatchoices).get(value, value)
    if field_.is_relation:  # a changed provider, item or batch: by name (a person's masked), not by id
        related = field_.related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else value
    if isinstance(value, dict):
        return "；".join(f"{k}：{v}" for k, v in value.items()) or "—"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        from django.utils.translation import gettext

        return gettext("Yes") if value else gettext("No")
    return value


def version_changes(version, previous, model: type[models.Model]) -> list[tuple[str, object, object]]:
    """(label, old, new) of each field that differs between two versions of one object, in the
    model's field order; empty when there is no previous version."""
    if previous is None:
        return []
    order = {f.name: i for i, f in enumerate(model._meta.fields)}
    delta = version.diff_against(previous, excluded_fields=SKIPPED_FIELDS)
    changes = []
    for change in sorted(delta.changes, key=lambda c: order.get(c.field, 0)):
        try:
            label = model._meta.get_field(change.field).verbose_name
        except Exception:  # a field since removed from the model: its name is all there is
            label = change.field
        changes.append(
            (label, shown_value(model, change.field, change.old), shown_value(model, change.field, change.new))
        )
    return changes


def entry_of(version, previous, model: type[models.Model]) -> HistoryEntry:
    return HistoryEntry(
        when=version.history_date,
        who=version.history_user,
        kind=version.get_history_type_display(),
        reason=version.history_change_reason or "",
        changes=version_changes(version, previous, model),
        version=version,
        model=model,
        object_id=getattr(version, model._meta.pk.attname),
    )


def object_history(versions, model: type[models.Model]) -> list[HistoryEntry]:
    """Entries of the given versions (of one or several objects, any order), newest first, each
    diffed against the version of the same object before it among them."""
    pk = model._meta.pk.attname
    ordered = sorted(versions, key=lambda v: (v.history_date, v.pk))
    last: dict = {}
    entries = []
    for version in ordered:
        key = getattr(version, pk)
        entries.append(entry_of(version, last.get(key), model))
        last[key] = version
    return list(reversed(entries))


# --- which models have history, and who may read it ---------------------------------------------


def audited_models() -> dict[str, tuple[type[models.Model], type[models.Model]]]:
    """{"app_label.modelname": (model, its historical model)} of the project's models with history."""
    found = {}
    for historical in apps.get_models():
        if not issubclass(historical, HistoricalChanges):
            continue
        model = historical.instance_type
        if not model.__module__.startswith(PROJECT_APP_PREFIXES):
            continue
        found[model._meta.label_lower] = (model, historical)
    return dict(
        sorted(found.items(), key=lambda pair: (pair[1][0]._meta.app_label, str(pair[1][0]._meta.verbose_name)))
    )


def model_label(model: type[models.Model]) -> str:
    """A model's name in the interface: "app · model", and for the link table of a many-to-many
    field (whose history simple-history keeps too) the owner and the field — "信用修复 · 信用修复
    申请 · 涉及的信用记录", not Django's generated "repairapplication-creditrecord relationship"."""
    app = model._meta.app_config.verbose_name
    owner = model._meta.auto_created
    if owner:
        for field in owner._meta.many_to_many:
            if field.remote_field.through is model:
                return f"{app} · {owner._meta.verbose_name} · {field.verbose_name}"
    return f"{app} · {model._meta.verbose_name}"


def history_models_for(user) -> dict[str, tuple[type[models.Model], type[models.Model]]]:
    """The audited models whose history `user` may read: those whose historical model it holds
    `view` on (the auditor's allow-list, DESIGN.md section 1: read everything, change nothing)."""
    if user is None or not user.is_authenticated:
        return {}
    return {
        label: pair
        for label, pair in audited_models().items()
        if user.is_superuser or user.has_perm(permission_name(pair[1], "view"))
    }


def history_rows(historical: type[models.Model], user):
    """The historical rows of one model `user` may read, with the acting user."""
    return restrict(historical.objects.select_related("history_user", "history_user__organization"), user)


def subject_of(model: type[models.Model], instance) -> object | None:
    """Whose personal data an object is: the admin of a model whose pages are logged lookups
    (`LookupLoggedAdminMixin`) names the subject; None for other models."""
    model_admin = admin.site._registry.get(model)
    lookup_subject = getattr(model_admin, "lookup_subject", None)
    if lookup_subject is None:
        return None
    try:
        return lookup_subject(instance)
    except Exception:  # a version whose related subject is gone: no subject to name
        return None


def is_personal(model: type[models.Model]) -> bool:
    return hasattr(admin.site._registry.get(model), "lookup_subject")


class ShownValuesContextHelper(HistoricalRecordContextHelper):
    """The admin's history page (simple-history) with each changed value shown as `shown_value`
    shows it on the workbench, not its stored key (issue 17: no English for a zh-hans user)."""

    def prepare_delta_change_value(self, change, value):
        return shown_value(self.model, change.field, value)
