"""Workbench pages of revocation notices (/objections/revocations/): the list (an agency's own, or
all for the credit office, the authority and auditors), filing one (an agency officer), and its
page with the steps the table offers the credit office."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.choices import QueryChannel, QueryMode, QueryPurpose
from apps.core.filters import filter_list
from apps.core.forms import add_service_errors, take_posted_step
from apps.core.http import client_ip
from apps.core.querylog import LookupRequest
from apps.objections import revocations, selectors_revocations
from apps.objections.forms_revocations import STEP_FORMS, FileRevocationForm, FindSubjectForm, RevocationFilter

PAGE_SIZE = 50


def _notice(request, pk: int):
    return get_object_or_404(selectors_revocations.visible_revocations(request.user), pk=pk)


@login_required
def revocation_list(request):
    if not request.user.has_perm("objections.view_revocationnotice"):
        raise PermissionDenied
    filterset, notices = filter_list(RevocationFilter, request, selectors_revocations.visible_revocations(request.user))
    page = Paginator(notices.order_by("-filed_on", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    can_file = revocations.is_agency_officer(request.user)
    return render(
        request,
        "objections/revocation_list.html",
        {"page": page, "filter": filterset, "find": FindSubjectForm() if can_file else None},
    )


@login_required
def revocation_new(request):
    """Filing in two steps: the subject's identifier (a logged lookup of the agency's own records
    of it), then the notice."""
    user = request.user
    if not revocations.is_agency_officer(user):
        raise PermissionDenied
    identifier = request.POST.get("identifier") or request.GET.get("identifier") or ""
    if not FindSubjectForm({"identifier": identifier}).is_valid():
        messages.error(request, _("Give the subject's identifier."))
        return redirect("objections:revocation_list")
    lookup = LookupRequest(
        user=user,
        mode=QueryMode.GOVERNMENT,
        purpose=QueryPurpose.INTEGRATION,
        channel=QueryChannel.WEB,
        purpose_detail=_("Revocation notice"),
        client_ip=client_ip(request),
    )
    try:
        subject, records = selectors_revocations.records_for_revocation(lookup, identifier, user.organization)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("objections:revocation_list")
    if subject is None:
        messages.error(request, _("No subject with this identifier is on the platform."))
        return redirect("objections:revocation_list")
    form = FileRevocationForm(request.POST or None, records=records, initial={"identifier": subject.identifier})
    if request.method == "POST" and form.is_valid():
        chosen = {int(pk) for pk in form.cleaned_data["records"]}
        try:
            notice = revocations.revocation_file(
                by=user, subject=subject, records=[r for r in records if r.pk in chosen], **form.service_data()
            )
        except ValidationError as error:
            if "corrected_values" in getattr(error, "error_dict", {}):
                error.error_dict["corrections"] = error.error_dict.pop("corrected_values")
            add_service_errors(form, error)
        else:
            messages.success(request, _("Revocation notice %(number)s filed.") % {"number": notice.number})
            return redirect("objections:revocation_detail", notice.pk)
    return render(request, "objections/revocation_new.html", {"form": form, "subject": subject})


@login_required
def revocation_detail(request, pk: int):
    notice = _notice(request, pk)
    workflow = revocations.REVOCATION_CASE
    offers = [
        (offer, STEP_FORMS[offer.name]() if offer.open else None) for offer in workflow.offered(notice, request.user)
    ]
    return render(
        request,
        "objections/revocation_detail.html",
        {"notice": notice, "state_note": workflow.note(notice), "offers": offers}
        | selectors_revocations.revocation_page(notice, request.user),
    )


@login_required
@require_POST
def revocation_step(request, pk: int, step: str):
    notice = _notice(request, pk)
    if step not in STEP_FORMS or not revocations.REVOCATION_CASE.has_step(step):
        raise Http404
    taken = take_posted_step(
        request, STEP_FORMS[step], lambda **data: revocations.revocation_step(notice, step, by=request.user, **data)
    )
    if taken:
        messages.success(request, _("Done: the notice is now “%(status)s”.") % {"status": notice.get_status_display()})
    return redirect("objections:revocation_detail", notice.pk)
