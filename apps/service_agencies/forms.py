"""Forms of the service-agencies app: the registration an agency files, the authority's steps, and
the yearly business information (reports issued by kind, one “kind: number” per line)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.forms import DateInput, ReasonForm
from apps.service_agencies.services import years_offered

MSG_REPORT_LINE = _("Line {line}: write “kind of report: number”, e.g. “信用评级报告: 120”.")


class FilingForm(ReasonForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    unified_code = forms.CharField(label=_("Unified social credit code"), max_length=30)
    legal_representative = forms.CharField(label=_("Legal representative"), max_length=100)
    address = forms.CharField(label=_("Address"), max_length=300)
    business_scope = forms.CharField(label=_("Business scope"), widget=forms.Textarea(attrs={"rows": 3}))
    qualifications = forms.CharField(
        label=_("Qualifications"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    credit_commitment = forms.CharField(
        label=_("Credit commitment"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The agency's public credit commitment (信用承诺)."),
    )

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class ResubmitForm(FilingForm):
    pass


class ReturnForm(ReasonForm):
    return_reason = forms.CharField(label=_("Why it is returned"), widget=forms.Textarea(attrs={"rows": 3}))


class RemoveForm(ReasonForm):
    removal_reason = forms.CharField(label=_("Why it is removed"), widget=forms.Textarea(attrs={"rows": 3}))


STEP_FORMS = {
    "accept": ReasonForm,
    "return": ReturnForm,
    "resubmit": ResubmitForm,
    "publish": ReasonForm,
    "remove": RemoveForm,
}


class BusinessReportForm(ReasonForm):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    services = forms.CharField(label=_("Services offered"), widget=forms.Textarea(attrs={"rows": 3}))
    reports = forms.CharField(
        label=_("Reports issued by kind"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: “kind of report: number”."),
    )
    staff_count = forms.IntegerField(label=_("Staff"), min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, str(year)) for year in years_offered()]

    def clean_reports(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for line, text in enumerate(self.cleaned_data["reports"].splitlines(), start=1):
            text = text.strip()
            if not text:
                continue
            kind, colon, number = text.replace("：", ":").rpartition(":")
            if not colon or not kind.strip() or not number.strip().isdigit():
                raise forms.ValidationError(str(MSG_REPORT_LINE).format(line=line))
            counts[kind.strip()] = int(number)
        return counts

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "year": data["year"],
            "services": data["services"],
            "reports_by_kind": data["reports"],
            "staff_count": data["staff_count"],
            "reason": data["reason"],
        }


class SupervisionForm(ReasonForm):
    """One supervision action; the spot-check fields are for a spot check only."""

    agency = forms.ModelChoiceField(label=_("Agency"), queryset=None)
    kind = forms.ChoiceField(label=_("Kind"), choices=[])
    taken_on = forms.DateField(label=_("Date"), widget=DateInput())
    summary = forms.CharField(label=_("What was done or found"), widget=forms.Textarea(attrs={"rows": 3}))
    basis = forms.CharField(label=_("Legal basis"), max_length=300, required=False)
    report_number = forms.CharField(label=_("Report number"), max_length=100, required=False)
    report_date = forms.DateField(label=_("Report date"), required=False, widget=DateInput())
    finding = forms.ChoiceField(label=_("Finding"), required=False, choices=[])
    finding_reasons = forms.CharField(
        label=_("Reasons for the finding"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        from apps.core.choices import OrganizationKind
        from apps.core.models import Organization
        from apps.service_agencies.choices import ActionKind, Finding

        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Organization.objects.filter(kind=OrganizationKind.SERVICE_AGENCY)
        # a restriction follows a false report by itself; a penalty is recorded as such
        self.fields["kind"].choices = [c for c in ActionKind.choices if c[0] != ActionKind.RESTRICTION]
        self.fields["finding"].choices = [("", "---------"), *Finding.choices]


class ReceiveForm(ReasonForm):
    on = forms.DateField(label=_("Received on"), widget=DateInput())


class FreeReportForm(ReasonForm):
    person_identifier = forms.CharField(label=_("Citizen ID number"), max_length=30)
    person_name = forms.CharField(label=_("Person's name"), max_length=50)
    given_on = forms.DateField(label=_("Given on"), widget=DateInput())
    report_number = forms.CharField(label=_("Report number"), max_length=100, required=False)


class PushedReportForm(ReasonForm):
    """A service agency's credit report pushed by the body that used it (Nanjing art. 65)."""

    agency = forms.ModelChoiceField(label=_("Credit service agency"), queryset=None)
    subject_identifier = forms.CharField(
        label=_("Subject identifier"),
        max_length=30,
        help_text=_("The unified social credit code or citizen ID number of the subject the report is about."),
    )
    matter_kind = forms.ChoiceField(label=_("Kind of matter"), choices=[])
    matter = forms.CharField(
        label=_("Matter"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The project, procurement or application the report was used in."),
    )
    report_number = forms.CharField(label=_("Report number"), max_length=100)
    report_date = forms.DateField(label=_("Report date"), widget=DateInput())
    conclusion = forms.CharField(label=_("Conclusion"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(label=_("Report file (PDF, PNG, JPEG)"))

    def __init__(self, *args, **kwargs):
        from apps.core.choices import OrganizationKind
        from apps.core.models import Organization
        from apps.service_agencies.choices import MatterKind

        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Organization.objects.filter(kind=OrganizationKind.SERVICE_AGENCY)
        self.fields["matter_kind"].choices = MatterKind.choices


class OpenCaseForm(ReasonForm):
    """A serious-list case against the agency from a false-report finding (Nanjing art. 69 para. 4)."""

    facts = forms.CharField(label=_("Facts"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    basis_records = forms.MultipleChoiceField(
        label=_("Records the case rests on"), required=False, widget=forms.CheckboxSelectMultiple
    )
    measures = forms.ModelMultipleChoiceField(
        label=_("Measures (published)"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, records=(), **kwargs):
        from apps.catalog.choices import ListStatus
        from apps.catalog.models import Measure
        from apps.sanctions.choices import MEASURE_TARGET, ListType

        super().__init__(*args, **kwargs)
        self.fields["basis_records"].choices = [
            (str(r.pk), f"#{r.pk} {r.item.name} {r.document_number}") for r in records
        ]
        self.fields["measures"].queryset = Measure.objects.filter(
            measure_list__status=ListStatus.PUBLISHED, applies_to=MEASURE_TARGET[ListType.SERIOUS]
        ).order_by("code")
        self.fields["measures"].label_from_instance = lambda m: f"{m.code} {m.name}"
