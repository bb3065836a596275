"""The credit office's workbench for requests for disclosure (依申请公开, Nanjing art. 27): the list,
a request's page with the steps the table offers (accept; answer with the information, or refuse
with the reasons), its clocks, documents and history. The steps are `disclosure_requests`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from apps.core.choices import DocumentKind
from apps.core.deadlines import deadlines_of
from apps.core.documents import document_response, documents_of
from apps.core.http import client_ip
from apps.core.permissions import restrict
from apps.objections.selectors import timeline
from apps.subjects import disclosure_requests
from apps.subjects.choices import DisclosureRequestStatus
from apps.subjects.forms import DISCLOSURE_STEP_FORMS, DisclosureAnswerForm
from apps.subjects.models import DisclosureRequest
from apps.subjects.selectors import disclosure_request_records

PAGE_SIZE = 50
WORKFLOW = disclosure_requests.DISCLOSURE_REQUEST_CASE


def visible_requests(user):
    return restrict(DisclosureRequest.objects.select_related("subject").prefetch_related("deadlines__pauses"), user)


def _request(request, pk: int) -> DisclosureRequest:
    return get_object_or_404(visible_requests(request.user), pk=pk)


@login_required
@require_safe
def disclosure_request_list(request):
    if not request.user.has_perm("subjects.view_disclosurerequest"):
        raise PermissionDenied
    requests_ = visible_requests(request.user).order_by("-received_on", "-id")
    status = request.GET.get("status", "")
    if status in DisclosureRequestStatus.values:
        requests_ = requests_.filter(status=status)
    elif status == "open":
        requests_ = requests_.filter(status__in=WORKFLOW.open_states())
    page = Paginator(requests_, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "subjects/disclosure_request_list.html",
        {"page": page, "status": status, "statuses": DisclosureRequestStatus.choices},
    )


@login_required
@require_safe
def disclosure_request_detail(request, pk: int):
    """The request's page. The organisation's records the answer may give are read only when
    the answer is a step this user may take now (a logged lookup for processing the request)."""
    obj = _request(request, pk)
    offers = []
    for offer in WORKFLOW.offered(obj, request.user):
        form = None
        if offer.open:
            if offer.name == "answer":
                lookup = disclosure_requests.request_lookup(obj, by=request.user, client_ip=client_ip(request))
                try:
                    records = disclosure_request_records(lookup, obj)
                except ValidationError as error:
                    for message in error.messages:
                        messages.error(request, message)
                    records = []
                form = DisclosureAnswerForm(records=records)
            else:
                form = DISCLOSURE_STEP_FORMS[offer.name]()
        offers.append((offer, form))
    return render(
        request,
        "subjects/disclosure_request_detail.html",
        {
            "obj": obj,
            "state_note": WORKFLOW.note(obj),
            "offers": offers,
            "clocks": deadlines_of(obj),
            "documents": list(documents_of(obj, DocumentKind.DISCLOSURE_ANSWER)),
            "timeline": timeline(obj),
            "records": list(obj.records.select_related("item", "provider").order_by("-determined_on", "-id")),
        },
    )


@login_required
@require_POST
def disclosure_request_step(request, pk: int, step: str):
    obj = _request(request, pk)
    if not WORKFLOW.has_step(step):
        raise Http404
    form_class = DISCLOSURE_STEP_FORMS[step]
    if form_class is DisclosureAnswerForm:
        # The records are checked by the service (a logged read); the form takes the ids as given.
        form = form_class(request.POST, records=[])
        form.fields["records"].choices = [(value, value) for value in request.POST.getlist("records")]
    else:
        form = form_class(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}：{' '.join(errors)}" if label else " ".join(errors))
        return redirect("subjects:disclosure_request_detail", obj.pk)
    data = {name: value for name, value in form.cleaned_data.items() if name != "reason"}
    try:
        WORKFLOW.transition(obj, step, by=request.user, reason=form.cleaned_data["reason"], **data)
    except ValidationError as error:
        labels = {name: field.label for name, field in form.fields.items()}
        if hasattr(error, "error_dict"):
            for field, field_messages in error.message_dict.items():
                for message in field_messages:
                    messages.error(request, f"{labels[field]}：{message}" if field in labels else message)
        else:
            for message in error.messages:
                messages.error(request, message)
    else:
        messages.success(request, _("Done: it is now “%(status)s”.") % {"status": obj.get_status_display()})
    return redirect("subjects:disclosure_request_detail", obj.pk)


@login_required
@require_safe
def disclosure_request_document(request, pk: int):
    """The stored PDF of the answer or refusal issued for the request."""
    obj = _request(request, pk)
    document = documents_of(obj, DocumentKind.DISCLOSURE_ANSWER).first()
    if document is None:
        raise Http404
    return document_response(document, filename=f"{document.number}.pdf")
