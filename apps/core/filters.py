import django_filters
from django.utils.translation import gettext_lazy as _

from apps.core.audit_history import model_label
from apps.core.forms import DateInput
from apps.core.identifiers import normalize_identifier
from apps.core.models import AuthEvent, Deadline, Organization, QueryFlag, QueryLog
from apps.core.permissions import restrict
from apps.core.workbench import step_choices


def filter_list(filterset_class, request, queryset):
    """The filterset of a list page, bound to the request's GET parameters, and the rows to show.

    `queryset` is what the page shows unfiltered, already restricted to what the user may see:
    a filter only narrows it, so no parameter reveals another organisation's rows. Input that is
    not valid (a date that is no date, a choice not offered) leaves the list unfiltered and is
    shown as the form's errors, naming the field."""
    filterset = filterset_class(request.GET or None, queryset=queryset, request=request)
    if filterset.is_bound and filterset.is_valid():
        return filterset, filterset.qs
    return filterset, queryset


def _organizations(request):
    """The organisations the user may see, for a filter's choices."""
    return restrict(Organization.objects.all(), getattr(request, "user", None)).order_by("kind", "name")


class DateRangeWidget(django_filters.widgets.DateRangeWidget):
    """The from–to pair of a `DateFromToRangeFilter` (`<name>_after`, `<name>_before`) as the
    browser's date pickers."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.widgets = [DateInput(), DateInput()]


class DateRangeFilterSet(django_filters.FilterSet):
    date_from = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label=_("From"),
        widget=DateInput(),
    )
    date_to = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("To"), widget=DateInput()
    )


class QueryLogFilter(DateRangeFilterSet):
    """The query log: "who looked at X" (the subject's identifier) and "what did user Y look at"
    (the username), by organisation, time, channel, mode, purpose and outcome."""

    subject_identifier = django_filters.CharFilter(method="filter_identifier", label=_("Subject identifier"))
    username = django_filters.CharFilter(field_name="user__username", label=_("Username"))
    organization = django_filters.ModelChoiceFilter(
        queryset=_organizations, field_name="organization", label=_("Organisation"), empty_label=_("All organisations")
    )

    class Meta:
        model = QueryLog
        fields = ["channel", "mode", "purpose", "outcome"]

    def filter_identifier(self, queryset, name, value):
        return queryset.filter(subject_identifier=normalize_identifier(value))


class QueryFlagFilter(django_filters.FilterSet):
    class Meta:
        model = QueryFlag
        fields = ["status"]


class AuthEventFilter(DateRangeFilterSet):
    username = django_filters.CharFilter(field_name="username", label=_("Username"))

    class Meta:
        model = AuthEvent
        fields = ["kind"]


def _agencies(request):
    """The organisations the user may see (an officer: its own)."""
    return restrict(Organization.objects.all(), getattr(request, "user", None)).order_by("kind", "name")


class WorkbenchFilter(django_filters.FilterSet):
    """The deadline workbench's filters. The workbench spans several owner models, so its
    selector (`apps.core.workbench.workbench_for`) applies them from the validated form
    (`kind`, `agency`, `due_from`, `due_to`) rather than through `.qs`."""

    kind = django_filters.ChoiceFilter(
        field_name="kind", choices=step_choices, label=_("Step"), empty_label=_("All steps")
    )
    agency = django_filters.ModelChoiceFilter(
        queryset=_agencies, label=_("Agency"), method="filter_nothing", empty_label=_("All agencies")
    )
    due_from = django_filters.DateFilter(
        field_name="due_on", lookup_expr="gte", label=_("Due from"), widget=DateInput()
    )
    due_to = django_filters.DateFilter(field_name="due_on", lookup_expr="lte", label=_("Due until"), widget=DateInput())

    class Meta:
        model = Deadline
        fields = []

    def filter_nothing(self, queryset, name, value):
        return queryset  # the owner's organisation: applied per owner model by the selector


HISTORY_KINDS = [("+", _("Created")), ("~", _("Changed")), ("-", _("Deleted"))]


class AuditHistoryFilter(django_filters.FilterSet):
    """The change history of one audited model (the auditor's workspace): by object, acting
    user, that user's organisation, time and change reason. The model is chosen by `model`
    (validated against the models whose history the user may read); the view binds the filter
    to that model's historical rows."""

    model = django_filters.ChoiceFilter(label=_("Model"), method="filter_nothing", empty_label=_("Choose a model"))
    object_id = django_filters.NumberFilter(field_name="id", label=_("Object id"), min_value=1)
    kind = django_filters.ChoiceFilter(
        field_name="history_type", choices=HISTORY_KINDS, label=_("Change"), empty_label=_("Every kind of change")
    )
    username = django_filters.CharFilter(field_name="history_user__username", label=_("Username"))
    organization = django_filters.ModelChoiceFilter(
        queryset=_organizations,
        field_name="history_user__organization",
        label=_("Organisation"),
        empty_label=_("All organisations"),
    )
    date_from = django_filters.DateFilter(
        field_name="history_date", lookup_expr="date__gte", label=_("From"), widget=DateInput()
    )
    date_to = django_filters.DateFilter(
        field_name="history_date", lookup_expr="date__lte", label=_("To"), widget=DateInput()
    )
    reason = django_filters.CharFilter(field_name="history_change_reason", lookup_expr="icontains", label=_("Reason"))

    def __init__(self, *args, models=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["model"].extra["choices"] = [
            (label, model_label(model)) for label, (model, _historical) in (models or {}).items()
        ]

    def filter_nothing(self, queryset, name, value):
        return queryset  # the model chooses the table the view binds, not a condition on it
