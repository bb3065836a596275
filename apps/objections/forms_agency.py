"""Forms of the objections a credit service agency receives: recording one (its staff), its two
steps, and the list filter."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.filters import DateRangeWidget
from apps.core.forms import DateInput, ReasonForm
from apps.objections.choices import AgencyObjectionStatus, AgencyOutcome, Ground
from apps.objections.forms import MultipleFileField
from apps.objections.models import AgencyObjection


class ReceiveAgencyObjectionForm(ReasonForm):
    applicant_name = forms.CharField(label=_("Applicant"), max_length=100)
    applicant_contact = forms.CharField(label=_("Contact"), max_length=100)
    report_number = forms.CharField(
        label=_("Report number"), max_length=100, help_text=_("The agency's credit report or rating report disputed.")
    )
    information = forms.CharField(label=_("Information disputed"), widget=forms.Textarea(attrs={"rows": 2}))
    grounds = forms.MultipleChoiceField(label=_("Grounds"), choices=Ground.choices, widget=forms.CheckboxSelectMultiple)
    statement = forms.CharField(label=_("What the applicant says"), widget=forms.Textarea(attrs={"rows": 3}))
    received_on = forms.DateField(label=_("Received on"), widget=DateInput(), required=False)
    evidence = MultipleFileField(label=_("Evidence (PDF, PNG, JPEG)"), required=False)


class MarkForm(ReasonForm):
    pass


class DecideForm(ReasonForm):
    """The fields the service checks (a reason for "kept", what was corrected, the source) are
    optional here, so that its Chinese message names what is missing."""

    outcome = forms.ChoiceField(label=_("Decision"), choices=AgencyOutcome.choices)
    source = forms.CharField(
        label=_("Source of the information"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    correction = forms.CharField(
        label=_("What was corrected"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    outcome_reason = forms.CharField(
        label=_("Reasons for the decision"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the information is not corrected."),
    )
    late_reason = forms.CharField(
        label=_("Why after the due date"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


STEP_FORMS = {"mark": MarkForm, "decide": DecideForm}


class AgencyObjectionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AgencyObjectionStatus.choices, label=_("Status"))
    outcome = django_filters.ChoiceFilter(choices=AgencyOutcome.choices, label=_("Decision"))
    received = django_filters.DateFromToRangeFilter(
        field_name="received_on", label=_("Received between"), widget=DateRangeWidget()
    )

    class Meta:
        model = AgencyObjection
        fields = ["status", "outcome", "received"]
