from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from apps.core.choices import QueryOutcome, Role
from apps.core.filters import AuthEventFilter, QueryFlagFilter, QueryLogFilter, WorkbenchFilter, filter_list
from apps.core.forms import ReasonForm, WorkingDayForm
from apps.core.http import client_ip
from apps.core.identifiers import normalize_identifier
from apps.core.models import (
    POLICY_SECTIONS,
    AuthEvent,
    Deadline,
    HolidayOverride,
    Notification,
    Policy,
    QueryFlag,
    QueryFlagStatus,
    QueryLog,
    QueryLogVerification,
    SystemAccount,
)
from apps.core.notifications import notification_mark_read, notifications_unread
from apps.core.permissions import restrict
from apps.core.registry import project_submodules
from apps.core.selectors import active_policy, audit_lookup, system_account_usage
from apps.core.services import query_flag_clear
from apps.core.workbench import WEEK_WORKING_DAYS, workbench_for
from apps.core.workdays import add_working_days, covered_until

PAGE_SIZE = 50


def keyset_page(queryset, request, size: int = PAGE_SIZE) -> dict:
    """Newest-first pages by id (no COUNT, no OFFSET: cheap on tables of millions of rows)."""
    before = request.GET.get("before", "")
    if before.isascii() and before.isdigit() and len(before) <= 18:
        queryset = queryset.filter(pk__lt=int(before))
    items = list(queryset.order_by("-pk")[: size + 1])
    has_next = len(items) > size
    items = items[:size]
    params = request.GET.copy()
    params.pop("before", None)
    first_query = params.urlencode()
    if has_next:
        params["before"] = items[-1].pk
    return {
        "items": items,
        "next_query": params.urlencode() if has_next else None,
        "first_query": first_query,
        "is_first_page": not before,
    }


class RestrictedListView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """A filtered, keyset-paginated list of what the user may see."""

    model = None
    filterset_class = None
    template_name = ""

    def get_queryset(self):
        return restrict(self.model.objects.all(), self.request.user, "view")

    def get_context_data(self, **kwargs):
        filterset, queryset = filter_list(self.filterset_class, self.request, self.get_queryset())
        return {"filter": filterset, **keyset_page(queryset, self.request), **kwargs}

    def get(self, request, *args, **kwargs):
        return render(request, self.template_name, self.get_context_data())


class HomeView(LoginRequiredMixin, TemplateView):
    """Each role lands on its own workbench."""

    def get_template_names(self):
        role = self.request.user.role or "admin"
        return [f"core/home_{role}.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        if user.has_perm("core.view_queryflag"):
            context["open_flags"] = restrict(QueryFlag.objects.select_related("user"), user).filter(
                status=QueryFlagStatus.OPEN
            )[:20]
        if user.role == Role.AUDITOR:
            context["recent_lookups"] = restrict(QueryLog.objects.select_related("user"), user).order_by("-pk")[:10]
            context["last_verification"] = QueryLogVerification.objects.order_by("-ran_at").first()
        if user.role == Role.OFFICER:
            context["organization"] = user.organization
        context["notifications"] = notifications_unread(user)
        # Apps that come later add their panels' data through a `home.py` with context(user).
        for module in project_submodules("home"):
            context.update(module.context(user))
        return context


@login_required
@require_POST
def notification_read(request, pk: int):
    """The signed-in user marks one of its own notifications read (another's is not found)."""
    notification = get_object_or_404(restrict(Notification.objects.all(), request.user, "view"), pk=pk)
    notification_mark_read(notification, by=request.user)
    return redirect("core:home")


class WorkbenchView(LoginRequiredMixin, TemplateView):
    """The deadline workbench: the running statutory clocks of every case and batch the user may
    see (the apps' `workbench.py`), overdue, due today and due this week, with filters. Read-only:
    each row links to the page where the step is taken."""

    template_name = "core/workbench.html"

    def get_context_data(self, **kwargs):
        filterset = WorkbenchFilter(self.request.GET or None, queryset=Deadline.objects.none(), request=self.request)
        # As filter_list: input that is not valid leaves the list unfiltered, with the form's errors.
        data = filterset.form.cleaned_data if filterset.is_bound and filterset.is_valid() else {}
        workbench = workbench_for(
            self.request.user,
            kinds=[data["kind"]] if data.get("kind") else None,
            agency=data.get("agency"),
            due_from=data.get("due_from"),
            due_to=data.get("due_to"),
        )
        filtered = any(data.get(name) for name in ("kind", "agency", "due_from", "due_to"))
        return super().get_context_data(
            filter=filterset, workbench=workbench, filtered=filtered, week_days=WEEK_WORKING_DAYS, **kwargs
        )


class QueryLogListView(RestrictedListView):
    permission_required = "core.view_querylog"
    model = QueryLog
    filterset_class = QueryLogFilter
    template_name = "core/querylog_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("user", "organization")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            last_verification=QueryLogVerification.objects.order_by("-ran_at").first(), **kwargs
        )
        filterset = context["filter"]
        if filterset.is_bound and filterset.is_valid() and filterset.form.cleaned_data.get("subject_identifier"):
            # "Who looked at X" shows that subject's lookups: itself a lookup of the subject, one
            # query-log row per page view under the purpose "audit" (issue 17).
            identifier = normalize_identifier(filterset.form.cleaned_data["subject_identifier"])
            items = context["items"]
            context["log_entry"] = audit_lookup(
                by=self.request.user,
                client_ip=client_ip(self.request),
                subject_identifier=identifier,
                subject_name=next((row.subject_name for row in items if row.subject_name), ""),
                query={"query_log": {k: str(v) for k, v in filterset.form.cleaned_data.items() if v not in (None, "")}},
                outcome=QueryOutcome.FOUND if items else QueryOutcome.NOT_FOUND,
                result={"lookups": len(items), "ids": [row.pk for row in items][:200]},
            )
        return context


class QueryFlagListView(RestrictedListView):
    permission_required = "core.view_queryflag"
    model = QueryFlag
    filterset_class = QueryFlagFilter
    template_name = "core/queryflag_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("user", "user__organization", "cleared_by")

    def get_context_data(self, **kwargs):
        user = self.request.user
        can_clear = user.has_perm("core.change_queryflag") and (user.is_superuser or user.role == Role.CLERK)
        return super().get_context_data(reason_form=ReasonForm(), can_clear=can_clear, **kwargs)


@login_required
@require_POST
def queryflag_clear(request, pk: int):
    flag = get_object_or_404(restrict(QueryFlag.objects.all(), request.user, "view"), pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for clearing the flag."))
        return redirect("core:queryflag_list")
    try:
        query_flag_clear(flag, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The flag on %(user)s was cleared.") % {"user": flag.user})
    return redirect("core:queryflag_list")


class SystemAccountUsageView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """The connected systems' accounts: each one's daily quota, what it used today, its refusals
    of today and the last seven days (the credit office sets the quotas in the admin)."""

    permission_required = "core.view_systemaccount"
    template_name = "core/systemaccount_list.html"

    def get_context_data(self, **kwargs):
        accounts = restrict(SystemAccount.objects.all(), self.request.user, "view")
        return super().get_context_data(
            usage=system_account_usage(accounts=accounts),
            can_change=self.request.user.has_perm("core.change_systemaccount"),
            **kwargs,
        )


class AuthEventListView(RestrictedListView):
    permission_required = "core.view_authevent"
    model = AuthEvent
    filterset_class = AuthEventFilter
    template_name = "core/authevent_list.html"


class PolicyView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """The active city policy, figure by figure with the article each comes from."""

    permission_required = "core.view_policy"
    template_name = "core/policy.html"

    def get_context_data(self, **kwargs):
        policy = active_policy()
        sections = []
        for title, figures in POLICY_SECTIONS:
            rows = []
            for name, basis_name in figures:
                field = Policy._meta.get_field(name)
                display = getattr(policy, f"get_{name}_display", None)
                rows.append(
                    {
                        "label": field.verbose_name,
                        "value": display() if display else getattr(policy, name),
                        "basis": getattr(policy, basis_name) if basis_name else "",
                    }
                )
            sections.append({"title": title, "rows": rows})
        can_edit = restrict(Policy.objects.filter(pk=policy.pk), self.request.user, "change").exists()
        return super().get_context_data(policy=policy, sections=sections, can_edit=can_edit, **kwargs)


class WorkingDaysView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = "core.view_holidayoverride"
    template_name = "core/workdays.html"

    def get_context_data(self, **kwargs):
        form = WorkingDayForm(self.request.GET or None, initial={"start": timezone.localdate(), "days": 5})
        result = None
        if form.is_bound and form.is_valid():
            result = add_working_days(form.cleaned_data["start"], form.cleaned_data["days"])
        overrides = restrict(HolidayOverride.objects.all(), self.request.user).filter(
            Q(date__year__gte=timezone.localdate().year - 1)
        )
        return super().get_context_data(
            form=form, result=result, overrides=overrides, covered_until=covered_until(), **kwargs
        )


def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else _("You do not have permission to do this.")
    return render(request, "403.html", {"message": message}, status=403)
