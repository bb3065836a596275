"""`{% record_ref record purpose %}`: a record's number, linked to its page for a user who may
open it (wherever a page or an error message names a record)."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

from apps.core.choices import PLATFORM_WIDE_ROLES
from apps.subjects.models import CreditRecord

register = template.Library()


def may_open(user, record: CreditRecord) -> bool:
    """Whether `user` may open the record's page: `restrict()`'s answer for a credit record (the
    platform-wide roles every record, an agency's officers those it provided), without a query
    per record on a page that lists many."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if not user.has_perm("subjects.view_creditrecord"):
        return False
    if user.role in PLATFORM_WIDE_ROLES:
        return True
    scope = CreditRecord.organization_scope  # "provider"
    return user.organization_id is not None and getattr(record, f"{scope}_id") == user.organization_id


@register.simple_tag(takes_context=True)
def record_ref(context, record, purpose: str = ""):
    """`#id` linked to the record's page (opening it is a lookup logged under `purpose`, the
    purpose of the page the link is on); plain `#id` for a user who may not open it."""
    if record is None:
        return ""
    request = context.get("request")
    if not may_open(getattr(request, "user", None), record):
        return format_html("#{}", record.pk)
    url = reverse("subjects:record_detail", args=[record.pk])
    if purpose:
        url += f"?purpose={purpose}"
    return format_html('<a href="{}" class="record-ref">#{}</a>', url, record.pk)
