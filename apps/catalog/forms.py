from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.catalog.choices import FieldType, Level, Matter, SubjectType
from apps.catalog.models import CatalogItem, ExemptionRule, Measure
from apps.core.choices import OrganizationKind
from apps.core.forms import DateInput
from apps.core.models import Organization

DATE = DateInput()


class ReasonMixin(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.TextInput(attrs={"size": 60}))


class ReasonForm(ReasonMixin):
    pass


class ListCreateForm(ReasonMixin):
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices, initial=Level.CITY)
    title = forms.CharField(label=_("Title"), max_length=200, widget=forms.TextInput(attrs={"size": 60}))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ConsultationForm(ReasonMixin):
    start = forms.DateField(label=_("Consultation starts"), widget=DATE, initial=timezone.localdate)
    end = forms.DateField(label=_("Consultation ends"), widget=DATE)


class ApproveForm(ReasonMixin):
    approval_document = forms.CharField(label=_("Approving document number"), max_length=100)


class PublishForm(ReasonMixin):
    effective_date = forms.DateField(label=_("Effective from"), widget=DATE, initial=timezone.localdate)


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}))
    author_name = forms.CharField(
        label=_("On behalf of (public comment)"),
        required=False,
        max_length=100,
        help_text=_("Only when you enter a comment received from the public."),
    )


class PublicCommentForm(forms.Form):
    """A comment from the public website on a list in consultation."""

    author_name = forms.CharField(
        label=_("Your name or organisation"),
        max_length=100,
        help_text=_("Shown to the credit office only; the page shows the comment as the public's."),
    )
    text = forms.CharField(label=_("Comment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))


class ReplyForm(forms.Form):
    reply = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"rows": 2}))


class ImportForm(ReasonMixin):
    file = forms.FileField(label=_("XLSX or CSV file"))
    encoding = forms.ChoiceField(
        label=_("Encoding (CSV)"),
        choices=[("", _("Detect")), ("utf-8", "UTF-8"), ("gb18030", "GB18030 / GBK")],
        required=False,
    )


class CatalogItemForm(forms.ModelForm):
    subject_types = forms.MultipleChoiceField(
        label=_("Subject types"), choices=SubjectType.choices, widget=forms.CheckboxSelectMultiple
    )
    providers = forms.ModelMultipleChoiceField(
        label=_("Providing organisations"),
        queryset=Organization.objects.filter(kind=OrganizationKind.AGENCY, is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reason = ReasonMixin.base_fields["reason"]

    class Meta:
        model = CatalogItem
        fields = [
            "code",
            "name",
            "category",
            "severity",
            "subject_types",
            "providers",
            "disclosure",
            "sharing_scope",
            "frequency",
            "period_rule",
            "period_months",
            "publish_minor",
            "shown_with_organisation",
            "consent_collected",
            "legal_basis",
            "description",
            "report_section",
            "position",
        ]
        widgets = {"legal_basis": forms.Textarea(attrs={"rows": 2}), "description": forms.Textarea(attrs={"rows": 2})}


class FieldDefinitionForm(forms.Form):
    """One row of the record-field schema editor."""

    name = forms.CharField(label=_("Field name"), max_length=50, required=False)
    label = forms.CharField(label=_("Label"), max_length=100, required=False)
    type = forms.ChoiceField(label=_("Type"), choices=FieldType.choices, initial=FieldType.TEXT)
    required = forms.BooleanField(label=_("Required"), required=False)
    max_length = forms.IntegerField(label=_("Max length"), required=False, min_value=1)
    choices = forms.CharField(label=_("Choices (separated by 、)"), required=False, max_length=1000)

    def definition(self) -> dict | None:
        data = self.cleaned_data
        if not data or self.cleaned_data.get("DELETE") or not (data.get("name") or data.get("label")):
            return None
        choices = [c.strip() for c in data.get("choices", "").replace(",", "、").replace("，", "、").split("、")]
        return {
            "name": data["name"].strip(),
            "label": data["label"].strip(),
            "type": data["type"],
            "required": data["required"],
            "max_length": data.get("max_length"),
            "choices": [c for c in choices if c],
        }


FieldFormSet = formset_factory(FieldDefinitionForm, extra=3, can_delete=True)


def field_formset_initial(fields: list[dict]) -> list[dict]:
    return [{**f, "choices": "、".join(f.get("choices") or [])} for f in fields]


class MeasureForm(forms.ModelForm):
    matters = forms.MultipleChoiceField(label=_("Matters"), choices=Matter.choices, widget=forms.CheckboxSelectMultiple)
    reason = ReasonMixin.base_fields["reason"]

    class Meta:
        model = Measure
        fields = [
            "code",
            "name",
            "kind",
            "applies_to",
            "matters",
            "implementing_body",
            "legal_basis",
            "content",
            "duration",
            "position",
        ]
        widgets = {"legal_basis": forms.Textarea(attrs={"rows": 2}), "content": forms.Textarea(attrs={"rows": 3})}


class ExemptionRuleForm(forms.ModelForm):
    reason = ReasonMixin.base_fields["reason"]

    class Meta:
        model = ExemptionRule
        fields = ["code", "item_code", "conduct", "conditions", "legal_basis", "position"]
        widgets = {
            "conduct": forms.Textarea(attrs={"rows": 2}),
            "conditions": forms.Textarea(attrs={"rows": 2}),
            "legal_basis": forms.Textarea(attrs={"rows": 2}),
        }
