"""`{% record_ref record purpose %}`: a record's number, linked to its page for a user who may
open it (wherever a page or an error message names a record); `{{ records|public_record_rows }}`:
the rows of the records on a public page."""

import html
import unicodedata
from types import SimpleNamespace

from django import template
from django.template.base import render_value_in_context
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext

from apps.catalog.choices import Severity
from apps.core.choices import PLATFORM_WIDE_ROLES
from apps.core.templatetags.credit import declared_details, disclosure_end_shown
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


# `public_record_rows`: the whole page's rows in one call, with the values escaped and localised
# as the template engine's `{{ }}` does (`render_value_in_context`) but without its lookups per
# variable: written as a template, the rows of an organisation's public page were half of its CPU
# (issue 18 item 5). `tests/subjects/test_public_rows.py` compares them with that template.
_AS_TEMPLATE = SimpleNamespace(autoescape=True, use_l10n=None, use_tz=None)
_ROW = (
    "<tr>\n    <td>{item}</td>\n    <td>{number}</td>\n    <td>{day}</td>\n    <td>{provider}</td>\n"
    '    <td class="small">{basis}</td>\n    <td class="small">{details}</td>\n    <td>{end}</td>\n  </tr>'
)


def _shown(value) -> str:
    if type(value) is str:  # what `render_value_in_context` comes to for a plain string
        return html.escape(value)
    return render_value_in_context(value, _AS_TEMPLATE)


def _basis(text: str) -> str:
    """`{{ text|truncatechars:120 }}`; a text that fits is only normalised, as Truncator does."""
    return _shown(Truncator(text).chars(120) if len(text) > 120 else unicodedata.normalize("NFC", text))


def _details(record) -> str:
    return "；".join(
        f"{_shown(label)}：{_shown(value)}" for label, value in declared_details(record.values, record.record_fields)
    )


def _objection_mark(record) -> str:
    """`subjects/_objection_mark.html` of the record (its translations trusted as the template's)."""
    day = timezone.localtime(record.objection_since).date().isoformat()
    since = gettext("since %(day)s") % {"day": day}
    return f'<span class="mark mark-objection">{gettext("Objection mark")}</span> <span class="muted small">{since}</span>\n'


@register.filter
def public_record_rows(records) -> str:
    """The `<tr>` of each `ShownRecord` on a public page: the item (with the severity and the
    objection mark), document number, decision date, provider, basis (its first 120
    characters), the item's declared details and the last day disclosed."""
    severities = {value: _shown(str(label)) for value, label in Severity.choices}
    bases: dict[str, str] = {}
    rows = []
    for r in records:
        item = _shown(r.item_name)
        if r.severity:
            item += f"（{severities.get(r.severity) or _shown(r.severity)}）"
        basis = bases.get(r.legal_basis)
        if basis is None:
            basis = bases[r.legal_basis] = _basis(r.legal_basis)
        if r.objection_since is not None:
            item += "<br>" + _objection_mark(r)
        day = r.document_date or r.determined_on
        rows.append(
            _ROW.format(
                item=item,
                number=_shown(r.document_number or "—"),
                day="—" if day is None else day.isoformat(),
                provider=_shown(r.provider_name),
                basis=basis,
                details=_details(r),
                end=_shown(disclosure_end_shown(r.disclosure_basis, r.disclosure_ends_on)),
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value above went through _shown or is a date
