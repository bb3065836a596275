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
from apps.service_agencies.forms import ReceiveForm, SupervisionForm

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
        },
    )


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
