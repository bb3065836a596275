"""Workbench pages of the batch-query applications (/agencies/batch/, Nanjing art. 67): the list
(an agency's own, all for the credit office, the authority and auditors), the application form
(agency staff), an application's page with the steps the table offers the user (the clerk
approves or refuses; the agency runs), the agreement, and the result files of each run (the
agency that ran it only)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.choices import QueryChannel
from apps.core.forms import add_service_errors, take_posted_step
from apps.core.http import client_ip
from apps.service_agencies import selectors_batch, services_batch
from apps.service_agencies.forms_batch import STEP_FORMS, BatchApplyForm, BatchRunForm
from apps.service_agencies.services import is_agency_staff

PAGE_SIZE = 50


def _application(request, pk: int):
    return get_object_or_404(selectors_batch.visible_batch_queries(request.user), pk=pk)


def _service_messages(request, error: ValidationError, labels: dict) -> None:
    for field, field_messages in getattr(error, "message_dict", {None: error.messages}).items():
        for message in field_messages:
            messages.error(request, f"{labels[field]}：{message}" if field in labels else message)


@login_required
def batch_list(request):
    user = request.user
    if not user.has_perm("service_agencies.view_batchqueryapplication"):
        raise PermissionDenied
    rows = selectors_batch.visible_batch_queries(user)
    status = request.GET.get("status", "")
    if status in services_batch.BatchStatus.values:
        rows = rows.filter(status=status)
    page = Paginator(rows.order_by("-received_on", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    can_apply = is_agency_staff(user) and user.has_perm("service_agencies.add_batchqueryapplication")
    return render(
        request,
        "service_agencies/batch_list.html",
        {
            "page": page,
            "can_apply": can_apply,
            "statuses": services_batch.BatchStatus.choices,
            "status": status,
            "statistics": selectors_batch.batch_statistics(user),
        },
    )


@login_required
def batch_new(request):
    user = request.user
    if not (is_agency_staff(user) and user.has_perm("service_agencies.add_batchqueryapplication")):
        raise PermissionDenied
    form = BatchApplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            application = services_batch.batch_apply(by=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Batch-query application %(number)s received.") % {"number": application.number}
            )
            return redirect("service_agencies:batch_detail", application.pk)
    return render(request, "service_agencies/batch_new.html", {"form": form})


@login_required
def batch_detail(request, pk: int):
    application = _application(request, pk)
    user = request.user
    workflow = services_batch.BATCH_QUERY
    offers, run_offer = [], None
    for offer in workflow.offered(application, user):
        if offer.name == "run":
            run_offer = (offer, BatchRunForm())
        elif offer.name in STEP_FORMS:
            initial = {"approved_count": application.subject_count} if offer.name == "approve" else None
            offers.append((offer, STEP_FORMS[offer.name](initial=initial) if offer.open else None))
    own = is_agency_staff(user) and user.organization_id == application.agency_id
    return render(
        request,
        "service_agencies/batch_detail.html",
        {
            "application": application,
            "state_note": workflow.note(application),
            "offers": offers,
            "run_offer": run_offer,
            "agreement": services_batch.agreement_of(application),
            "runs": list(selectors_batch.visible_batch_runs(user).filter(application=application)),
            "can_download": own,
            "timeline": selectors_batch.batch_timeline(application),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def batch_step(request, pk: int, step: str):
    application = _application(request, pk)
    if step not in STEP_FORMS:
        raise Http404
    taken = take_posted_step(
        request,
        STEP_FORMS[step],
        lambda **data: services_batch.batch_step(application, step, by=request.user, **data),
    )
    if taken:
        messages.success(
            request, _("Done: the application is now “%(status)s”.") % {"status": application.get_status_display()}
        )
    return redirect("service_agencies:batch_detail", application.pk)


@login_required
@require_POST
def batch_run(request, pk: int):
    application = _application(request, pk)
    form = BatchRunForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("service_agencies:batch_detail", application.pk)
    try:
        run = services_batch.batch_run(
            application,
            by=request.user,
            identifiers=form.cleaned_data.get("identifiers"),
            channel=QueryChannel.WEB,
            client_ip=client_ip(request),
        )
    except ValidationError as error:
        _service_messages(request, error, {"identifiers": form.fields["identifiers"].label})
    else:
        messages.success(
            request,
            _("Run %(run)s done: %(subjects)s subjects looked up, %(found)s found. Download the result below.")
            % {"run": run.sequence, "subjects": run.subjects, "found": run.found},
        )
    return redirect("service_agencies:batch_detail", application.pk)


@login_required
def batch_download(request, pk: int, sequence: int, fmt: str):
    application = _application(request, pk)
    run = get_object_or_404(
        selectors_batch.visible_batch_runs(request.user), application=application, sequence=sequence
    )
    if fmt not in services_batch.RESULT_FORMATS:
        raise Http404
    stored, name, content_type = services_batch.batch_result(run, by=request.user, fmt=fmt)
    return FileResponse(stored, as_attachment=True, filename=name, content_type=content_type)


@login_required
def batch_agreement(request, pk: int):
    application = _application(request, pk)
    agreement = services_batch.agreement_of(application)
    if agreement is None:
        raise Http404
    return FileResponse(
        agreement.file.open("rb"),
        as_attachment=True,
        filename=agreement.original_name,
        content_type=agreement.content_type,
    )
