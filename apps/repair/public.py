"""Public pages of the repair app (/public/repair/, no login): a subject applies for repair online
and follows the application with its tracking code; repair decisions are announced (Ningbo art.
45 para. 2). The rules are in `intake.py`."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from apps.core.choices import DeadlineKind
from apps.core.deadlines import deadline_of
from apps.core.forms import add_service_errors
from apps.core.http import client_ip
from apps.core.uploads import size_label, upload_limits
from apps.objections.forms import OnlineStatusForm
from apps.objections.public import Identified, identify, limited
from apps.repair import intake, selectors
from apps.repair.choices import Channel
from apps.repair.filing import commitment_text
from apps.repair.forms import OnlineRepairForm
from apps.repair.models import RepairApplication

FILED_KEY = "repair_public_filed"
PAGE_SIZE = 50


@login_not_required
def public_apply(request):
    """Applying online, in two steps on one address: who applies, then — its disclosed dishonest
    records and listings shown, a logged own-record inquiry — the application with the commitment
    to sign. Each step checks who applies again."""
    identified = identify(request, "repair/public_identify.html")
    if not isinstance(identified, Identified):
        return identified
    subject, identity, ip = identified
    filing = request.POST.get("stage") == "file"
    records, listings = intake.online_dishonest(subject), intake.online_listings(subject)
    initial = {**identity.cleaned_data, "identifier": subject.identifier}
    form = OnlineRepairForm(
        request.POST if filing else None,
        request.FILES if filing else None,
        records=records,
        listings=listings,
        initial=initial,
    )
    if filing and form.is_valid():
        data = form.cleaned_data
        chosen = set(data["records"])
        try:
            application = intake.repair_file_online(
                subject=subject,
                applicant_name=identity.cleaned_data["name"],
                applicant_contact=identity.cleaned_data["contact"],
                records=[r for r in records if str(r.pk) in chosen],
                listing=next((c for c in listings if str(c.pk) == data["listing"]), None),
                means=data["means"],
                statement=data["statement"],
                commitment_signed=data["commitment_signed"],
                proof=data["proof"],
                client_ip=ip,
            )
        except intake.RateLimited as refused:
            return limited(request, refused)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            request.session[FILED_KEY] = application.pk
            return redirect("repair:public_filed")
    intake.online_lookup(intake.online_lookup_request(subject, client_ip=ip), subject)
    return render(
        request,
        "repair/public_apply.html",
        {
            "form": form,
            "subject": subject,
            "has_records": bool(records or listings),
            # what the applicant signs; the stored text names the records it chose
            "commitment": commitment_text(subject, []),
            "max_size": size_label(upload_limits().max_bytes),
        },
    )


@login_not_required
def public_filed(request):
    """The confirmation of the application filed in this browser session: its tracking code."""
    pk = request.session.get(FILED_KEY)
    application = RepairApplication.objects.filter(pk=pk, channel=Channel.ONLINE).first() if pk else None
    accept = deadline_of(application, DeadlineKind.REPAIR_ACCEPT) if application else None
    return render(request, "repair/public_filed.html", {"application": application, "accept": accept})


@login_not_required
def public_status(request):
    """The progress of an application, to whoever gives its tracking code and the identifier of
    its subject: the steps and the due dates, never the content (404 when nothing matches)."""
    if request.method != "POST":
        return render(request, "repair/public_status.html", {"form": OnlineStatusForm()})
    try:
        intake.lookup_throttle(client_ip(request))
    except intake.RateLimited as refused:
        return limited(request, refused)
    form = OnlineStatusForm(request.POST)
    if not form.is_valid():
        return render(request, "repair/public_status.html", {"form": form})
    application = intake.online_status(
        tracking_code=form.cleaned_data["tracking_code"], identifier=form.cleaned_data["identifier"]
    )
    if application is None:
        return render(request, "repair/public_status.html", {"form": OnlineStatusForm(), "not_found": True}, status=404)
    return render(request, "repair/public_status.html", {"form": OnlineStatusForm()} | intake.status_page(application))


@login_not_required
def public_announcements(request):
    """Repair decisions announced (Ningbo art. 45 para. 2): number, date, the determining agency,
    the subject's display name and the kinds of information repaired — no reasons, no identifier
    of a person."""
    page = Paginator(selectors.announcements(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "repair/public_announcements.html", {"page": page})
