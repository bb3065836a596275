"""Workbench pages of the objections app (/objections/): the list, filing one, its page with the
steps the table offers, and the reply issued to the applicant."""

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
from apps.core.forms import take_posted_step
from apps.core.http import client_ip
from apps.core.querylog import LookupRequest
from apps.objections import selectors, services
from apps.objections.filters import ObjectionFilter
from apps.objections.forms import FileObjectionForm, FindSubjectForm, step_data, step_form

PAGE_SIZE = 50


def _objection(request, pk: int):
    return get_object_or_404(selectors.visible_objections(request.user), pk=pk)


def _lookup(request, detail: str) -> LookupRequest:
    return LookupRequest(
        user=request.user,
        mode=QueryMode.GOVERNMENT,
        purpose=QueryPurpose.OBJECTION_PROCESSING,
        channel=QueryChannel.WEB,
        purpose_detail=detail,
        client_ip=client_ip(request),
    )


@login_required
def objection_list(request):
    if not request.user.has_perm("objections.view_objection"):
        raise PermissionDenied
    filterset, objections = filter_list(ObjectionFilter, request, selectors.visible_objections(request.user))
    page = Paginator(objections.order_by("-received_on", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    can_file = request.user.role in (Role.CLERK, Role.OFFICER) and request.user.has_perm("objections.add_objection")
    return render(
        request,
        "objections/objection_list.html",
        {"page": page, "filter": filterset, "can_file": can_file, "find": FindSubjectForm() if can_file else None},
    )


@login_required
def objection_new(request):
    """Filing in two steps: the applicant's identifier (a logged lookup of its records), then the
    objection. An agency officer files one received by the agency itself (Dalian art. 42)."""
    user = request.user
    if user.role not in (Role.CLERK, Role.OFFICER) or not user.has_perm("objections.add_objection"):
        raise PermissionDenied
    identifier = request.POST.get("identifier") or request.GET.get("identifier") or ""
    find = FindSubjectForm({"identifier": identifier})
    if not find.is_valid():
        messages.error(request, _("Give the applicant's identifier."))
        return redirect("objections:list")
    try:
        subject, records = selectors.subject_for_objection(_lookup(request, _("Objection intake")), identifier)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("objections:list")
    if subject is None:
        messages.error(request, _("No subject with this identifier is on the platform."))
        return redirect("objections:list")
    direct = user.role == Role.OFFICER
    form = FileObjectionForm(
        request.POST or None,
        request.FILES or None,
        records=records,
        direct=direct,
        initial={"identifier": subject.identifier},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = {int(pk) for pk in data["records"]}
        try:
            objection = services.objection_file(
                by=user,
                subject=subject,
                records=[r for r in records if r.pk in chosen],
                missing=data["missing"],
                grounds=data["grounds"],
                statement=data["statement"],
                applicant_name=data["applicant_name"],
                applicant_contact=data["applicant_contact"],
                by_agent=data["by_agent"],
                authorisation=data["authorisation"],
                evidence=data["evidence"],
                channel=data.get("channel") or "",
                received_on=data["received_on"],
                reason=data["reason"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Objection %(number)s received.") % {"number": objection.number})
            return redirect("objections:detail", objection.pk)
    return render(request, "objections/objection_new.html", {"form": form, "subject": subject, "direct": direct})


def _add_errors(form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, field_messages in error.message_dict.items():
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)


@login_required
def objection_detail(request, pk: int):
    objection = _objection(request, pk)
    workflow = services.OBJECTION_CASE
    offers = [
        (offer, step_form(objection, offer.name) if offer.open else None)
        for offer in workflow.offered(objection, request.user)
    ]
    return render(
        request,
        "objections/objection_detail.html",
        {"objection": objection, "state_note": workflow.note(objection), "offers": offers}
        | selectors.objection_page(objection),
    )


@login_required
@require_POST
def objection_step(request, pk: int, step: str):
    objection = _objection(request, pk)
    if not services.OBJECTION_CASE.has_step(step):
        raise Http404
    taken = take_posted_step(
        request,
        step_form(objection, step, request.POST),
        lambda **data: services.objection_step(objection, step, by=request.user, **data),
        data=step_data,
    )
    if taken:
        messages.success(
            request, _("Done: the objection is now “%(status)s”.") % {"status": objection.get_status_display()}
        )
    return redirect("objections:detail", objection.pk)


@login_required
def objection_reply(request, pk: int):
    """The reply or refusal as issued: the stored page, or the PDF with ?format=pdf."""
    objection = _objection(request, pk)
    issued = selectors.reply_for(_lookup(request, objection.number), objection)
    if issued is None:
        raise Http404
    return document_response(
        issued, as_html=request.GET.get("format") != "pdf", filename=f"objection-{objection.number}.pdf"
    )
