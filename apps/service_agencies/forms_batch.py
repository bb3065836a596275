"""Forms of the batch-query applications (Nanjing art. 67): the application, the clerk's steps and
the run. The files are checked by the service (`services_batch`), not here."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.forms import DateInput, ReasonForm


class BatchApplyForm(ReasonForm):
    purpose = forms.CharField(label=_("Purpose of the query"), widget=forms.Textarea(attrs={"rows": 3}))
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=300)
    subject_count = forms.IntegerField(label=_("Number of subjects"), min_value=1)
    agreement = forms.FileField(
        label=_("Agreement (PDF, PNG, JPEG)"), help_text=_("The signed batch-query agreement (协议).")
    )
    identifiers = forms.FileField(
        label=_("Identifiers (CSV or XLSX)"),
        help_text=_(
            "One unified social credit code or citizen ID a row, in the first column or one headed “identifier”."
        ),
    )


class BatchApproveForm(ReasonForm):
    approved_count = forms.IntegerField(label=_("Subjects approved"), min_value=1)
    valid_until = forms.DateField(label=_("Valid until"), widget=DateInput())


class BatchRefuseForm(ReasonForm):
    refusal_reasons = forms.CharField(label=_("Reasons for the refusal"), widget=forms.Textarea(attrs={"rows": 3}))


class BatchRunForm(forms.Form):
    identifiers = forms.FileField(
        label=_("Identifiers (CSV or XLSX, optional)"),
        required=False,
        help_text=_("Leave empty to look up every subject of the application."),
    )


STEP_FORMS = {"approve": BatchApproveForm, "refuse": BatchRefuseForm}
