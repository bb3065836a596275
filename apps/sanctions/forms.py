from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.catalog.choices import ListStatus, Matter
from apps.catalog.models import CatalogItem, ExemptionRule, Measure
from apps.core.forms import DateInput
from apps.core.selectors import active_policy
from apps.sanctions.choices import ListType, RemovalReason, ReviewOutcome
from apps.sanctions.selectors import eligible_basis_records, list_measures, remedies_notice
from apps.subjects.models import CreditRecord, ResponsiblePerson, Subject
from apps.subjects.services import clean_identifier

MSG_NO_SUBJECT = _("No subject has this identifier; its records come first.")


class ReasonField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(label=_("Reason"), max_length=1000, **kwargs)


class CaseSubjectForm(forms.Form):
    """The first part of filing a case (by GET, without JavaScript): the list and the subject,
    so the second part can offer that subject's eligible records and that list's measures."""

    list_type = forms.ChoiceField(label=_("List"), choices=ListType.choices)
    identifier = forms.CharField(label=_("Subject identifier"), max_length=30)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if active_policy().key_attention_months is None:  # the city keeps no key-attention list
            self.fields["list_type"].choices = [c for c in ListType.choices if c[0] != ListType.KEY_ATTENTION]

    def clean_identifier(self) -> Subject:
        try:
            _kind, identifier = clean_identifier(self.cleaned_data["identifier"])
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None
        subject = Subject.objects.filter(identifier=identifier).first()
        if subject is None:
            raise forms.ValidationError(MSG_NO_SUBJECT)
        return subject


class CaseOpenForm(forms.Form):
    """The second part: what the case says, the subject's records it rests on and the measures of
    its list, chosen from what the services would accept; `case_open` checks them again."""

    facts = forms.CharField(label=_("Facts"), widget=forms.Textarea(attrs={"rows": 3}))
    legal_basis = forms.CharField(label=_("Legal basis"), widget=forms.Textarea(attrs={"rows": 2}))
    basis_records = forms.ModelMultipleChoiceField(
        label=_("Records the case rests on"),
        queryset=CreditRecord.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    measures = forms.ModelMultipleChoiceField(
        label=_("Measures of this list (published)"),
        queryset=Measure.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    exemption_rule = forms.ModelChoiceField(
        label=_("Exemption rule (key-attention list)"), queryset=ExemptionRule.objects.none(), required=False
    )
    reason = ReasonField()

    def __init__(self, *args, user, subject: Subject, list_type: str, **kwargs):
        super().__init__(*args, **kwargs)
        if list_type == ListType.RED:  # a red-list proposal rests on no dishonest record
            del self.fields["basis_records"]
        else:
            self.fields["basis_records"].queryset = eligible_basis_records(user, subject, list_type)
            self.fields["basis_records"].label_from_instance = lambda r: "{} · {} · {} · {}".format(
                r.item.name,
                r.document_number or "—",
                r.determined_on.isoformat() if r.determined_on else "—",
                r.get_severity_display() or "—",
            )
        self.fields["measures"].queryset = list_measures(list_type)
        self.fields["measures"].label_from_instance = lambda m: f"{m.code} {m.name}"
        if list_type == ListType.KEY_ATTENTION:
            self.fields["exemption_rule"].queryset = ExemptionRule.objects.filter(
                exemption_list__status=ListStatus.PUBLISHED
            )
        else:
            del self.fields["exemption_rule"]


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
