"""The auditor's workspace (issue 17): the change history of every audited model with each
entry's field diff, and the query-log chain verification run from the page with its results.

A subject's full trail lives with the subjects (`apps.subjects.views.subject_trail_view`); the
query log ("who looked at X", "what did user Y look at") and the abnormal-volume flags are the
core lists (`core:querylog_list`, `core:queryflag_list`). Pages showing a subject's data write one
query-log row per page view under the purpose "audit" (`apps.core.selectors.audit_lookup`).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST

from apps.core.audit_history import entry_of, history_models_for, history_rows, is_personal, subject_of
from apps.core.filters import AuditHistoryFilter
from apps.core.http import client_ip
from apps.core.models import QueryLogVerification
from apps.core.permissions import restrict
from apps.core.selectors import audit_lookup
from apps.core.verification_jobs import verification_request, verification_running
from apps.core.views import keyset_page

# Only the auditor's allow-list holds it (`apps.core.permissions.auditor_permissions`): reading the
# verification runs is reading the audit's own results, and asking for one is part of that work.
VERIFY_PERMISSION = "core.view_querylogverification"


class AuditHistoryView(LoginRequiredMixin, View):
    """The change history across the audited models: choose a model, filter by object, user,
    organisation, time, kind of change and reason; each entry with what it changed against the
    version of the object before it. Keyset pages by history id (no COUNT on large tables)."""

    template_name = "core/audit/history.html"

    def get(self, request):
        models = history_models_for(request.user)
        if not models:
            raise PermissionDenied(_("You may not read the change history."))
        chosen = models.get(request.GET.get("model", ""))
        # A filterset needs a queryset to build its form before a model is chosen.
        rows = history_rows(chosen[1], request.user) if chosen else next(iter(models.values()))[1].objects.none()
        filterset = AuditHistoryFilter(request.GET or None, queryset=rows, request=request, models=models)
        context = {"filter": filterset, "models": models, "chosen": None}
        if chosen is None:
            return render(request, self.template_name, context)
        model, _historical = chosen
        # As filter_list: input that is not valid leaves the list unfiltered, with the form's errors.
        if filterset.is_valid():
            rows = filterset.qs
        page = keyset_page(rows, request)
        entries = []
        for version in page["items"]:
            entry = entry_of(version, version.prev_record, model)
            entry.subject = subject_of(model, version.instance) if is_personal(model) else None
            entry.extra["admin_history"] = _admin_history_url(model, entry.object_id)
            entries.append(entry)
        log_entry = None
        if is_personal(model) and entries:
            # The rows show a subject's data: one query-log row for the page, naming the subject
            # when they are all one subject's.
            subjects = {e.subject.pk: e.subject for e in entries if e.subject is not None}
            only = next(iter(subjects.values())) if len(subjects) == 1 else None
            log_entry = audit_lookup(
                by=request.user,
                client_ip=client_ip(request),
                subject_identifier=only.identifier if only else "",
                subject_name=only.name if only else "",
                query={"audit_history": model._meta.label, "filters": _asked(filterset)},
                result={"versions": len(entries), "ids": [e.version.pk for e in entries][:200]},
            )
        context.update(chosen=model, entries=entries, log_entry=log_entry, **page)
        return render(request, self.template_name, context)


def _asked(filterset) -> dict:
    return {k: str(v) for k, v in filterset.form.cleaned_data.items() if v not in (None, "") and k != "model"}


def _admin_history_url(model, object_id) -> str:
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_history", args=[object_id])
    except NoReverseMatch:
        return ""


class ChainVerificationView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """The query-log chain: the verification running now (asked for from this page), the
    results of every run (nightly and asked for), newest first, and the button to run one."""

    permission_required = VERIFY_PERMISSION
    template_name = "core/audit/chain.html"

    def get(self, request):
        runs = restrict(QueryLogVerification.objects.all(), request.user)
        page = keyset_page(runs, request)
        return render(
            request,
            self.template_name,
            {"running": verification_running(), "last": runs.order_by("-ran_at", "-pk").first(), **page},
        )


@login_required
@require_POST
def chain_verify(request):
    """Queue a verification of the query log (auditors: `VERIFY_PERMISSION`)."""
    if not request.user.has_perm(VERIFY_PERMISSION):
        raise PermissionDenied(_("Only auditors may run the verification of the query log."))
    try:
        verification_request(by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("The verification of the query log has started; its result will be listed below when it ends.")
        )
    return redirect("core:audit_chain")
