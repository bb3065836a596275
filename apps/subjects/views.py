"""Pages of the subjects app: lookups with a purpose, the credit file, credit reports, records
filed by hand, batch uploads and their integration, commitments, and public report verification.

Every page that shows a subject's data calls a selector that writes the query log first.
Files and reports are opened by POST (the lookup's mode and purpose travel with the request),
so that no address holds personal data and every opening is logged.
"""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.choices import QueryChannel, QueryMode, QueryPurpose, Role
from apps.core.documents import document_verify
from apps.core.exceptions import Conflict
from apps.core.filters import filter_list
from apps.core.forms import add_service_errors
from apps.core.http import client_ip, lookup_refusal_shown_on
from apps.core.permissions import restrict
from apps.core.querylog import LookupRequest
from apps.core.statistics import EXPORTS, export_response
from apps.core.views import keyset_page
from apps.subjects import events, ingestion, ingestion_jobs, services
from apps.subjects.choices import BatchStatus, CommitmentStatus
from apps.subjects.filters import BatchFilter, CommitmentFilter, CreditRecordFilter
from apps.subjects.forms import (
    BatchUploadForm,
    CommitmentForm,
    CommitmentResolveForm,
    LookupForm,
    ReasonForm,
    RecordForm,
    SearchForm,
    TrailForm,
    items_for_provider,
)
from apps.subjects.models import Commitment, CreditRecord, CreditReport, ImportBatch, Subject
from apps.subjects.reports import credit_report_download, credit_report_issue
from apps.subjects.selectors import (
    CREDIT_FILE_HISTORY_ROWS,
    CREDIT_FILE_HISTORY_SHOWN,
    CREDIT_FILE_RECORDS_SHOWN,
    credit_file_for,
    modes_for,
    record_lookup,
    record_page_for,
    records_list_lookup,
    records_named_by_errors,
    subject_search,
    subject_trail,
    visible_records_of,
)

PAGE_SIZE = 50


def _lookup_from(request, form: LookupForm) -> LookupRequest | None:
    """The LookupRequest of a valid lookup form, its uploaded authorisation stored; None when the
    lookup rules refuse it (Nanjing art. 54), with the reasons on the form."""
    data = form.cleaned_data
    try:
        return services.lookup_prepare(
            by=request.user,
            mode=data["mode"],
            purpose=data["purpose"],
            channel=QueryChannel.WEB,
            purpose_detail=data.get("purpose_detail", ""),
            client_ip=client_ip(request),
            identity_checked=bool(data.get("identity_checked")),
            checked_identifier=data.get("checked_identifier", ""),
            authorisation_id=data.get("authorisation_id"),
            authorisation_file=data.get("authorisation_file"),
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return None


def _require(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


# --- lookups -------------------------------------------------------------------------------------


@login_required
@lookup_refusal_shown_on("subjects:search")
def subject_search_view(request):
    """Search by identifier or name; the search itself is a logged lookup."""
    _require(request, "subjects.view_subject")
    form = SearchForm(request.POST or None, request.FILES or None, user=request.user)
    results, lookup = None, None
    if request.method == "POST" and form.is_valid():
        lookup = _lookup_from(request, form)
        if lookup is not None:
            try:
                results = subject_search(lookup, query=form.cleaned_data["query"])
            except ValidationError as error:
                add_service_errors(form, error)
    authorisation_id = (lookup.authorisation_id or "") if lookup else ""
    return render(
        request,
        "subjects/search.html",
        {"form": form, "results": results, "authorisation_id": authorisation_id},
    )


@login_required
@require_POST
@lookup_refusal_shown_on("subjects:search")
def credit_file_view(request, pk: int):
    """A subject's credit file by category, in the mode and for the purpose given."""
    _require(request, "subjects.view_subject")
    subject = get_object_or_404(restrict(Subject.objects.all(), request.user), pk=pk)
    form = LookupForm(request.POST, request.FILES or None, user=request.user)
    lookup = _lookup_from(request, form) if form.is_valid() else None
    if lookup is None:
        messages.error(request, _("Give the query mode and purpose to open a credit file."))
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return redirect("subjects:search")
    # All of a long category only when asked (covered by the opening's lookup within the repeat
    # window); the newest otherwise.
    shown = None if request.POST.get("all_records") == "1" else CREDIT_FILE_RECORDS_SHOWN
    # The newest lookups of the history; up to CREDIT_FILE_HISTORY_ROWS when asked (Nanjing art. 57).
    history = CREDIT_FILE_HISTORY_ROWS if request.POST.get("all_history") == "1" else CREDIT_FILE_HISTORY_SHOWN
    try:
        credit_file = credit_file_for(lookup, subject, shown_per_category=shown, history_shown=history)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("subjects:search")
    panels = events.credit_file_panels.send(sender=Subject, subject=subject, lookup=lookup, user=request.user)
    return render(
        request,
        "subjects/credit_file.html",
        {
            "file": credit_file,
            "panels": [panel for _receiver, panel in panels if panel],
            "lookup_data": _lookup_hidden(lookup),
            "can_issue_report": request.user.has_perm("subjects.add_creditreport"),
            "all_history": history == CREDIT_FILE_HISTORY_ROWS,
        },
    )


def _lookup_hidden(lookup: LookupRequest) -> dict:
    """The lookup's fields to carry into the next POST (report, linked files)."""
    return {
        "mode": lookup.mode,
        "purpose": lookup.purpose,
        "purpose_detail": lookup.purpose_detail,
        "identity_checked": "on" if lookup.identity_checked else "",
        "authorisation_id": lookup.authorisation_id or "",
        "checked_identifier": lookup.checked_identifier,
    }


@login_required
@require_POST
@lookup_refusal_shown_on("subjects:search")
def report_issue_view(request, pk: int):
    _require(request, "subjects.add_creditreport")
    subject = get_object_or_404(restrict(Subject.objects.all(), request.user), pk=pk)
    form = LookupForm(request.POST, user=request.user)
    lookup = _lookup_from(request, form) if form.is_valid() else None
    if lookup is None:
        messages.error(request, _("Give the query mode and purpose to issue a credit report."))
        return redirect("subjects:search")
    try:
        report, html = credit_report_issue(
            lookup, subject, verify_url=request.build_absolute_uri(reverse("subjects:verify"))
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("subjects:search")
    return render(
        request,
        "subjects/report_issued.html",
        {"report": report, "report_html": html, "lookup_data": _lookup_hidden(lookup)},
    )


@login_required
def report_pdf_view(request, code: str):
    """Download an issued report's stored PDF. A download is a lookup of its own: the user
    states their own purpose (the issuing clerk's form carries the purpose just given) and the
    query log names the downloader's purpose, not the issuer's. A refused lookup (QueryRefused)
    is the 403 page with its message."""
    report = get_object_or_404(
        restrict(CreditReport.objects.select_related("subject").prefetch_related("documents"), request.user),
        documents__code=code,
    )
    if report.mode not in modes_for(request.user):
        raise Http404  # an own-record or authorised report is for the window that issued it
    data = None
    if request.method == "POST":
        # The identity check or authorisation confirmed here is for this report's subject.
        data = request.POST.copy()
        data["checked_identifier"] = report.subject.identifier
    form = LookupForm(data, request.FILES or None, user=request.user)
    form.fields["mode"].choices = [(report.mode, QueryMode(report.mode).label)]
    if request.method == "POST" and form.is_valid() and (lookup := _lookup_from(request, form)) is not None:
        try:
            pdf = credit_report_download(lookup, report)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return FileResponse(pdf, content_type="application/pdf", filename=f"credit-report-{report.code}.pdf")
    return render(request, "subjects/report_download.html", {"report": report, "form": form})


@login_not_required
def verify_view(request):
    """Public page: the code of any document the platform issued (a credit report, a notice, a
    decision) gives its kind, the issue date, the masked name and the PDF's hash; a PDF held by
    the visitor can be compared with that hash."""
    code = request.GET.get("code", "").strip()
    sha = ""
    if request.method == "POST" and request.FILES.get("pdf"):
        digest = hashlib.sha256()
        for chunk in request.FILES["pdf"].chunks():
            digest.update(chunk)
        sha = digest.hexdigest()
        code = request.POST.get("code", "")
    document = document_verify(code) if code else None
    return render(
        request, "subjects/verify.html", {"code": code, "document": document, "checked": bool(code), "sha": sha}
    )


# --- records filed by hand -----------------------------------------------------------------------


# Who may export the filtered records list: those who maintain records — the agencies' officers
# correct their own (`change_creditrecord`), the credit office integrates every agency's batches
# (`change_importbatch`). The authority and auditors read on the page. A records export is a
# logged lookup like a search by subject.
RECORDS_EXPORT_PERMISSIONS = ("subjects.change_creditrecord", "subjects.change_importbatch")
# An export holds the newest rows of the filtered list, at most this many (tens of millions of
# records: narrow the filter for more).
RECORDS_EXPORT_MAX = 10_000


def can_export_records(user) -> bool:
    return any(user.has_perm(permission) for permission in RECORDS_EXPORT_PERMISSIONS)


@login_required
def record_list(request):
    """The records the user's organisation provided (officers) or all records (platform roles);
    identifiers and names of persons are masked here. Filtered by a subject's name or identifier
    the list is a logged lookup; its export (`?format=csv|xlsx`) is one too."""
    _require(request, "subjects.view_creditrecord")
    records = visible_records_of(request.user)
    filterset, records = filter_list(CreditRecordFilter, request, records)
    fmt = request.GET.get("format", "")
    if fmt in EXPORTS:
        if not can_export_records(request.user):
            raise PermissionDenied
        rows = list(records.order_by("-pk")[:RECORDS_EXPORT_MAX])
        records_list_lookup(_records_lookup(request), asked=_asked(filterset), records=rows, export=True)
        return export_response(fmt, records_export_headers(), records_export_table(rows), name="credit-records")
    provider_items = items_for_provider(request.user.organization) if request.user.role == Role.OFFICER else []
    # Keyset pages: no COUNT over tens of millions of records.
    page = keyset_page(records, request)
    if filterset.subject_filter_used:
        records_list_lookup(_records_lookup(request), asked=_asked(filterset), records=page["items"], export=False)
    export_query = request.GET.copy()
    export_query.pop("before", None)
    context = {
        **page,
        "provider_items": provider_items,
        "filter": filterset,
        "can_export": can_export_records(request.user),
        "export_query": export_query.urlencode(),
        "export_max": RECORDS_EXPORT_MAX,
    }
    return render(request, "subjects/record_list.html", context)


def _records_lookup(request):
    return record_lookup(request.user, purpose=request.GET.get("purpose", ""), client_ip=client_ip(request))


def _asked(filterset) -> dict:
    """The valid filter as asked (what the query log keeps of a records search or export)."""
    if not (filterset.is_bound and filterset.is_valid()):
        return {}
    return {name: str(value) for name, value in filterset.form.cleaned_data.items() if value not in (None, "")}


def records_export_headers() -> list[str]:
    return [
        _("Record number"),
        _("Subject"),
        _("Identifier"),
        _("Catalog item code"),
        _("Information"),
        _("Category"),
        _("Severity"),
        _("Provided by"),
        _("Document number"),
        _("Document date"),
        _("Determined on"),
        _("Disclosed until"),
        _("Status"),
        _("Under objection"),
        _("Batch number"),
    ]


def records_export_table(records) -> list[list]:
    """The rows of a records export, masked as the list shows them (a person's name and ID)."""
    return [
        [
            r.pk,
            r.subject.display_name,
            r.subject.masked_identifier,
            r.item.code,
            r.item.name,
            r.get_category_display(),
            r.get_severity_display(),
            r.provider.name,
            r.document_number,
            r.document_date.isoformat() if r.document_date else "",
            r.determined_on.isoformat() if r.determined_on else "",
            r.disclosure_ends_on.isoformat() if r.disclosure_ends_on else "",
            r.get_status_display(),
            _("Yes") if r.under_objection else "",
            r.batch_id or "",
        ]
        for r in records
    ]


@login_required
def record_detail_view(request, pk: int):
    """One record: every field, its history with what each change changed, the cases resting on
    it and who looked it up. Opening it is a logged lookup (it names the subject in full, as a
    credit file opened in a government lookup does); `?purpose=` carries the purpose of the page
    that linked here."""
    _require(request, "subjects.view_creditrecord")
    record = get_object_or_404(visible_records_of(request.user), pk=pk)
    page = record_page_for(_records_lookup(request), record)
    return render(
        request,
        "subjects/record_detail.html",
        {
            "page": page,
            "record": record,
            "can_correct": request.user.role == Role.OFFICER
            and request.user.organization_id == record.provider_id
            and request.user.has_perm("subjects.change_creditrecord"),
        },
    )


@login_required
def record_create_view(request, item_pk: int):
    _require(request, "subjects.add_creditrecord")
    item = get_object_or_404(items_for_provider(request.user.organization), pk=item_pk)
    form = RecordForm(request.POST or None, item=item)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():  # a new subject stays only with its record
                subject, _created = services.subject_get_or_create(
                    identifier=data["identifier"], name=data["name"], by=request.user, reason=data["reason"]
                )
                record = services.record_create(
                    by=request.user,
                    subject=subject,
                    item=item,
                    provider=request.user.organization,
                    reason=data["reason"],
                    values=form.record_values(),
                    document_number=data["document_number"],
                    document_date=data["document_date"],
                    determined_on=data["determined_on"],
                    ended_on=data["ended_on"],
                    custodial_sentence_end=data["custodial_sentence_end"],
                    severity=data.get("severity", ""),
                )
        except Conflict as error:
            form.add_error(None, " ".join(error.messages))
        except ValidationError as error:
            _record_errors(form, error)
        else:
            messages.success(request, _("Record %(record)s filed.") % {"record": record})
            return redirect("subjects:record_list")
    return render(request, "subjects/record_form.html", {"form": form, "item": item, "record": None})


def _record_errors(form: RecordForm, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        add_service_errors(form, error)
        return
    for field, messages_ in error.message_dict.items():
        name = field if field in form.fields else f"value_{field}" if f"value_{field}" in form.fields else None
        for message in messages_:
            form.add_error(name, message)


@login_required
def record_correct_view(request, pk: int):
    """Correct a record of the user's own organisation; the history keeps the previous version."""
    record = get_object_or_404(
        restrict(CreditRecord.objects.select_related("item", "subject"), request.user, "change"), pk=pk
    )
    initial = {
        "document_number": record.document_number,
        "document_date": record.document_date,
        "determined_on": record.determined_on,
        "ended_on": record.ended_on,
        "custodial_sentence_end": record.custodial_sentence_end,
        "severity": record.severity,
        **{f"value_{k}": v for k, v in record.values.items()},
    }
    form = RecordForm(request.POST or None, item=record.item, correcting=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {
            name: data[name]
            for name in ("document_number", "document_date", "determined_on", "ended_on", "custodial_sentence_end")
            if name in data
        }
        if "severity" in data:
            changes["severity"] = data["severity"]
        try:
            services.record_correct(
                record, by=request.user, reason=data["reason"], values=form.record_values(), **changes
            )
        except Conflict as error:
            form.add_error(None, " ".join(error.messages))
        except ValidationError as error:
            _record_errors(form, error)
        else:
            messages.success(request, _("Record %(record)s corrected.") % {"record": record})
            return redirect("subjects:record_list")
    return render(
        request,
        "subjects/record_form.html",
        {
            "form": form,
            "item": record.item,
            "record": record,
            "history": record.history.select_related("history_user")[:20],
        },
    )


# --- batches -------------------------------------------------------------------------------------


@login_required
def batch_list(request):
    _require(request, "subjects.view_importbatch")
    batches = restrict(
        ImportBatch.objects.select_related("item", "provider").prefetch_related("deadlines__pauses"), request.user
    )
    filterset, batches = filter_list(BatchFilter, request, batches)
    page = Paginator(batches.order_by("-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    upload_form = None
    if request.user.role == Role.OFFICER and request.user.has_perm("subjects.add_importbatch"):
        upload_form = BatchUploadForm(organization=request.user.organization)
    return render(
        request,
        "subjects/batch_list.html",
        {
            "page": page,
            "upload_form": upload_form,
            "filter": filterset,
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def batch_upload_view(request):
    _require(request, "subjects.add_importbatch")
    form = BatchUploadForm(request.POST, request.FILES, organization=request.user.organization)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return redirect("subjects:batch_list")
    try:
        batch = ingestion.batch_upload(
            by=request.user,
            item=form.cleaned_data["item"],
            provider=request.user.organization,
            file=form.cleaned_data["file"],
            encoding=form.cleaned_data["encoding"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("subjects:batch_list")
    return redirect("subjects:batch_detail", batch.pk)


@login_required
def batch_detail(request, pk: int):
    """The batch, its problems, and while its check or submit runs on a worker, the progress
    (updated by static/js/batch_progress.js, or by a plain refresh without JavaScript)."""
    batch = get_object_or_404(restrict(ImportBatch.objects.select_related("item", "provider"), request.user), pk=pk)
    errors = Paginator(batch.row_errors.all(), 200).get_page(request.GET.get("page"))
    errors.object_list = list(errors.object_list)
    named = records_named_by_errors(batch, errors.object_list)
    for error in errors.object_list:
        error.named_record = named.get(error.pk)  # the record on file a problem names, linked
    officer_of_provider = request.user.role == Role.OFFICER and request.user.organization_id == batch.provider_id
    can_submit = (
        batch.status in (BatchStatus.VALIDATED, BatchStatus.HAS_ERRORS) and batch.rows_valid > 0 and officer_of_provider
    )
    can_integrate = (
        batch.status == BatchStatus.SUBMITTED
        and request.user.has_perm("subjects.change_importbatch")
        and request.user.role == Role.CLERK
    )
    return render(
        request,
        "subjects/batch_detail.html",
        {
            "batch": batch,
            "errors": errors,
            "progress": ingestion_jobs.batch_progress(batch),
            "can_submit": can_submit,
            "can_integrate": can_integrate,
            "can_retry": officer_of_provider and ingestion_jobs.batch_can_retry(batch),
            "can_withdraw": officer_of_provider and batch.status in ingestion.WITHDRAWABLE,
            "reason_form": ReasonForm(),
        },
    )


BATCH_STEPS = {
    "submit": ingestion.batch_submit,
    "integrate": ingestion.batch_integrate,
    "retry": ingestion_jobs.batch_retry,
    "withdraw": ingestion.batch_withdraw,
}


@login_required
@require_POST
def batch_step(request, pk: int, step: str):
    batch = get_object_or_404(restrict(ImportBatch.objects.all(), request.user), pk=pk)
    action = BATCH_STEPS.get(step)
    if action is None:
        raise Http404
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason."))
        return redirect("subjects:batch_detail", batch.pk)
    try:
        batch = action(batch, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Batch #%(id)s is now “%(status)s”.") % {"id": batch.pk, "status": batch.get_status_display()}
        )
    return redirect("subjects:batch_detail", batch.pk)


@login_required
def batch_template(request, item_pk: int, fmt: str = "csv"):
    """The item's upload template: its columns, and what to write in each with an example (notes
    in the CSV, which the check skips; a second sheet in the XLSX)."""
    if not request.user.has_perm("subjects.add_importbatch"):
        raise PermissionDenied
    item = get_object_or_404(items_for_provider(request.user.organization), pk=item_pk)
    if fmt == "xlsx":
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        response = HttpResponse(ingestion.template_xlsx(item), content_type=content_type)
    else:
        response = HttpResponse(ingestion.template_csv(item), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="template-{item.code}.{fmt}"'
    return response


# --- commitments ---------------------------------------------------------------------------------


@login_required
def commitment_list(request):
    _require(request, "subjects.view_commitment")
    commitments = restrict(Commitment.objects.select_related("subject", "made_to", "breach_record"), request.user)
    filterset, commitments = filter_list(CommitmentFilter, request, commitments)
    page = Paginator(commitments.order_by("-made_on", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    can_add = request.user.role == Role.OFFICER and request.user.has_perm("subjects.add_commitment")
    form = CommitmentForm(request.POST or None) if can_add else None
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():  # a new subject stays only with its commitment
                subject, _created = services.subject_get_or_create(
                    identifier=data["identifier"], name=data["name"], by=request.user, reason=data["reason"]
                )
                services.commitment_record(
                    by=request.user,
                    subject=subject,
                    matter=data["matter"],
                    content=data["content"],
                    made_on=data["made_on"],
                    made_to=request.user.organization,
                    reason=data["reason"],
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Commitment recorded."))
            return redirect("subjects:commitment_list")
    return render(
        request,
        "subjects/commitment_list.html",
        {
            "page": page,
            "form": form,
            "filter": filterset,
            "resolve_form": CommitmentResolveForm(breach_item=_breach_item()),
            "pending": CommitmentStatus.PENDING,
        },
    )


def _breach_item():
    try:
        return services.breach_item()
    except ValidationError:
        return None


@login_required
@require_POST
def commitment_resolve_view(request, pk: int):
    commitment = get_object_or_404(restrict(Commitment.objects.all(), request.user, "change"), pk=pk)
    form = CommitmentResolveForm(request.POST, breach_item=_breach_item())
    if not form.is_valid():
        messages.error(request, _("Give the finding and a reason."))
        return redirect("subjects:commitment_list")
    data = form.cleaned_data
    try:
        services.commitment_resolve(
            commitment,
            by=request.user,
            kept=data["kept"],
            finding=data["finding"],
            reason=data["reason"],
            document_number=data["document_number"],
            document_date=data["document_date"],
            values=form.breach_values(),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Commitment found %(status)s.") % {"status": commitment.get_status_display()})
    return redirect("subjects:commitment_list")


# The auditor's reading (issue 17): holding `view` on the subjects' history is the auditor's
# allow-list (apps.core.permissions.auditor_permissions).
TRAIL_PERMISSION = "subjects.view_historicalsubject"


@login_required
def subject_trail_view(request):
    """A subject's full trail: every change of it and of what rests on it, with each change's
    diff, and every lookup of it. Opening it is one logged lookup, an audit (issue 17).

    By identifier the form is POSTed, so that no address holds a citizen's ID (as files and
    reports are opened); pages that name a subject on file link by its id (`?subject=`)."""
    _require(request, TRAIL_PERMISSION)
    form = TrailForm(request.POST or None)
    identifier = None
    if request.method == "POST" and form.is_valid():
        identifier = form.cleaned_data["identifier"]
    elif request.GET.get("subject", "").isdigit():
        identifier = get_object_or_404(
            restrict(Subject.objects.all(), request.user), pk=request.GET["subject"]
        ).identifier
        form = TrailForm(initial={"identifier": identifier})
    trail = None
    if identifier:
        lookup = record_lookup(request.user, purpose=QueryPurpose.AUDIT, client_ip=client_ip(request))
        trail = subject_trail(lookup, identifier=identifier)
    return render(request, "subjects/trail.html", {"form": form, "trail": trail})
