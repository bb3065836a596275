"""Pages of the sanctions app: list cases and their steps, notice and decision documents, the
joint sanction check with feedback, statistics, and the public serious and red lists."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.choices import OrganizationKind, QueryChannel, QueryMode, QueryPurpose, Role
from apps.core.documents import document_response, render_pdf
from apps.core.exceptions import Conflict
from apps.core.filters import filter_list
from apps.core.forms import add_service_errors
from apps.core.http import client_ip, lookup_refusal_shown_on
from apps.core.models import Organization
from apps.core.permissions import restrict
from apps.core.querylog import LookupRequest
from apps.core.statistics import EXPORTS, export_response
from apps.sanctions import services
from apps.sanctions.choices import ListType
from apps.sanctions.filters import ListingCaseFilter
from apps.sanctions.forms import (
    CaseOpenForm,
    CaseSubjectForm,
    CheckForm,
    DecisionForm,
    DeliveryForm,
    DropForm,
    NoticeForm,
    ObjectionForm,
    RemoveForm,
    ReviewForm,
    SimpleReasonForm,
    StatementForm,
    StatisticsForm,
)
from apps.sanctions.models import ListingCase, SanctionCheck
from apps.sanctions.selectors import case_document_context, case_document_for, published_entries, statistics
from apps.sanctions.workflows import workflow_for

PAGE_SIZE = 50


def _case(request, pk: int) -> ListingCase:
    return get_object_or_404(
        restrict(ListingCase.objects.select_related("subject", "deciding_org", "record_item"), request.user), pk=pk
    )


def _may_file_cases(user) -> bool:
    return user.role == Role.OFFICER and user.has_perm("sanctions.add_listingcase")


@login_required
def case_list(request):
    if not request.user.has_perm("sanctions.view_listingcase"):
        raise PermissionDenied
    cases = restrict(
        ListingCase.objects.select_related("subject", "deciding_org").prefetch_related("deadlines__pauses"),
        request.user,
    )
    filterset, cases = filter_list(ListingCaseFilter, request, cases)
    page = Paginator(cases.order_by("-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "sanctions/case_list.html",
        {"page": page, "filter": filterset, "can_open": _may_file_cases(request.user)},
    )


@login_required
def case_new(request):
    """File a case in two parts on one page: the list and the subject (a GET form), then that
    subject's eligible records and that list's measures to tick. The service has the last word."""
    if not _may_file_cases(request.user):
        raise PermissionDenied
    chooser = CaseSubjectForm(request.GET or None)
    subject = list_type = form = None
    if chooser.is_bound and chooser.is_valid():
        subject, list_type = chooser.cleaned_data["identifier"], chooser.cleaned_data["list_type"]
        form = CaseOpenForm(request.POST or None, user=request.user, subject=subject, list_type=list_type)
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        listing_items = services.listing_items_for(request.user.organization)
        try:
            case = services.case_open(
                by=request.user,
                list_type=list_type,
                subject=subject,
                facts=data["facts"],
                legal_basis=data["legal_basis"],
                basis_records=data.get("basis_records") or [],
                measures=data["measures"],
                exemption_rule=data.get("exemption_rule"),
                record_item=listing_items[0] if listing_items else None,
                reason=data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Case %(case)s filed.") % {"case": case})
            return redirect("sanctions:case_detail", case.pk)
    return render(
        request,
        "sanctions/case_new.html",
        {"chooser": chooser, "form": form, "subject": subject, "list_type": list_type},
    )


STEP_FORMS = {
    "notice": NoticeForm,
    "delivery": DeliveryForm,
    "review": ReviewForm,
    "statement": StatementForm,
    "lapse": SimpleReasonForm,
    "decide": DecisionForm,
    "drop": DropForm,
    "publish": SimpleReasonForm,
    "remove": RemoveForm,
    "red-notice": SimpleReasonForm,
    "red-objection": ObjectionForm,
    "red-confirm": SimpleReasonForm,
}


def _step_form(case: ListingCase, step: str, data=None):
    if step == "decide":
        return DecisionForm(
            data,
            case=case,
            listing_items=services.listing_items_for(case.deciding_org),
            initial=None if data else {"record_item": case.record_item_id},
        )
    if step == "notice":
        return NoticeForm(data, case=case)
    return STEP_FORMS[step](data)


@login_required
def case_detail(request, pk: int):
    return _case_page(request, _case(request, pk))


def _case_page(request, case: ListingCase, refused=None, status: int = 200):
    """The case page. `refused` is (step name, bound form) after a step was refused: that step's
    form comes back as the officer filled it, with the errors at their fields."""
    workflow = workflow_for(case)
    # The steps the table offers this user now, each with its form; those not open yet say why.
    offers = []
    for offer in workflow.offered(case, request.user):
        form = None
        if offer.open:
            form = refused[1] if refused and refused[0] == offer.name else _step_form(case, offer.name)
        offers.append((offer, form))
    # The statement period (Policy.listing_statement_days, cited from its basis) runs from the
    # notice's delivery: until that is recorded the case has no deadline, so the page says so first.
    delivery_due = next((offer for offer, _form in offers if offer.name == "delivery" and offer.open), None)
    return render(
        request,
        "sanctions/case_detail.html",
        {
            "case": case,
            "state_note": workflow.note(case),
            "offers": offers,
            "delivery_due": delivery_due,
            "refused": refused[0] if refused else None,
            "entries": case.entries.select_related("subject", "record"),
            "measures": case.measures.select_related("measure_list"),
            "basis": case.basis_records.select_related("item"),
            "responsible": case.responsible_people.select_related("person"),
            "history": _steps(case),
        },
        status=status,
    )


def _steps(case: ListingCase) -> list:
    """The case's history, one line per step: setting its measures and records writes history
    rows of their own with the same status, user and reason."""
    rows = list(case.history.select_related("history_user").order_by("-history_date", "-history_id")[:60])
    key = lambda h: (h.status, h.history_user_id, h.history_change_reason)  # noqa: E731
    return [h for i, h in enumerate(rows) if i + 1 == len(rows) or key(h) != key(rows[i + 1])][:30]


@login_required
@require_POST
def case_step(request, pk: int, step: str):
    case = _case(request, pk)
    if step not in STEP_FORMS or not workflow_for(case).has_step(step):
        raise Http404
    form = _step_form(case, step, request.POST)
    if not form.is_valid():
        return _case_page(request, case, refused=(step, form))
    data, by = form.cleaned_data, request.user
    actions = {
        "notice": lambda: services.case_issue_notice(
            case,
            by=by,
            notice_number=data["notice_number"],
            issued_on=data["issued_on"],
            delivered_on=data["delivered_on"],
            responsible_people=data.get("responsible_people") or [],
            reason=data["reason"],
        ),
        "delivery": lambda: services.case_record_delivery(
            case, by=by, delivered_on=data["delivered_on"], reason=data["reason"]
        ),
        "statement": lambda: services.case_record_statement(
            case, by=by, statement=data["statement"], received_on=data["received_on"], reason=data["reason"]
        ),
        "lapse": lambda: services.case_record_lapse(case, by=by, reason=data["reason"]),
        "decide": lambda: services.case_decide(
            case,
            by=by,
            decision_number=data["decision_number"],
            cause=data["cause"],
            statement_finding=data.get("statement_finding", ""),
            listing_start=data["listing_start"],
            listing_end=data["listing_end"],
            removal_conditions=data["removal_conditions"],
            remedies=data["remedies"],
            repair_notice=data["repair_notice"],
            record_item=data["record_item"],
            reason=data["reason"],
        ),
        "drop": lambda: services.case_drop(case, by=by, drop_reason=data["drop_reason"], reason=data["reason"]),
        "publish": lambda: services.case_publish(case, by=by, reason=data["reason"]),
        "remove": lambda: services.case_remove(
            case,
            by=by,
            removal_reason=data["removal_reason"],
            removal_document=data["removal_document"],
            reason=data["reason"],
        ),
        "red-notice": lambda: services.red_start_notice(case, by=by, reason=data["reason"]),
        "red-objection": lambda: services.red_record_objection(
            case, by=by, objection=data["objection"], reason=data["reason"]
        ),
        "red-confirm": lambda: services.red_confirm(case, by=by, reason=data["reason"]),
        "review": lambda: services.case_review(
            case,
            by=by,
            applied_on=data["applied_on"],
            outcome=data["outcome"],
            review_document=data["review_document"],
            review_note=data["review_note"],
            reason=data["reason"],
        ),
    }
    try:
        actions[step]()
    except Conflict as error:
        # the case moved on or a guard closed the step: the page as it is now says what is open
        messages.error(request, " ".join(error.messages))
        return redirect("sanctions:case_detail", case.pk)
    except ValidationError as error:
        # the page again, the refused step's form as filled in, the service's messages at its fields
        add_service_errors(form, error)
        return _case_page(request, _case(request, pk), refused=(step, form))
    messages.success(request, _("Done: the case is now “%(status)s”.") % {"status": case.get_status_display()})
    return redirect("sanctions:case_detail", case.pk)


@login_required
def case_document(request, pk: int, document: str):
    """The prior notice (事前告知书) or the decision (认定决定书), as a page or a PDF."""
    case = _case(request, pk)
    if document == "notice" and not case.notice_number:
        raise Http404
    if document == "decision" and not case.decision_number:
        raise Http404
    if document not in ("notice", "decision"):
        raise Http404
    lookup = LookupRequest(
        user=request.user,
        mode=QueryMode.GOVERNMENT,
        purpose=QueryPurpose.LISTING_PROCEDURE,
        channel=QueryChannel.WEB,
        purpose_detail=f"{case.get_list_type_display()} #{case.pk}",
        client_ip=client_ip(request),
    )
    issued = case_document_for(lookup, case, document)
    if issued is not None:
        # What the subject received, byte for byte, whatever the template says today.
        return document_response(
            issued, as_html=request.GET.get("format") != "pdf", filename=f"case-{case.pk}-{document}.pdf"
        )
    # A case noticed or decided before documents were stored: rendered from its fields.
    html = render_to_string(f"sanctions/document_{document}.html", case_document_context(case), request=request)
    if request.GET.get("format") == "pdf":
        response = HttpResponse(render_pdf(html), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="case-{case.pk}-{document}.pdf"'
        return response
    return HttpResponse(html)


# --- joint sanction check -----------------------------------------------------------------------


@login_required
@lookup_refusal_shown_on("sanctions:check")
def check_view(request):
    """The same check other systems call through the API, as a form for officers."""
    if not request.user.has_perm("sanctions.add_sanctioncheck"):
        raise PermissionDenied
    form = CheckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            check, _subject, _statuses, _measures = services.sanction_check(
                by=request.user,
                identifier=form.cleaned_data["identifier"],
                matter=form.cleaned_data["matter"],
                channel=QueryChannel.WEB,
                client_ip=client_ip(request),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("sanctions:check_detail", check.pk)
    return render(request, "sanctions/check.html", {"form": form})


@login_required
def check_detail(request, pk: int):
    check = get_object_or_404(restrict(SanctionCheck.objects.select_related("subject"), request.user), pk=pk)
    from apps.catalog.models import Measure

    measures = list(Measure.objects.filter(pk__in=check.measure_ids).select_related("measure_list"))
    given = {f.measure_id: f for f in check.feedback.all()}
    if request.method == "POST":
        results = []
        for measure in measures:
            choice = request.POST.get(f"applied_{measure.pk}", "")
            if measure.pk in given or choice == "":
                continue
            results.append(
                {
                    "measure": measure.pk,
                    "applied": choice == "1",
                    "reason": request.POST.get(f"reason_{measure.pk}", ""),
                }
            )
        try:
            services.check_feedback(check, by=request.user, results=results)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Feedback recorded."))
            return redirect("sanctions:check_detail", check.pk)
    rows = [(m, given.get(m.pk)) for m in measures]
    return render(request, "sanctions/check_detail.html", {"check": check, "rows": rows})


# --- statistics ------------------------------------------------------------------------------------


@login_required
def statistics_view(request):
    if not request.user.has_perm("sanctions.view_sanctioncheck"):
        raise PermissionDenied
    today = timezone.localdate()
    form = StatisticsForm(request.GET or None, initial={"start": today.replace(day=1), "end": today})
    start, end = today.replace(day=1), today
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    organizations = restrict(Organization.objects.filter(kind=OrganizationKind.AGENCY), request.user)
    rows = statistics(start, end, organizations)
    fmt = request.GET.get("export")
    if fmt in EXPORTS:
        headers = [
            _("Agency"),
            _("Checks"),
            _("Hits"),
            _("Measures applied"),
            _("Measures not applied"),
            _("Reasons"),
            _("Cases opened"),
            _("Cases decided"),
            _("Cases removed"),
        ]
        table = [
            [
                r.organization.name,
                r.checks,
                r.hits,
                r.applied,
                r.not_applied,
                "；".join(r.reasons),
                r.cases_opened,
                r.cases_decided,
                r.cases_removed,
            ]
            for r in rows
        ]
        return export_response(fmt, headers, table, name=f"joint-sanctions-{start}-{end}")
    return render(request, "sanctions/statistics.html", {"form": form, "rows": rows, "start": start, "end": end})


# --- public pages ------------------------------------------------------------------------------------


@login_not_required
def public_list(request, list_type: str):
    """The published serious list or the red list: name, identifier (masked for persons),
    deciding agency, basis and dates. No login; only what is published now."""
    if list_type not in (ListType.SERIOUS, ListType.RED):
        raise Http404
    query = request.GET.get("q", "")
    page = Paginator(published_entries(list_type, query), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "sanctions/public_list.html",
        {
            "page": page,
            "q": query,
            "list_type": list_type,
            "title": ListType(list_type).label,
            "today": datetime.date.today(),
        },
    )
