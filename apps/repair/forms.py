from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.forms import DateInput, ReasonForm
from apps.core.selectors import active_policy
from apps.objections.forms import MultipleFileField, OnlineIdentityForm
from apps.repair.choices import Channel, InterviewKind, RefusalGround, means_for


class FindSubjectForm(forms.Form):
    identifier = forms.CharField(label=pgettext_lazy("repair", "Applicant's identifier"), max_length=30)


def _means_choices():
    return [(m.value, m.label) for m in means_for(active_policy())]


def _record_label(record) -> str:
    parts = [f"#{record.pk}", record.item.name, record.document_number or "—", str(record.provider)]
    parts.append(str(record.determined_on or ""))
    return " · ".join(p for p in parts if p)


def _listing_label(case) -> str:
    return f"#{case.pk} {case.get_list_type_display()} · {case.decision_number or '—'} · {case.deciding_org}"


class _ApplicationFields(forms.Form):
    records = forms.MultipleChoiceField(
        label=_("Records to repair"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("One application names information of one determining agency: each agency decides its own repair."),
    )
    listing = forms.ChoiceField(label=_("Listing to end"), required=False)
    means = forms.MultipleChoiceField(label=_("Means of repair"), widget=forms.CheckboxSelectMultiple)
    statement = forms.CharField(
        label=_("What the subject did to correct its conduct"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    proof = MultipleFileField(label=_("Proof (PDF, PNG, JPEG)"), required=False)

    def __init__(self, *args, records=(), listings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["records"].choices = [(str(r.pk), _record_label(r)) for r in records]
        self.fields["listing"].choices = [("", "—")] + [(str(c.pk), _listing_label(c)) for c in listings]
        self.fields["means"].choices = _means_choices()


class FileRepairForm(ReasonForm, _ApplicationFields):
    """An application entered at the window or forwarded; the applicant signed the commitment
    printed from the platform's template, and its scan is attached."""

    identifier = forms.CharField(widget=forms.HiddenInput)
    applicant_name = forms.CharField(label=_("Applicant"), max_length=100)
    applicant_contact = forms.CharField(label=_("Contact"), max_length=100)
    by_agent = forms.BooleanField(label=_("Filed by an agent"), required=False)
    authorisation = forms.FileField(label=_("Written authorisation (agent)"), required=False)
    commitment_signed = forms.BooleanField(label=_("The applicant signed the credit commitment"), required=False)
    commitment_scan = forms.FileField(label=_("Scan of the signed commitment"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=[c for c in Channel.choices if c[0] != Channel.ONLINE])
    received_on = forms.DateField(label=_("Received on"), widget=DateInput(), required=False)


class OnlineRepairForm(OnlineIdentityForm, _ApplicationFields):
    """The public page's second step: who applies comes again in hidden fields and is checked
    again; the records offered are the subject's own disclosed dishonest ones."""

    commitment_signed = forms.BooleanField(
        label=_("I have read the credit commitment above and sign it"),
        required=False,
        help_text=_("Signing online has the same effect as signing the printed letter."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("identifier", "name", "contact"):
            self.fields[name].widget = forms.HiddenInput()


class RefuseForm(ReasonForm):
    refusal_ground = forms.ChoiceField(label=_("Ground of refusal"), choices=RefusalGround.choices)
    refusal_reason = forms.CharField(label=_("Why it is not accepted"), widget=forms.Textarea(attrs={"rows": 3}))
    earliest_reapply_on = forms.DateField(
        label=_("May apply again from"),
        required=False,
        widget=DateInput(),
        help_text=_("Empty: worked out from the minimum publication period where that is the reason."),
    )


class MaterialForm(ReasonForm):
    material_requested = forms.CharField(label=_("Material requested"), widget=forms.Textarea(attrs={"rows": 3}))


class MaterialReceivedForm(ReasonForm):
    proof = MultipleFileField(label=_("Proof (PDF, PNG, JPEG)"), required=False)


class GraceForm(ReasonForm):
    grace_until = forms.DateField(label=_("Grace period until"), widget=DateInput())
    grace_reason = forms.CharField(
        label=_("Good reason for the grace period"), widget=forms.Textarea(attrs={"rows": 2})
    )


class DecideForm(ReasonForm):
    outcome_reason = forms.CharField(label=_("Reasons for the decision"), widget=forms.Textarea(attrs={"rows": 3}))
    late_reason = forms.CharField(
        label=_("Why after the due date"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DeliverForm(ReasonForm):
    delivered_on = forms.DateField(label=_("Delivered on"), required=False, widget=DateInput())


STEP_FORMS = {
    "accept": ReasonForm,
    "refuse": RefuseForm,
    "request-material": MaterialForm,
    "material-received": MaterialReceivedForm,
    "grant-grace": GraceForm,
    "end-grace": ReasonForm,
    "repair": DecideForm,
    "not-repair": DecideForm,
    "deliver": DeliverForm,
}


class GoodInfoForm(ReasonForm):
    identifier = forms.CharField(widget=forms.HiddenInput)
    records = forms.MultipleChoiceField(label=_("Good records"), widget=forms.CheckboxSelectMultiple)
    applicant_name = forms.CharField(label=_("Applicant"), max_length=100)
    applicant_contact = forms.CharField(label=_("Contact"), max_length=100)
    statement = forms.CharField(label=_("Request"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    received_on = forms.DateField(label=_("Received on"), widget=DateInput(), required=False)

    def __init__(self, *args, records=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["records"].choices = [(str(r.pk), _record_label(r)) for r in records]


class GoodInfoApplyForm(ReasonForm):
    late_reason = forms.CharField(
        label=_("Why after the due date"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class GoodInfoRefuseForm(ReasonForm):
    refusal_reason = forms.CharField(label=_("Why refused"), widget=forms.Textarea(attrs={"rows": 2}))


GOOD_INFO_STEP_FORMS = {"apply": GoodInfoApplyForm, "refuse": GoodInfoRefuseForm, "publish-again": ReasonForm}


class InterviewForm(ReasonForm):
    identifier = forms.CharField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Kind"), choices=InterviewKind.choices)
    held_on = forms.DateField(label=_("Held on"), widget=DateInput())
    participants = forms.CharField(label=_("Participants"), widget=forms.Textarea(attrs={"rows": 2}))
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 4}))
    records = forms.MultipleChoiceField(
        label=_("Records concerned"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, records=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["records"].choices = [(str(r.pk), _record_label(r)) for r in records]


def step_data(form) -> dict:
    """What the form gives the step, besides the reason."""
    return {name: value for name, value in form.cleaned_data.items() if name != "reason"}
