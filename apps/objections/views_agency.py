"""Workbench pages of the objections credit service agencies receive (/objections/agency/): the
list (an agency's own, or every agency's for the credit office, the authority and auditors),
recording one (the agency's staff), its page with the steps the table offers, and the reply."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.documents import document_response
from apps.core.filters import filter_list
from apps.core.forms import add_service_errors, take_posted_step
from apps.objections import agency, selectors_agency
from apps.objections.forms_agency import STEP_FORMS, AgencyObjectionFilter, ReceiveAgencyObjectionForm

PAGE_SIZE = 50


def _objection(request, pk: int):
    return get_object_or_404(selectors_agency.visible_agency_objections(request.user), pk=pk)


@login_required
def agency_objection_list(request):
    if not request.user.has_perm("objections.view_agencyobjection"):
        raise PermissionDenied
    filterset, objections = filter_list(
        AgencyObjectionFilter, request, selectors_agency.visible_agency_objections(request.user)
    )
    page = Paginator(objections.order_by("-received_on", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "objections/agency_list.html",
        {"page": page, "filter": filterset, "can_record": agency.is_agency_staff(request.user)},
    )


@login_required
def agency_objection_new(request):
    user = request.user
    if not agency.is_agency_staff(user):
        raise PermissionDenied
    form = ReceiveAgencyObjectionForm(
        request.POST or None, request.FILES or None, initial={"received_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            objection = agency.agency_objection_receive(by=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Objection %(number)s received.") % {"number": objection.number})
            return redirect("objections:agency_detail", objection.pk)
    return render(request, "objections/agency_new.html", {"form": form})


@login_required
def agency_objection_detail(request, pk: int):
    objection = _objection(request, pk)
    workflow = agency.AGENCY_OBJECTION_CASE
    offers = [
        (offer, STEP_FORMS[offer.name]() if offer.open else None) for offer in workflow.offered(objection, request.user)
    ]
    return render(
        request,
        "objections/agency_detail.html",
        {"objection": objection, "state_note": workflow.note(objection), "offers": offers}
        | selectors_agency.agency_objection_page(objection),
    )


@login_required
@require_POST
def agency_objection_step(request, pk: int, step: str):
    objection = _objection(request, pk)
    if step not in STEP_FORMS or not agency.AGENCY_OBJECTION_CASE.has_step(step):
        raise Http404
    taken = take_posted_step(
        request,
        STEP_FORMS[step],
        lambda **data: agency.agency_objection_step(objection, step, by=request.user, **data),
    )
    if taken:
        messages.success(
            request, _("Done: the objection is now “%(status)s”.") % {"status": objection.get_status_display()}
        )
    return redirect("objections:agency_detail", objection.pk)


@login_required
def agency_objection_reply(request, pk: int):
    """The reply as issued: the stored page, or the PDF with ?format=pdf."""
    objection = _objection(request, pk)
    issued = selectors_agency.agency_reply(objection)
    if issued is None:
        raise Http404
    return document_response(
        issued, as_html=request.GET.get("format") != "pdf", filename=f"objection-{objection.number}.pdf"
    )
