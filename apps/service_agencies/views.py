"""Workbench pages of the registry of credit service agencies (/agencies/): the filings (an
agency's own, or all for the authority, the credit office and auditors), filing a registration
and the yearly business information (agency staff), and a filing's page with the steps the table
offers the user."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.filters import filter_list
from apps.core.forms import add_service_errors, take_posted_step
from apps.service_agencies import selectors, services
from apps.service_agencies.filters import FilingFilter
from apps.service_agencies.forms import STEP_FORMS, BusinessReportForm, FilingForm

PAGE_SIZE = 50


def _filing(request, pk: int):
    return get_object_or_404(selectors.visible_filings(request.user), pk=pk)


@login_required
def filing_list(request):
    user = request.user
    if not user.has_perm("service_agencies.view_registryfiling"):
        raise PermissionDenied
    filterset, filings = filter_list(FilingFilter, request, selectors.visible_filings(user))
    page = Paginator(filings.order_by("-filed_on", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    staff = services.is_agency_staff(user)
    return render(
        request,
        "service_agencies/filing_list.html",
        {
            "page": page,
            "filter": filterset,
            "can_file": staff and selectors.live_filing_of(user.organization) is None,
            "can_report": staff,
            "business_reports": selectors.visible_business_reports(user)[:50],
        },
    )


@login_required
def filing_new(request):
    user = request.user
    if not (services.is_agency_staff(user) and user.has_perm("service_agencies.add_registryfiling")):
        raise PermissionDenied
    form = FilingForm(request.POST or None, initial={"name": user.organization.name})
    if request.method == "POST" and form.is_valid():
        try:
            filing = services.filing_file(by=user, **form.service_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Registration %(number)s filed.") % {"number": filing.number})
            return redirect("service_agencies:filing_detail", filing.pk)
    return render(request, "service_agencies/filing_new.html", {"form": form})


@login_required
def filing_detail(request, pk: int):
    filing = _filing(request, pk)
    workflow = services.REGISTRY_FILING
    offers = []
    for offer in workflow.offered(filing, request.user):
        form = None
        if offer.open:
            initial = {name: getattr(filing, name) for name in services.CONTENT_FIELDS}
            form = STEP_FORMS[offer.name](initial=initial if offer.name == "resubmit" else None)
        offers.append((offer, form))
    return render(
        request,
        "service_agencies/filing_detail.html",
        {"filing": filing, "state_note": workflow.note(filing), "offers": offers}
        | selectors.filing_page(filing, request.user),
    )


@login_required
@require_POST
def filing_step(request, pk: int, step: str):
    filing = _filing(request, pk)
    if step not in STEP_FORMS or not services.REGISTRY_FILING.has_step(step):
        raise Http404
    taken = take_posted_step(
        request, STEP_FORMS[step], lambda **data: services.filing_step(filing, step, by=request.user, **data)
    )
    if taken:
        messages.success(request, _("Done: the filing is now “%(status)s”.") % {"status": filing.get_status_display()})
    return redirect("service_agencies:filing_detail", filing.pk)


@login_required
def business_report_new(request):
    user = request.user
    if not (services.is_agency_staff(user) and user.has_perm("service_agencies.add_businessreport")):
        raise PermissionDenied
    form = BusinessReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.business_report_file(by=user, **form.service_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Business information of %(year)s filed.") % {"year": report.year})
            return redirect("service_agencies:filing_list")
    return render(request, "service_agencies/business_report_new.html", {"form": form})
