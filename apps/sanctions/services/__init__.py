"""Writes of the sanctions app: list cases and their workflow steps, the joint sanction check and
its feedback, the daily upkeep. Every step takes the acting user and a reason.

One module per lifecycle, each with its transition table (`apps.core.workflow`): `serious`
(严重失信主体名单), `red` (守信激励对象名单), `key_attention` (重点关注名单); what they share is in
`common`; the checks in `checks`; the daily job in `upkeep`. Reads are in `apps.sanctions.selectors`.
"""

from apps.sanctions.selectors import (
    has_active_dishonest_record,
    listing_items_for,
    subject_statuses,
    visible_records,
)
from apps.sanctions.services.checks import check_feedback, sanction_check
from apps.sanctions.services.common import *  # noqa: F403 (the messages tests and views assert on)
from apps.sanctions.services.common import (
    add_entry,
    case_open,
    case_update,
    check_basis,
    check_measures,
    end_entries,
    is_case_officer,
    require_case_officer,
)
from apps.sanctions.services.key_attention import KEY_ATTENTION_CASE, key_attention_end
from apps.sanctions.services.red import RED_CASE, red_confirm, red_record_objection, red_start_notice
from apps.sanctions.services.serious import (
    SERIOUS_CASE,
    case_decide,
    case_drop,
    case_issue_notice,
    case_publish,
    case_record_delivery,
    case_record_lapse,
    case_record_statement,
    case_remove,
    case_review,
    listing_values,
)
from apps.sanctions.services.upkeep import daily_upkeep

__all__ = [
    "KEY_ATTENTION_CASE",
    "RED_CASE",
    "SERIOUS_CASE",
    "add_entry",
    "case_decide",
    "case_drop",
    "case_issue_notice",
    "case_open",
    "case_publish",
    "case_record_delivery",
    "case_record_lapse",
    "case_record_statement",
    "case_remove",
    "case_review",
    "case_update",
    "check_basis",
    "check_feedback",
    "check_measures",
    "daily_upkeep",
    "end_entries",
    "has_active_dishonest_record",
    "is_case_officer",
    "key_attention_end",
    "listing_items_for",
    "listing_values",
    "red_confirm",
    "red_record_objection",
    "red_start_notice",
    "require_case_officer",
    "sanction_check",
    "subject_statuses",
    "visible_records",
]
