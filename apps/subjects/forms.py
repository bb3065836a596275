from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.catalog.choices import FieldType, Matter, Severity
from apps.catalog.models import CatalogItem
from apps.catalog.selectors import published_items
from apps.core.choices import PURPOSES_BY_MODE, QueryMode, QueryPurpose
from apps.core.documents import validate_upload
from apps.core.forms import DateInput
from apps.core.identifiers import validate_identifier
from apps.subjects.choices import AccessForm
from apps.subjects.selectors import WINDOW_MODES, modes_for


class LookupForm(forms.Form):
    """Why a lookup is made: the mode, the purpose, and the proof the mode needs. The form only
    collects them; `services.lookup_prepare` and the selectors apply the rules (Nanjing art. 54)."""

    mode = forms.ChoiceField(label=_("Query mode"))
    purpose = forms.ChoiceField(
        label=_("Purpose"),
        choices=[("", "---------"), *QueryPurpose.choices],
        required=False,
        help_text=_("Own-record, authorised and public inquiries have their purpose set by the mode."),
    )
    purpose_detail = forms.CharField(label=_("Matter (when the purpose needs it)"), max_length=500, required=False)
    identity_checked = forms.BooleanField(
        label=_("I checked the applicant's identity document at the window"), required=False
    )
    authorisation_file = forms.FileField(label=_("Written authorisation (scan)"), required=False)
    authorisation_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # The identifier the identity check or the authorisation was made for (window modes).
    checked_identifier = forms.CharField(widget=forms.HiddenInput, required=False, max_length=30)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["mode"].choices = [(m.value, m.label) for m in modes_for(user)]

    def clean_authorisation_file(self):
        upload = self.cleaned_data.get("authorisation_file")
        if upload:
            # Checked here to show the error on the field; `authorisation_store` checks again.
            validate_upload(upload)
        return upload

    def clean(self):
        data = super().clean()
        mode, purpose = data.get("mode"), data.get("purpose")
        if mode and not purpose and len(PURPOSES_BY_MODE[QueryMode(mode)]) == 1:
            data["purpose"] = purpose = next(iter(PURPOSES_BY_MODE[QueryMode(mode)])).value
        if mode and not purpose:
            self.add_error("purpose", _("Choose the purpose of the lookup."))
        elif mode and purpose and QueryPurpose(purpose) not in PURPOSES_BY_MODE[QueryMode(mode)]:
            self.add_error("purpose", _("This purpose does not fit the query mode."))
        return data


class SearchForm(LookupForm):
    query = forms.CharField(label=_("Identifier or name"), max_length=200)

    def clean(self):
        data = super().clean()
        if data.get("mode") in WINDOW_MODES and data.get("query"):
            # The window inquiry is about the applicant, named by identifier (Nanjing art. 54).
            try:
                _kind, identifier = validate_identifier(data["query"])
            except ValidationError as error:
                self.add_error("query", error)
            else:
                data["checked_identifier"] = identifier
        return data

    field_order = ["query", "mode", "purpose", "purpose_detail", "identity_checked", "authorisation_file"]


class BatchUploadForm(forms.Form):
    item = forms.ModelChoiceField(label=_("Catalog item"), queryset=CatalogItem.objects.none())
    file = forms.FileField(label=_("CSV or XLSX file"))
    encoding = forms.ChoiceField(
        label=_("Encoding (CSV)"),
        choices=[("", _("Detect")), ("utf-8", "UTF-8"), ("gb18030", "GB18030 / GBK")],
        required=False,
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items_for_provider(organization)


def items_for_provider(organization):
    """Published items this organisation may provide (those naming it, or naming no provider)."""
    items = published_items().order_by("code")
    if organization is None:
        return items
    return items.filter(pk__in=[i.pk for i in items.prefetch_related("providers") if _provides(i, organization)])


def _provides(item, organization) -> bool:
    providers = list(item.providers.all())
    return not providers or organization in providers


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000)


class RecordForm(forms.Form):
    """One record by hand: the subject, the document, the dates, and the item's own fields."""

    identifier = forms.CharField(label=_("Subject identifier"), max_length=30)
    name = forms.CharField(label=_("Subject name"), max_length=200)
    document_number = forms.CharField(label=_("Document number"), max_length=100, required=False)
    document_date = forms.DateField(label=_("Document date"), required=False, widget=DateInput())
    determined_on = forms.DateField(label=_("Determined on"), required=False, widget=DateInput())
    ended_on = forms.DateField(label=_("Conduct ended on"), required=False, widget=DateInput())
    custodial_sentence_end = forms.DateField(
        label=_("Custodial sentence served on"), required=False, widget=DateInput()
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=[("", "---------"), *Severity.choices], required=False)
    reason = forms.CharField(label=_("Reason"), max_length=1000)

    def __init__(self, *args, item: CatalogItem, correcting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item
        if correcting:
            del self.fields["identifier"]
            del self.fields["name"]
        if item.severity or item.category != "dishonest":
            del self.fields["severity"]
        for field in item.record_fields:
            self.fields[f"value_{field['name']}"] = _form_field(field)
        # the reason last
        self.fields["reason"] = self.fields.pop("reason")

    def record_values(self) -> dict:
        return {
            f["name"]: self.cleaned_data.get(f"value_{f['name']}")
            for f in self.item.record_fields
            if self.cleaned_data.get(f"value_{f['name']}") not in (None, "")
        }


def _form_field(field: dict) -> forms.Field:
    label, required = field["label"], False  # the service reports missing required values by label
    kind = field["type"]
    if kind == FieldType.CHOICE:
        return forms.ChoiceField(
            label=label, choices=[("", "---------")] + [(c, c) for c in field["choices"]], required=required
        )
    if kind == FieldType.DATE:
        return forms.DateField(label=label, required=required, widget=DateInput())
    if kind == FieldType.BOOLEAN:
        return forms.ChoiceField(
            label=label, choices=[("", "---------"), ("是", _("Yes")), ("否", _("No"))], required=required
        )
    if kind == FieldType.INTEGER:
        return forms.IntegerField(label=label, required=required)
    if kind == FieldType.DECIMAL:
        return forms.DecimalField(label=label, required=required)
    return forms.CharField(label=label, required=required, max_length=field.get("max_length") or 2000)


class CommitmentForm(forms.Form):
    identifier = forms.CharField(label=_("Subject identifier"), max_length=30)
    name = forms.CharField(label=_("Subject name"), max_length=200)
    matter = forms.ChoiceField(label=_("Matter"), choices=Matter.choices)
    content = forms.CharField(label=_("Content of the commitment"), widget=forms.Textarea(attrs={"rows": 3}))
    made_on = forms.DateField(label=_("Made on"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), max_length=1000)


class CommitmentResolveForm(forms.Form):
    kept = forms.TypedChoiceField(
        label=_("Finding"), choices=[("1", _("Kept")), ("0", _("Broken"))], coerce=lambda v: v == "1"
    )
    finding = forms.CharField(label=_("What was found"), widget=forms.Textarea(attrs={"rows": 2}))
    document_number = forms.CharField(label=_("Document number (when broken)"), max_length=100, required=False)
    document_date = forms.DateField(label=_("Document date (when broken)"), required=False, widget=DateInput())
    reason = forms.CharField(label=_("Reason"), max_length=1000)

    def __init__(self, *args, breach_item: CatalogItem | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.breach_item = breach_item
        # The dishonest record of a broken commitment carries the breach item's own fields.
        for field in breach_item.record_fields if breach_item else []:
            if field["name"] not in ("decision_number", "document_number", "matter") and field["type"] != "date":
                self.fields[f"value_{field['name']}"] = _form_field(field)
        self.fields["reason"] = self.fields.pop("reason")

    def breach_values(self) -> dict:
        if self.breach_item is None:
            return {}
        return {
            f["name"]: self.cleaned_data[f"value_{f['name']}"]
            for f in self.breach_item.record_fields
            if self.cleaned_data.get(f"value_{f['name']}") not in (None, "")
        }


class TrailForm(forms.Form):
    """Whose trail the auditor opens: the subject's identifier (checked as any identifier is)."""

    identifier = forms.CharField(label=_("Subject identifier"), max_length=40)

    def clean_identifier(self):
        _kind, code = validate_identifier(self.cleaned_data["identifier"])
        return code


# --- disclosure on request (依申请公开, Nanjing art. 27) ----------------------------------------------


class DisclosureRequestForm(forms.Form):
    """The public request form: who asks, about which organisation, what, and in which form.
    The service checks the identity number and the organisation's code."""

    requester_name = forms.CharField(label=_("Your name (or your organisation's)"), max_length=100)
    requester_id_number = forms.CharField(
        label=_("Your identity document number or unified social credit code"), max_length=40
    )
    requester_contact = forms.CharField(label=_("Telephone or address for the answer"), max_length=100)
    subject_name = forms.CharField(label=_("Organisation asked about"), max_length=200)
    subject_identifier = forms.CharField(
        label=_("Its unified social credit code (if known)"), max_length=40, required=False
    )
    information = forms.CharField(
        label=_("Information asked for"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    access_form = forms.ChoiceField(
        label=_("Form of access"), choices=AccessForm.choices, widget=forms.RadioSelect, initial=AccessForm.COPY
    )


class DisclosureStatusForm(forms.Form):
    number = forms.CharField(label=_("Request number"), max_length=30)
    tracking_code = forms.CharField(label=_("Tracking code"), max_length=30)


class DisclosureAcceptForm(ReasonForm):
    subject_identifier = forms.CharField(
        label=_("The organisation's unified social credit code (if the request gives none)"),
        max_length=40,
        required=False,
    )


class DisclosureAnswerForm(ReasonForm):
    answer = forms.CharField(label=_("Answer"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    records = forms.MultipleChoiceField(
        label=_("Records disclosed"), required=False, widget=forms.CheckboxSelectMultiple
    )
    inspection_arrangement = forms.CharField(
        label=_("Inspection arranged (when and where)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    late_reason = forms.CharField(
        label=_("Why after the due date"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, records=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["records"].choices = [
            (str(r.pk), f"#{r.pk} {r.item.name} · {r.provider.name} · {r.determined_on or ''}") for r in records
        ]


class DisclosureRefuseForm(ReasonForm):
    refusal_reason = forms.CharField(
        label=_("Reasons for refusal"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    late_reason = forms.CharField(
        label=_("Why after the due date"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


DISCLOSURE_STEP_FORMS = {
    "accept": DisclosureAcceptForm,
    "answer": DisclosureAnswerForm,
    "refuse": DisclosureRefuseForm,
}
