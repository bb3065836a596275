"""Workbench pages of pushed credit reports (/agencies/pushed-reports/, Nanjing art. 65): the
body's officers push the reports of service agencies used in its government matters and read
their own; the credit office and auditors read all. Each report is flagged while its agency's
rating products are restricted (Nanjing art. 69 para. 4)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from apps.core.forms import add_service_errors
from apps.service_agencies import pushed
from apps.service_agencies.choices import MatterKind
from apps.service_agencies.forms import PushedReportForm

PAGE_SIZE = 50


@login_required
def pushed_list(request):
    if not request.user.has_perm("service_agencies.view_pushedreport"):
        raise PermissionDenied
    reports = pushed.visible_pushed_reports(request.user)
    kind = request.GET.get("matter_kind")
    if kind in MatterKind.values:
        reports = reports.filter(matter_kind=kind)
    page = Paginator(reports.order_by("-pushed_on", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = pushed.with_restrictions(page.object_list)
    return render(
        request,
        "service_agencies/pushed_list.html",
        {"page": page, "kinds": MatterKind.choices, "kind": kind, "can_push": pushed.may_push(request.user)},
    )


@login_required
def pushed_new(request):
    if not pushed.may_push(request.user):
        raise PermissionDenied
    form = PushedReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            report = pushed.pushed_report_push(by=request.user, **form.cleaned_data)
        except ValidationError as error:  # a Conflict (pushed already) shows at the top
            add_service_errors(form, error)
        else:
            messages.success(request, _("Report pushed."))
            return redirect("service_agencies:pushed_detail", report.pk)
    return render(request, "service_agencies/pushed_new.html", {"form": form})


@login_required
def pushed_detail(request, pk: int):
    report = get_object_or_404(pushed.visible_pushed_reports(request.user), pk=pk)
    (report,) = pushed.with_restrictions([report])
    return render(request, "service_agencies/pushed_detail.html", {"report": report})


@login_required
def pushed_file(request, pk: int):
    """The report's file as it was pushed (its type was judged by the content on upload)."""
    report = get_object_or_404(pushed.visible_pushed_reports(request.user), pk=pk)
    return FileResponse(report.file.open("rb"), as_attachment=True, filename=report.file_name)
