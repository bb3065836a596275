"""Workbench pages of supervision (/agencies/supervision/): the actions (on its own agency for an
agency's staff, all for the authority, the credit office and auditors), recording one (the
authority), its page, and the materials received."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.deadlines import deadlines_of
from apps.core.exceptions import Conflict
from apps.core.forms import add_service_errors
from apps.service_agencies import selectors, supervision
from apps.service_agencies.choices import ActionKind
from apps.service_agencies.forms import OpenCaseForm, ReceiveForm, SupervisionForm

PAGE_SIZE = 50


@login_required
def action_list(request):
    if not request.user.has_perm("service_agencies.view_supervisionaction"):
        raise PermissionDenied
    actions = selectors.visible_actions(request.user)
    kind = request.GET.get("kind")
    if kind in ActionKind.values:
        actions = actions.filter(kind=kind)
    page = Paginator(actions.order_by("-taken_on", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "service_agencies/action_list.html",
        {"page": page, "kinds": ActionKind.choices, "kind": kind, "can_record": supervision.is_authority(request.user)},
    )


@login_required
def action_new(request):
    if not supervision.is_authority(request.user):
        raise PermissionDenied
    form = SupervisionForm(request.POST or None, initial={"taken_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            action = supervision.supervision_record(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Supervision action recorded."))
            return redirect("service_agencies:action_detail", action.pk)
    return render(request, "service_agencies/action_new.html", {"form": form})


@login_required
def action_detail(request, pk: int):
    action = get_object_or_404(selectors.visible_actions(request.user), pk=pk)
    can_receive = (
        action.kind == ActionKind.MATERIALS
        and not action.materials_received_on
        and supervision.is_authority(request.user)
    )
    return render(
        request,
        "service_agencies/action_detail.html",
        {
            "action": action,
            "clocks": deadlines_of(action),
            "receive": ReceiveForm(initial={"on": timezone.localdate()}) if can_receive else None,
            "case": _visible_case(action, request.user),
            "open_case": _open_case_form(action, request.user)
            if supervision.may_open_case(action, request.user)
            else None,
        },
    )


def _visible_case(action, user):
    """The list case opened from the finding, for a user who may see it."""
    from apps.core.permissions import can

    case = supervision.case_opened_from(action) if action.finding else None
    return case if case is not None and can(user, "view", case) else None


def _case_records(action, user):
    """The active dishonest records of the agency's own credit file that `user` may see (a legal
    person's, no personal data): what a case from the finding may rest on."""
    from apps.catalog.choices import Category
    from apps.core.permissions import restrict
    from apps.subjects.choices import RecordStatus
    from apps.subjects.models import CreditRecord

    subject = supervision.agency_subject(action.agency)
    if subject is None:
        return []
    records = CreditRecord.objects.filter(subject=subject, category=Category.DISHONEST, status=RecordStatus.ACTIVE)
    return list(restrict(records, user).select_related("item").order_by("-id")[:50])


def _open_case_form(action, user, data=None) -> OpenCaseForm:
    return OpenCaseForm(data, records=_case_records(action, user), initial=supervision.case_defaults(action))


@login_required
@require_POST
def action_open_case(request, pk: int):
    """Open a serious-list case against the agency from a false-report finding (Nanjing art. 69
    para. 4), through the sanctions services; the case names this action as its source."""
    from apps.sanctions import services as sanctions

    action = get_object_or_404(selectors.visible_actions(request.user), pk=pk)
    sanctions.require_case_officer(request.user, from_source=True)  # 403 for whoever may not
    form = _open_case_form(action, request.user, request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}：{' '.join(errors)}")
        return redirect("service_agencies:action_detail", action.pk)
    data = form.cleaned_data
    try:
        case = supervision.listing_case_open_from(
            action,
            by=request.user,
            reason=data["reason"],
            facts=data["facts"],
            legal_basis=data["legal_basis"],
            basis_records=sanctions.visible_records(request.user, [int(pk) for pk in data["basis_records"]]),
            measures=data["measures"],
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("service_agencies:action_detail", action.pk)
    messages.success(request, _("Case %(case)s filed.") % {"case": case})
    return redirect("sanctions:case_detail", case.pk)


@login_required
@require_POST
def action_receive(request, pk: int):
    action = get_object_or_404(selectors.visible_actions(request.user), pk=pk)
    form = ReceiveForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("service_agencies:action_detail", action.pk)
    try:
        supervision.materials_receive(action, by=request.user, **form.cleaned_data)
    except (ValidationError, Conflict) as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Materials recorded as received."))
    return redirect("service_agencies:action_detail", action.pk)
