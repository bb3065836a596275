from django import forms
from django.utils.translation import gettext_lazy as _


class DateInput(forms.DateInput):
    """The browser's date picker: the value must be ISO (2026-03-01), whatever the locale's
    display format (zh-hans would render 2026/03/01, which the picker rejects)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}), strip=True)


class WorkingDayForm(forms.Form):
    start = forms.DateField(label=_("Start date"), widget=DateInput())
    days = forms.IntegerField(label=_("Working days"), min_value=0, max_value=365)


def add_service_errors(form: forms.Form, error) -> None:
    """Show a service's ValidationError on the form: per field where the form has the field,
    otherwise at the top of the form."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def take_posted_step(request, form, take, *, data=None) -> bool:
    """The POST of a step form on a case page: validate it, then `take(reason=…, **data(form))`
    (the service, which raises ValidationError); every error becomes a message naming its field's
    label. `form` is the step's form class (bound here to the POST and its files) or a form already
    bound; `data` says what the service takes besides the reason (by default every cleaned field).
    True when the step was taken (the caller says what it became)."""
    from django.contrib import messages

    if isinstance(form, type):
        form = form(request.POST, request.FILES or None)
    labels = {name: field.label for name, field in form.fields.items()}

    def say(field, message):
        messages.error(request, f"{labels[field]}：{message}" if labels.get(field) else message)

    if not form.is_valid():
        for field, errors in form.errors.items():
            say(field, " ".join(errors))
        return False
    if data is None:
        values = {name: value for name, value in form.cleaned_data.items() if name != "reason"}
    else:
        values = data(form)
    try:
        take(reason=form.cleaned_data["reason"], **values)
    except forms.ValidationError as error:
        for field, field_messages in getattr(error, "message_dict", {None: error.messages}).items():
            for message in field_messages:
                say(field, message)
        return False
    return True
