from django import forms
from django.utils.translation import gettext_lazy as _

from apps.catalog.choices import ListStatus, Matter
from apps.catalog.models import CatalogItem, ExemptionRule, Measure
from apps.core.forms import DateInput
from apps.core.selectors import active_policy
from apps.sanctions.choices import MEASURE_TARGET, ListType, RemovalReason, ReviewOutcome
from apps.sanctions.selectors import remedies_notice
from apps.subjects.models import ResponsiblePerson


class ReasonField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(label=_("Reason"), max_length=1000, **kwargs)


class CaseOpenForm(forms.Form):
    list_type = forms.ChoiceField(label=_("List"), choices=ListType.choices)
    identifier = forms.CharField(label=_("Subject identifier"), max_length=30)
    facts = forms.CharField(label=_("Facts"), widget=forms.Textarea(attrs={"rows": 3}))
    legal_basis = forms.CharField(label=_("Legal basis"), widget=forms.Textarea(attrs={"rows": 2}))
    basis_records = forms.CharField(
        label=_("Records the case rests on (numbers, separated by commas)"), required=False, max_length=500
    )
    measures = forms.ModelMultipleChoiceField(
        label=_("Measures (published)"),
        queryset=Measure.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    exemption_rule = forms.ModelChoiceField(
        label=_("Exemption rule (key-attention list)"), queryset=ExemptionRule.objects.none(), required=False
    )
    reason = ReasonField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measures"].queryset = Measure.objects.filter(
            measure_list__status=ListStatus.PUBLISHED, applies_to__in=list(MEASURE_TARGET.values())
        ).order_by("applies_to", "code")
        self.fields["measures"].label_from_instance = lambda m: f"{m.code} {m.name}（{m.get_applies_to_display()}）"
        self.fields["exemption_rule"].queryset = ExemptionRule.objects.filter(
            exemption_list__status=ListStatus.PUBLISHED
        )
        if active_policy().key_attention_months is None:  # the city keeps no key-attention list
            self.fields["list_type"].choices = [c for c in ListType.choices if c[0] != ListType.KEY_ATTENTION]
            del self.fields["exemption_rule"]

    def clean_basis_records(self) -> list[int]:
        text = self.cleaned_data["basis_records"].replace("，", ",")
        ids = [part.strip().lstrip("#") for part in text.split(",") if part.strip()]
        if not all(i.isascii() and i.isdigit() and len(i) <= 18 for i in ids):
            raise forms.ValidationError(_("Give record numbers such as 12, 15."))
        return [int(i) for i in ids]


class NoticeForm(forms.Form):
    notice_number = forms.CharField(label=_("Notice number"), max_length=100)
    issued_on = forms.DateField(label=_("Notice issued on"), widget=DateInput(), required=False)
    delivered_on = forms.DateField(
        label=_("Delivered on (when handed over at once; otherwise record the delivery later)"),
        widget=DateInput(),
        required=False,
    )
    responsible_people = forms.ModelMultipleChoiceField(
        label=_("Responsible people who bear responsibility, recorded with the listing"),
        queryset=ResponsiblePerson.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reason = ReasonField()

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        roles = active_policy().listing_responsible_roles or []
        if case is None or case.subject.is_person or not roles:
            del self.fields["responsible_people"]
            return
        links = ResponsiblePerson.objects.filter(organization=case.subject, role__in=roles).select_related("person")
        self.fields["responsible_people"].queryset = links.order_by("role", "start_date")
        # the case page is not a lookup: persons' names masked, as in lists (the logged notice names them)
        self.fields["responsible_people"].label_from_instance = lambda link: "{}（{}，{}–{}）".format(
            link.person.display_name,
            link.get_role_display(),
            link.start_date.isoformat() if link.start_date else "",
            link.end_date.isoformat() if link.end_date else "",
        )


class ReviewForm(forms.Form):
    applied_on = forms.DateField(label=_("Review applied for on"), widget=DateInput())
    outcome = forms.ChoiceField(label=_("Review outcome"), choices=ReviewOutcome.choices)
    review_document = forms.CharField(label=_("Review decision number"), max_length=200)
    review_note = forms.CharField(label=_("Review findings"), widget=forms.Textarea(attrs={"rows": 2}))
    reason = ReasonField()


class DeliveryForm(forms.Form):
    delivered_on = forms.DateField(label=_("Notice delivered on"), widget=DateInput())
    reason = ReasonField()


class StatementForm(forms.Form):
    statement = forms.CharField(label=_("Statement and defence"), widget=forms.Textarea(attrs={"rows": 3}))
    received_on = forms.DateField(label=_("Received on"), widget=DateInput(), required=False)
    reason = ReasonField()


class DecisionForm(forms.Form):
    decision_number = forms.CharField(label=_("Decision number"), max_length=100)
    cause = forms.CharField(label=_("Cause"), widget=forms.Textarea(attrs={"rows": 2}))
    statement_finding = forms.CharField(
        label=_("Finding on the statement and objection (when one was received)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    listing_start = forms.DateField(label=_("Listed from"), widget=DateInput())
    listing_end = forms.DateField(label=_("Listed until"), widget=DateInput())
    removal_conditions = forms.CharField(
        label=_("Removal conditions and procedure"), widget=forms.Textarea(attrs={"rows": 2})
    )
    remedies = forms.CharField(label=_("Remedies"), widget=forms.Textarea(attrs={"rows": 2}))
    repair_notice = forms.CharField(
        label=_("Credit repair notice (delivered with the decision)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        initial=_("After correcting the conduct, the subject may apply to the deciding agency for credit repair."),
    )
    record_item = forms.ModelChoiceField(
        label=_("Recorded in the credit files under"), queryset=CatalogItem.objects.none()
    )
    reason = ReasonField()

    def __init__(self, *args, listing_items=(), case=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_item"].queryset = CatalogItem.objects.filter(pk__in=[i.pk for i in listing_items])
        self.fields["remedies"].initial = remedies_notice(active_policy())
        if case is not None and not case.statement:
            del self.fields["statement_finding"]


class DropForm(forms.Form):
    drop_reason = forms.CharField(label=_("Why the case is dropped"), widget=forms.Textarea(attrs={"rows": 2}))
    reason = ReasonField()


class RemoveForm(forms.Form):
    removal_reason = forms.ChoiceField(label=_("Removal"), choices=RemovalReason.choices)
    removal_document = forms.CharField(label=_("Removal document"), max_length=200)
    reason = ReasonField()


class ObjectionForm(forms.Form):
    objection = forms.CharField(label=_("Objection received"), widget=forms.Textarea(attrs={"rows": 2}))
    reason = ReasonField()


class SimpleReasonForm(forms.Form):
    reason = ReasonField()


class CheckForm(forms.Form):
    identifier = forms.CharField(label=_("Applicant's identifier"), max_length=30)
    matter = forms.ChoiceField(label=_("Matter"), choices=Matter.choices)


class StatisticsForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("To"), widget=DateInput())
