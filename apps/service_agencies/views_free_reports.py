"""The free credit reports an agency gave natural persons (/agencies/free-reports/): its own list
with the form to record one (agency staff); all agencies' for the authority, the credit office
and auditors. Identifiers are shown masked."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.forms import add_service_errors
from apps.core.permissions import restrict
from apps.service_agencies import free_reports
from apps.service_agencies.forms import FreeReportForm
from apps.service_agencies.models import FreeReport
from apps.service_agencies.services import is_agency_staff

PAGE_SIZE = 50


@login_required
def free_report_list(request):
    user = request.user
    if not user.has_perm("service_agencies.view_freereport"):
        raise PermissionDenied
    can_record = is_agency_staff(user) and user.has_perm("service_agencies.add_freereport")
    form = None
    if can_record:
        form = FreeReportForm(request.POST or None, initial={"given_on": timezone.localdate()})
        if request.method == "POST" and form.is_valid():
            try:
                free_reports.free_report_record(by=user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Free report recorded."))
                return redirect("service_agencies:free_report_list")
    elif request.method == "POST":
        raise PermissionDenied
    rows = restrict(FreeReport.objects.select_related("agency"), user)
    page = Paginator(rows.order_by("-given_on", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "service_agencies/free_report_list.html", {"page": page, "form": form})
