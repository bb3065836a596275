"""Carrying due-date columns over onto statutory clocks, for the data migrations that replace
them (sanctions 0008, subjects 0008). Works on the migration state's models only, so it keeps
working whatever the models become later.

The owner's history is not lost with the columns: each change of the due date (or of its
estimated flag) found in the owner's history becomes a history row of the clock, with the
original time, user and reason; a last row says the clock was carried over.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone

CARRIED = "Carried over from the {model}'s {field} column when deadlines became clocks"


def carry_clocks(
    apps,
    *,
    app_label: str,
    model_name: str,
    kind: str,
    policy_field: str,
    due_field: str,
    estimated_field: str | None,
    start: Callable[[object], datetime.date | None],
    outcome: Callable[[object, datetime.date], tuple[str, datetime.date | None]],
) -> int:
    """One clock per `model_name` row with a due date; `start(row)` the day it counted from,
    `outcome(row, due)` its status and the day it was met or closed."""
    model = apps.get_model(app_label, model_name)
    history = apps.get_model(app_label, f"historical{model_name}")
    deadline_model = apps.get_model("core", "Deadline")
    deadline_history = apps.get_model("core", "HistoricalDeadline")
    content_type, _created = apps.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label=app_label, model=model_name
    )
    policy = apps.get_model("core", "Policy").objects.filter(code=settings.CREDIT_POLICY).first()
    figure = getattr(policy, policy_field, 0) if policy else 0
    basis = getattr(policy, f"{policy_field}_basis", "") if policy else ""
    now = timezone.now()
    carried = 0
    for row in model.objects.exclude(**{f"{due_field}__isnull": True}).order_by("pk").iterator():
        due = getattr(row, due_field)
        started = min(start(row) or due, due)
        status, met_on = outcome(row, due)
        values = {
            "owner_type_id": content_type.pk,
            "owner_id": row.pk,
            "kind": kind,
            "started_on": started,
            "policy_code": policy.code if policy else settings.CREDIT_POLICY,
            "policy_field": policy_field,
            "figure": figure,
            "unit": "working_days",
            "basis": basis,
            "due_on": due,
            "due_estimated": bool(getattr(row, estimated_field)) if estimated_field else False,
            "status": status,
            "met_on": met_on,
            "created_at": row.created_at,
            "created_by_id": row.created_by_id,
            "updated_at": now,
            "updated_by_id": None,
        }
        deadline = deadline_model.objects.create(**values)
        previous = None
        for past in history.objects.filter(id=row.pk).order_by("history_date", "history_id"):
            past_due = getattr(past, due_field)
            value = (past_due, bool(getattr(past, estimated_field)) if estimated_field else False)
            if past_due is None or value == previous:
                previous = value if past_due is not None else previous
                continue
            deadline_history.objects.create(
                **{
                    **values,
                    "started_on": min(started, past_due),
                    "due_on": past_due,
                    "due_estimated": value[1],
                    "status": "open",
                    "met_on": None,
                    "updated_at": past.history_date,
                    "updated_by_id": past.history_user_id,
                },
                id=deadline.pk,
                history_date=past.history_date,
                history_user_id=past.history_user_id,
                history_change_reason=past.history_change_reason,
                history_type="+" if previous is None else "~",
            )
            previous = value
        deadline_history.objects.create(
            **values,
            id=deadline.pk,
            history_date=now,
            history_user_id=None,
            history_change_reason=CARRIED.format(model=model_name, field=due_field),
            history_type="~" if previous is not None else "+",
        )
        carried += 1
    return carried


def met_or_late(day: datetime.date | None, due: datetime.date) -> tuple[str, datetime.date | None]:
    if day is None:
        return "closed", None
    return ("met" if day <= due else "met_late"), day
