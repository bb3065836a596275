"""Public pages of the objections app (/public/objections/, no login): a subject files an objection
online and follows its progress with the tracking code. The rules are in `intake.py`."""

from __future__ import annotations

from typing import NamedTuple

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from apps.core.choices import DeadlineKind
from apps.core.deadlines import deadline_of
from apps.core.forms import add_service_errors
from apps.core.http import client_ip
from apps.core.uploads import size_label, upload_limits
from apps.objections import intake
from apps.objections.choices import Channel
from apps.objections.forms import OnlineIdentityForm, OnlineObjectionForm, OnlineStatusForm
from apps.objections.models import Objection

# The objection just filed in this browser session, for the confirmation page.
FILED_KEY = "objections_public_filed"


def limited(request, refused: intake.RateLimited):
    response = render(request, "objections/public_limited.html", {"message": str(refused)}, status=429)
    response["Retry-After"] = str(max(refused.retry_after, 1))
    return response


class Identified(NamedTuple):
    subject: object
    identity: OnlineIdentityForm
    ip: str | None


def identify(request, template: str):
    """The first step of every online filing page (objections, repair): who files. Counts the
    identity check against the address's hourly allowance and finds the subject whose identifier
    and registered name both match (`intake.online_subject`). Returns `Identified`, or the
    response to send: the identity form (first visit, or what was wrong) or the 429 page."""
    if request.method != "POST":
        return render(request, template, {"form": OnlineIdentityForm()})
    ip = client_ip(request)
    try:
        intake.lookup_throttle(ip)
    except intake.RateLimited as refused:
        return limited(request, refused)
    identity = OnlineIdentityForm(request.POST)
    subject = None
    if identity.is_valid():
        try:
            subject = intake.online_subject(
                identifier=identity.cleaned_data["identifier"], name=identity.cleaned_data["name"]
            )
        except ValidationError as error:
            add_service_errors(identity, error)
        else:
            if subject is None:
                identity.add_error(None, str(intake.MSG_NO_SUCH_SUBJECT))
    if subject is None:
        return render(request, template, {"form": identity})
    return Identified(subject, identity, ip)


@login_not_required
def public_file(request):
    """Filing online, in two steps on one address: who files (identifier, registered name,
    contact), then — its own disclosed records shown, a logged own-record inquiry — the
    objection. Each step checks who files again; the second stores the objection and sends the
    filer to the confirmation with the tracking code."""
    identified = identify(request, "objections/public_identify.html")
    if not isinstance(identified, Identified):
        return identified
    subject, identity, ip = identified
    filing = request.POST.get("stage") == "file"
    records = list(intake.online_records(subject))
    initial = {**identity.cleaned_data, "identifier": subject.identifier}
    form = OnlineObjectionForm(
        request.POST if filing else None, request.FILES if filing else None, records=records, initial=initial
    )
    if filing and form.is_valid():
        data = form.cleaned_data
        chosen = set(data["records"])
        try:
            objection = intake.objection_file_online(
                subject=subject,
                applicant_name=identity.cleaned_data["name"],
                applicant_contact=identity.cleaned_data["contact"],
                records=[r for r in records if str(r.pk) in chosen],
                missing=data["missing"],
                grounds=data["grounds"],
                statement=data["statement"],
                evidence=data["evidence"],
                client_ip=ip,
            )
        except intake.RateLimited as refused:
            return limited(request, refused)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            request.session[FILED_KEY] = objection.pk
            return redirect("objections:public_filed")
    # The page shows the subject's records: an own-record inquiry in the query log.
    intake.online_lookup(intake.online_lookup_request(subject, client_ip=ip), subject)
    return render(
        request,
        "objections/public_file.html",
        {
            "form": form,
            "subject": subject,
            "has_records": bool(records),
            "max_size": size_label(upload_limits().max_bytes),
        },
    )


@login_not_required
def public_filed(request):
    """The confirmation of the objection filed in this browser session: its tracking code."""
    pk = request.session.get(FILED_KEY)
    objection = Objection.objects.filter(pk=pk, channel=Channel.ONLINE).first() if pk else None
    mark = deadline_of(objection, DeadlineKind.OBJECTION_MARK) if objection else None
    return render(request, "objections/public_filed.html", {"objection": objection, "mark": mark})


@login_not_required
def public_status(request):
    """The progress of an objection, to whoever gives its tracking code and the identifier of
    its subject: the steps and the due dates, never the content. A wrong code, a wrong
    identifier or both get the same "not found" page (404)."""
    if request.method != "POST":
        return render(request, "objections/public_status.html", {"form": OnlineStatusForm()})
    try:
        intake.lookup_throttle(client_ip(request))
    except intake.RateLimited as refused:
        return limited(request, refused)
    form = OnlineStatusForm(request.POST)
    if not form.is_valid():
        return render(request, "objections/public_status.html", {"form": form})
    objection = intake.online_status(
        tracking_code=form.cleaned_data["tracking_code"], identifier=form.cleaned_data["identifier"]
    )
    if objection is None:
        return render(
            request, "objections/public_status.html", {"form": OnlineStatusForm(), "not_found": True}, status=404
        )
    return render(
        request, "objections/public_status.html", {"form": OnlineStatusForm()} | intake.status_page(objection)
    )
