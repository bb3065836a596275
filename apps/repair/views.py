"""Workbench pages of the repair app (/repair/): applications (list, entering one, its page with
the steps the table offers, the decision issued), requests about good information, interviews."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.choices import QueryChannel, QueryMode, QueryPurpose, Role
from apps.core.documents import document_response
from apps.core.filters import filter_list
from apps.core.forms import add_service_errors, take_posted_step
from apps.core.http import client_ip
from apps.core.querylog import LookupRequest
from apps.core.workflow import Workflow
from apps.repair import good_info, interviews, selectors, services
from apps.repair.filters import RepairFilter
from apps.repair.forms import (
    GOOD_INFO_STEP_FORMS,
    STEP_FORMS,
    FileRepairForm,
    FindSubjectForm,
    GoodInfoForm,
    InterviewForm,
    step_data,
)

PAGE_SIZE = 50


def _lookup(request, detail: str) -> LookupRequest:
    return LookupRequest(
        user=request.user,
        mode=QueryMode.GOVERNMENT,
        purpose=QueryPurpose.REPAIR_PROCESSING,
        channel=QueryChannel.WEB,
        purpose_detail=detail,
        client_ip=client_ip(request),
    )


def _find_subject(request, detail: str, back: str):
    """The subject named by ?identifier= (a logged lookup); (None, redirect) when it cannot be."""
    identifier = request.POST.get("identifier") or request.GET.get("identifier") or ""
    if not FindSubjectForm({"identifier": identifier}).is_valid():
        messages.error(request, _("Give the applicant's identifier."))
        return None, [], [], redirect(back)
    try:
        subject, records, listings = selectors.subject_for_repair(_lookup(request, detail), identifier)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return None, [], [], redirect(back)
    if subject is None:
        messages.error(request, _("No subject with this identifier is on the platform."))
        return None, [], [], redirect(back)
    return subject, records, listings, None


def _take_step(request, workflow: Workflow, obj, step: str, forms_by_step: dict, detail: str):
    if not workflow.has_step(step):
        raise Http404
    taken = take_posted_step(
        request,
        forms_by_step[step],
        lambda **data: workflow.transition(obj, step, by=request.user, **data),
        data=step_data,
    )
    if taken:
        messages.success(request, _("Done: it is now “%(status)s”.") % {"status": obj.get_status_display()})
    return redirect(detail, obj.pk)


# --- applications ----------------------------------------------------------------------------------


def _application(request, pk: int):
    return get_object_or_404(selectors.visible_applications(request.user), pk=pk)


def _may_file(user) -> bool:
    return user.role in (Role.CLERK, Role.OFFICER) and user.has_perm("repair.add_repairapplication")


@login_required
def repair_list(request):
    if not request.user.has_perm("repair.view_repairapplication"):
        raise PermissionDenied
    filterset, applications = filter_list(RepairFilter, request, selectors.visible_applications(request.user))
    page = Paginator(applications.order_by("-received_on", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    can_file = _may_file(request.user)
    return render(
        request,
        "repair/repair_list.html",
        {"page": page, "filter": filterset, "can_file": can_file, "find": FindSubjectForm() if can_file else None},
    )


@login_required
def repair_new(request):
    """Entering an application in two steps: the applicant's identifier (a logged lookup of its
    dishonest records and listings), then the application with the signed commitment's scan."""
    if not _may_file(request.user):
        raise PermissionDenied
    subject, records, listings, refused = _find_subject(request, _("Credit repair intake"), "repair:list")
    if refused:
        return refused
    form = FileRepairForm(
        request.POST or None,
        request.FILES or None,
        records=records,
        listings=listings,
        initial={"identifier": subject.identifier},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = {int(pk) for pk in data["records"]}
        listing = next((c for c in listings if str(c.pk) == data["listing"]), None)
        try:
            application = services.repair_file(
                by=request.user,
                subject=subject,
                records=[r for r in records if r.pk in chosen],
                listing=listing,
                means=data["means"],
                statement=data["statement"],
                applicant_name=data["applicant_name"],
                applicant_contact=data["applicant_contact"],
                by_agent=data["by_agent"],
                authorisation=data["authorisation"],
                commitment_signed=data["commitment_signed"],
                commitment_scan=data["commitment_scan"],
                proof=data["proof"],
                channel=data["channel"],
                received_on=data["received_on"],
                reason=data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Repair application %(number)s received.") % {"number": application.number})
            return redirect("repair:detail", application.pk)
    return render(
        request,
        "repair/repair_new.html",
        {"form": form, "subject": subject, "commitment": services.commitment_text(subject, [])},
    )


@login_required
def repair_detail(request, pk: int):
    application = _application(request, pk)
    workflow = services.REPAIR_CASE
    offers = [
        (offer, STEP_FORMS[offer.name]() if offer.open else None)
        for offer in workflow.offered(application, request.user)
    ]
    return render(
        request,
        "repair/repair_detail.html",
        {"application": application, "state_note": workflow.note(application), "offers": offers}
        | selectors.application_page(application, request.user),
    )


@login_required
@require_POST
def repair_step(request, pk: int, step: str):
    application = _application(request, pk)
    return _take_step(request, services.REPAIR_CASE, application, step, STEP_FORMS, "repair:detail")


@login_required
def repair_decision(request, pk: int):
    """The decision or refusal as issued: the stored page, or the PDF with ?format=pdf."""
    application = _application(request, pk)
    issued = selectors.decision_for(_lookup(request, application.number), application)
    if issued is None:
        raise Http404
    return document_response(
        issued, as_html=request.GET.get("format") != "pdf", filename=f"repair-{application.number}.pdf"
    )


# --- good information ------------------------------------------------------------------------------


def _good_info_request(request, pk: int):
    return get_object_or_404(selectors.visible_good_info_requests(request.user), pk=pk)


@login_required
def good_info_list(request):
    if not request.user.has_perm("repair.view_goodinforequest"):
        raise PermissionDenied
    requests_ = selectors.visible_good_info_requests(request.user).order_by("-received_on", "-id")
    page = Paginator(requests_, PAGE_SIZE).get_page(request.GET.get("page"))
    can_file = request.user.has_perm("repair.add_goodinforequest") and request.user.role == Role.CLERK
    return render(
        request,
        "repair/good_info_list.html",
        {"page": page, "can_file": can_file, "find": FindSubjectForm() if can_file else None},
    )


@login_required
def good_info_new(request):
    if not (request.user.has_perm("repair.add_goodinforequest") and request.user.role == Role.CLERK):
        raise PermissionDenied
    identifier = request.POST.get("identifier") or request.GET.get("identifier") or ""
    try:
        subject, records = selectors.subject_good_records(_lookup(request, _("Good information request")), identifier)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("repair:good_info_list")
    if subject is None:
        messages.error(request, _("No subject with this identifier is on the platform."))
        return redirect("repair:good_info_list")
    form = GoodInfoForm(request.POST or None, records=records, initial={"identifier": subject.identifier})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = {int(pk) for pk in data["records"]}
        try:
            created = good_info.good_info_file(
                by=request.user,
                subject=subject,
                records=[r for r in records if r.pk in chosen],
                applicant_name=data["applicant_name"],
                applicant_contact=data["applicant_contact"],
                statement=data["statement"],
                received_on=data["received_on"],
                reason=data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Request %(number)s received.") % {"number": created.number})
            return redirect("repair:good_info_detail", created.pk)
    return render(request, "repair/good_info_new.html", {"form": form, "subject": subject})


@login_required
def good_info_detail(request, pk: int):
    obj = _good_info_request(request, pk)
    workflow = good_info.GOOD_INFO_CASE
    offers = [
        (offer, GOOD_INFO_STEP_FORMS[offer.name]() if offer.open else None)
        for offer in workflow.offered(obj, request.user)
    ]
    return render(
        request,
        "repair/good_info_detail.html",
        {"obj": obj, "state_note": workflow.note(obj), "offers": offers} | selectors.good_info_page(obj),
    )


@login_required
@require_POST
def good_info_step(request, pk: int, step: str):
    obj = _good_info_request(request, pk)
    return _take_step(request, good_info.GOOD_INFO_CASE, obj, step, GOOD_INFO_STEP_FORMS, "repair:good_info_detail")


# --- interviews --------------------------------------------------------------------------------------


@login_required
def interview_list(request):
    if not request.user.has_perm("repair.view_interview"):
        raise PermissionDenied
    page = Paginator(selectors.visible_interviews(request.user).order_by("-held_on", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    can_add = request.user.role == Role.OFFICER and request.user.has_perm("repair.add_interview")
    return render(
        request,
        "repair/interview_list.html",
        {"page": page, "can_add": can_add, "find": FindSubjectForm() if can_add else None},
    )


@login_required
def interview_new(request):
    if not (request.user.role == Role.OFFICER and request.user.has_perm("repair.add_interview")):
        raise PermissionDenied
    subject, records, _listings, refused = _find_subject(request, _("Interview record"), "repair:interview_list")
    if refused:
        return refused
    own = [r for r in records if r.provider_id == request.user.organization_id]
    form = InterviewForm(request.POST or None, records=own, initial={"identifier": subject.identifier})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = {int(pk) for pk in data["records"]}
        try:
            interviews.interview_record(
                by=request.user,
                subject=subject,
                kind=data["kind"],
                held_on=data["held_on"],
                participants=data["participants"],
                notes=data["notes"],
                records=[r for r in own if r.pk in chosen],
                reason=data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Interview recorded."))
            return redirect("repair:interview_list")
    return render(request, "repair/interview_new.html", {"form": form, "subject": subject})
