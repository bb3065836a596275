from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.catalog.choices import Severity
from apps.core.choices import OrganizationKind
from apps.core.forms import DateInput, ReasonForm
from apps.core.models import Organization
from apps.objections.choices import Channel, Ground, Outcome
from apps.subjects.choices import ObjectionMark


class FindSubjectForm(forms.Form):
    identifier = forms.CharField(label=pgettext_lazy("objection", "Applicant's identifier"), max_length=30)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class FileObjectionForm(ReasonForm):
    """An objection received at the window, by letter or forwarded (or, for an agency officer,
    filed with the agency itself). The records offered are the subject's own."""

    identifier = forms.CharField(widget=forms.HiddenInput)
    records = forms.MultipleChoiceField(
        label=_("Records disputed"), required=False, widget=forms.CheckboxSelectMultiple
    )
    missing = forms.CharField(
        label=_("Information said to be missing"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    grounds = forms.MultipleChoiceField(label=_("Grounds"), choices=Ground.choices, widget=forms.CheckboxSelectMultiple)
    statement = forms.CharField(label=_("What the applicant says"), widget=forms.Textarea(attrs={"rows": 3}))
    applicant_name = forms.CharField(label=_("Applicant"), max_length=100)
    applicant_contact = forms.CharField(label=_("Contact"), max_length=100)
    by_agent = forms.BooleanField(label=_("Filed by an agent"), required=False)
    authorisation = forms.FileField(label=_("Written authorisation (agent)"), required=False)
    evidence = MultipleFileField(label=_("Evidence (PDF, PNG, JPEG)"), required=False)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[c for c in Channel.choices if c[0] not in (Channel.ONLINE, Channel.DIRECT)]
    )
    received_on = forms.DateField(label=_("Received on"), widget=DateInput(), required=False)

    def __init__(self, *args, records=(), direct=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["records"].choices = [
            (str(r.pk), f"#{r.pk} {r.item.name} · {r.document_number or '—'} · {r.get_status_display()}")
            for r in records
        ]
        if direct:
            del self.fields["channel"]


class OnlineIdentityForm(forms.Form):
    """The public page's first step: who files (`apps.objections.intake.online_subject`)."""

    identifier = forms.CharField(
        label=_("Unified social credit code or citizen identity number"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    name = forms.CharField(
        label=_("Registered name"),
        max_length=200,
        help_text=_("Exactly as registered: a company's full name, a person's name as on the identity card."),
    )
    contact = forms.CharField(
        label=_("Contact (telephone or e-mail)"),
        max_length=100,
        help_text=_("For the credit office's questions and its reply."),
    )


class OnlineObjectionForm(OnlineIdentityForm):
    """The public page's second step: the objection. Who files comes again in hidden fields and
    is checked again; the records offered are the subject's own disclosed ones, so another
    record's id is refused by the field itself."""

    records = forms.MultipleChoiceField(
        label=_("Records disputed"), required=False, widget=forms.CheckboxSelectMultiple
    )
    missing = forms.CharField(
        label=_("Information missing from the list, or not shown here"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Describe it if you dispute information that is missing or not listed above."),
    )
    grounds = forms.MultipleChoiceField(label=_("Grounds"), choices=Ground.choices, widget=forms.CheckboxSelectMultiple)
    statement = forms.CharField(
        label=_("Your statement"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What is wrong, and what it should be."),
    )
    evidence = MultipleFileField(label=_("Evidence (PDF, PNG, JPEG)"), required=False)

    def __init__(self, *args, records=(), **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("identifier", "name", "contact"):
            self.fields[name].widget = forms.HiddenInput()
        self.fields["records"].choices = [(str(r.pk), _online_label(r)) for r in records]


def _online_label(record) -> str:
    """A record as the subject sees it in the list: item, document number, provider, date, mark."""
    parts = [record.item.name, record.document_number, record.provider.name, str(record.determined_on or "")]
    if record.under_objection:
        parts.append(str(ObjectionMark.MARKED.label))
    return " · ".join(part for part in parts if part)


class OnlineStatusForm(forms.Form):
    tracking_code = forms.CharField(label=_("Tracking code"), max_length=30)
    identifier = forms.CharField(
        label=_("Unified social credit code or citizen identity number"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class AnswerForm(ReasonForm):
    answer = forms.ChoiceField(label=_("Answer"), choices=Outcome.choices)
    answer_reason = forms.CharField(
        label=pgettext_lazy("objection", "Reasons"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ForwardForm(ReasonForm):
    agency = forms.ModelChoiceField(label=_("Providing agency"), queryset=Organization.objects.none())

    def __init__(self, *args, objection=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Organization.objects.filter(
            kind=OrganizationKind.AGENCY, is_active=True
        ).order_by("name")
        if objection is not None:
            providers = {r.provider_id for r in objection.records.all()}
            if len(providers) == 1:
                self.fields["agency"].initial = providers.pop()


class RefuseForm(ReasonForm):
    refusal_reason = forms.CharField(label=_("Why it is not accepted"), widget=forms.Textarea(attrs={"rows": 3}))


class DecideForm(ReasonForm):
    """The decision; a correction names the corrected values of one disputed record."""

    outcome = forms.ChoiceField(label=pgettext_lazy("objection", "Decision"), choices=Outcome.choices)
    outcome_reason = forms.CharField(label=_("Reasons for the decision"), widget=forms.Textarea(attrs={"rows": 3}))
    late_reason = forms.CharField(
        label=_("Why after the due date"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    correct_record = forms.ChoiceField(label=_("Record corrected"), required=False)
    document_number = forms.CharField(label=_("Corrected document number"), required=False, max_length=100)
    document_date = forms.DateField(label=_("Corrected document date"), required=False, widget=DateInput())
    determined_on = forms.DateField(label=_("Corrected date of determination"), required=False, widget=DateInput())
    ended_on = forms.DateField(label=_("Corrected end of the conduct"), required=False, widget=DateInput())
    severity = forms.ChoiceField(label=_("Corrected severity"), required=False, choices=[("", "—"), *Severity.choices])

    CORRECTABLE = ("document_number", "document_date", "determined_on", "ended_on", "severity")

    def __init__(self, *args, objection=None, **kwargs):
        super().__init__(*args, **kwargs)
        records = list(objection.records.select_related("item")) if objection is not None else []
        self.fields["correct_record"].choices = [("", "—")] + [(str(r.pk), f"#{r.pk} {r.item.name}") for r in records]
        if objection is not None and objection.answer:
            self.fields["outcome"].initial = objection.answer

    def step_data(self) -> dict:
        data = self.cleaned_data
        corrections = {}
        values = {name: data[name] for name in self.CORRECTABLE if data.get(name) not in (None, "")}
        if data.get("correct_record") and values:
            corrections[int(data["correct_record"])] = values
        return {
            "outcome": data["outcome"],
            "outcome_reason": data["outcome_reason"],
            "late_reason": data["late_reason"],
            "corrections": corrections,
        }


class PauseForm(ReasonForm):
    why = forms.CharField(label=_("What is being tested or reviewed"), max_length=300)
    start = forms.DateField(label=_("Paused from"), required=False, widget=DateInput())


class ResumeForm(ReasonForm):
    end = forms.DateField(label=_("Last day paused"), required=False, widget=DateInput())


STEP_FORMS = {
    "accept": ReasonForm,
    "refuse": RefuseForm,
    "forward": ForwardForm,
    "answer": AnswerForm,
    "decide": DecideForm,
    "inform": ReasonForm,
    "pause": PauseForm,
    "resume": ResumeForm,
}


def step_form(objection, step: str, data=None):
    form_class = STEP_FORMS[step]
    if form_class in (ForwardForm, DecideForm):
        return form_class(data, objection=objection)
    return form_class(data)


def step_data(form) -> dict:
    """What the form gives the step, besides the reason."""
    if isinstance(form, DecideForm):
        return form.step_data()
    return {name: value for name, value in form.cleaned_data.items() if name != "reason"}
