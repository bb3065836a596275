"""Forms and the list filter of revocation notices: filing one (an agency officer), and the credit
office's two steps. A change's corrected values are given per record, one field per line."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from apps.core.filters import DateRangeWidget
from apps.core.forms import DateInput, ReasonForm
from apps.core.models import Organization
from apps.objections.choices import RevocationKind, RevocationStatus
from apps.objections.models import RevocationNotice
from apps.subjects.models import CreditRecord
from apps.subjects.services import RECORD_FIELDS_EDITABLE

MSG_CORRECTION_LINE = _("Line {line}: write “record id field: value”, e.g. “12 {field}: 宁市监罚〔2026〕12号”.")


def correctable_fields() -> dict[str, str]:
    """What an officer may write for a field on a correction line → the field: its label as the
    record page shows it (文书号), or its name."""
    fields = {}
    for name in RECORD_FIELDS_EDITABLE:
        if name != "values":
            fields[str(CreditRecord._meta.get_field(name).verbose_name)] = name
            fields[name] = name
    return fields


def _correctable_labels() -> str:
    return "、".join(str(CreditRecord._meta.get_field(n).verbose_name) for n in RECORD_FIELDS_EDITABLE if n != "values")


class FindSubjectForm(forms.Form):
    identifier = forms.CharField(label=_("Subject's identifier"), max_length=30)


class FileRevocationForm(ReasonForm):
    """The records offered are the agency's own records of the subject, not revoked."""

    identifier = forms.CharField(widget=forms.HiddenInput)
    records = forms.MultipleChoiceField(label=_("Records affected"), widget=forms.CheckboxSelectMultiple)
    kind = forms.ChoiceField(label=_("What became of the decision"), choices=RevocationKind.choices)
    document_number = forms.CharField(label=_("Revoking document number"), max_length=100)
    document_date = forms.DateField(label=_("Revoking document date"), widget=DateInput())
    document_body = forms.CharField(
        label=_("Issued by"), max_length=200, help_text=_("The agency itself, the review body or the court.")
    )
    document_text = forms.CharField(
        label=_("What the document decides"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    corrections = forms.CharField(
        label=_("Corrected values (a changed decision)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=format_lazy(
            _("One per line: “record id field: value”. Fields: {fields}."),
            fields=lazy(_correctable_labels, str)(),
        ),
    )

    def __init__(self, *args, records=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["records"].choices = [
            (str(r.pk), f"#{r.pk} {r.item.name} · {r.document_number or '—'} · {r.get_status_display()}")
            for r in records
        ]

    def clean_corrections(self) -> dict[str, dict]:
        """“12 文书号: 宁市监罚〔2026〕12号” lines → {"12": {"document_number": "…"}} (the field by
        its label or its name)."""
        fields = correctable_fields()
        corrections: dict[str, dict] = {}
        for line, text in enumerate(self.cleaned_data["corrections"].splitlines(), start=1):
            text = text.strip()
            if not text:
                continue
            head, colon, value = text.replace("：", ":").partition(":")
            parts = head.split()
            if not colon or len(parts) != 2:
                example = CreditRecord._meta.get_field("document_number").verbose_name
                raise forms.ValidationError(str(MSG_CORRECTION_LINE).format(line=line, field=example))
            record, field = parts
            corrections.setdefault(record.lstrip("#"), {})[fields.get(field, field)] = value.strip()
        return corrections

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "document_number": data["document_number"],
            "document_date": data["document_date"],
            "document_body": data["document_body"],
            "document_text": data["document_text"],
            "corrected_values": data["corrections"],
            "reason": data["reason"],
        }


class ApplyForm(ReasonForm):
    late_reason = forms.CharField(
        label=_("Why after the due date"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReturnForm(ReasonForm):
    return_reason = forms.CharField(label=_("Why it is returned"), widget=forms.Textarea(attrs={"rows": 3}))


STEP_FORMS = {"apply": ApplyForm, "return": ReturnForm}


class RevocationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RevocationStatus.choices, label=_("Status"))
    kind = django_filters.ChoiceFilter(choices=RevocationKind.choices, label=_("What became of the decision"))
    agency = django_filters.ModelChoiceFilter(queryset=Organization.objects.all(), label=_("Filed by"))
    filed = django_filters.DateFromToRangeFilter(
        field_name="filed_on", label=_("Filed between"), widget=DateRangeWidget()
    )

    class Meta:
        model = RevocationNotice
        fields = ["status", "kind", "agency", "filed"]
