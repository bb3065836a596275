"""The public credit portal's pages (信用门户, /public/…, no login): the search, an organisation's
page at its public key, and the 双公示 feeds of licences and penalties with their CSV export.
What they show and the abuse controls are in `portal.py`."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from apps.catalog.choices import Disclosure, ReportSection
from apps.catalog.models import CatalogItem
from apps.core.choices import DeadlineKind, OrganizationKind
from apps.core.deadlines import deadline_of
from apps.core.documents import document_response
from apps.core.forms import DateInput, add_service_errors
from apps.core.http import client_ip
from apps.core.layout import render_for_visitor
from apps.core.models import Organization
from apps.core.querylog import QueryRefused
from apps.core.tabular import write_csv
from apps.core.templatetags.credit import record_details
from apps.subjects import disclosure_requests, events, portal, portal_cache, portal_middleware
from apps.subjects.forms import DisclosureRequestForm, DisclosureStatusForm
from apps.subjects.models import DisclosureRequest, Subject

# The feeds' URL segment and the credit report section each lists.
FEEDS = {"licences": ReportSection.LICENCE, "penalties": ReportSection.PENALTY}


def limited(request, message: str, retry_after: int | None = None):
    """The 429 page: what was refused and when to come back."""
    response = render(request, "subjects/public_limited.html", {"message": message}, status=429)
    if retry_after:
        response["Retry-After"] = str(max(retry_after, 1))
    return response


def _refused_earlier(request):
    """The 429 page of a refusal `PublicPageMiddleware` decided for this request (it counted the
    request already), or None."""
    refused = getattr(request, portal_middleware.REFUSED, None)
    return limited(request, *refused) if refused else None


def _keep(response, key: str, lookup: tuple | None = None):
    """Let `PublicPageMiddleware` keep this response for the next anonymous visitors."""
    response.portal_keep = portal_cache.Keep(key=key, lookup=lookup)
    return response


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Organisation name or unified social credit code"),
        max_length=portal.MAX_QUERY_LENGTH,
        required=False,
    )


class ChallengeForm(forms.Form):
    answer = forms.CharField(label=_("Your answer"), max_length=10)


def _challenge(request, ip: str | None, query: str, counted: portal.CountedLookup):
    """The cheap challenge after many searches from one address (`counted.challenge_needed`):
    the question page (the search waits, nothing is looked up or logged), or None to go on. An
    answer comes back with the search, in the same GET form, so it works without JavaScript; a
    right one starts the address's searches again from this one."""
    token = request.GET.get("challenge", "")
    form = None
    if token:
        form = ChallengeForm(request.GET)
        if form.is_valid():
            try:
                portal.challenge_solve(ip, token=token, answer=form.cleaned_data["answer"])
                portal.count_search(ip)
                return None
            except ValidationError as error:
                add_service_errors(form, error)
    elif not counted.challenge_needed:
        return None
    challenge = portal.new_challenge(ip)
    return render(
        request,
        "subjects/public_challenge.html",
        # The answer field is drawn empty for the new question; a wrong answer's error shows beside it.
        {"form": form or ChallengeForm(), "challenge": challenge, "query": query},
    )


@login_not_required
@require_safe
def public_search(request):
    """Search organisations by name (part of it) or code; the empty form on the first visit. The
    answer to a plain search (`q` alone) is kept for the next anonymous visitors asking the same
    (`PublicPageMiddleware`), but for a citizen ID."""
    if refused := _refused_earlier(request):
        return refused
    form = SearchForm(request.GET or None)
    context = {"form": form, "result": None}
    if form.is_bound and form.is_valid() and form.cleaned_data["q"].strip():
        ip = client_ip(request)
        try:
            # The minute's allowance, the day's volume and the searches towards the challenge.
            counted = portal.count_lookup(ip, search=True)
            challenged = _challenge(request, ip, form.cleaned_data["q"], counted)
            if challenged is not None:
                counted.give_back()  # nothing is looked up until the question is answered
                return challenged
            context["result"] = portal.portal_search(query=form.cleaned_data["q"], client_ip=ip, counted=counted)
        except portal.RateLimited as refused:
            return limited(request, str(refused), refused.retry_after)
        except QueryRefused as refused:
            return limited(request, str(refused))
        except ValidationError as error:
            counted.give_back()  # a search too short or too long is not a lookup
            for name, messages in error.message_dict.items():
                for message in messages:
                    form.add_error(name if name in form.fields else None, message)
    response = render(request, "subjects/public_search.html", context)
    result = context["result"]
    if result is not None and result.logged is not None and set(request.GET) == {"q"} and portal_cache.enabled():
        _keep(response, portal_cache.search_response_key(request.GET["q"]), result.logged)
    return response


def _looked_up(request, ip: str | None, read: Callable[[portal.CountedLookup], object]):
    """A lookup of one organisation from the portal (`read(counted)`: its page, or None for no
    such organisation): the address's minute allowance and day's volume counted first, together
    (`portal.count_lookup`), the day's checked by `read`; the 429 page for a refusal (either), 404
    for None (the day's count given back)."""
    try:
        counted = portal.count_lookup(ip)
        found = read(counted)
    except portal.RateLimited as refused:
        return limited(request, str(refused), refused.retry_after)
    except QueryRefused as refused:
        return limited(request, str(refused))
    if found is None:
        counted.give_back()
        raise Http404
    return found


@login_not_required
@require_safe
def public_subject(request, key):
    """An organisation's public page at its public key: its actively disclosed records by
    category, its public commitments and its list entries. No such key: 404, as for a person.
    The page's content comes from the cache while nothing on it changed (`portal_cache`); the
    rate limit and the query-log row happen on every request."""
    if refused := _refused_earlier(request):
        return refused
    ip = client_ip(request)

    def render_body(public_file) -> str:
        panels = events.public_file_panels.send(sender=Subject, subject=public_file.subject)
        return render_to_string(
            "subjects/_public_subject_body.html",
            {
                "file": public_file,
                "subject": public_file.subject,
                "today": timezone.localdate(),
                "panels": [panel for _receiver, panel in panels if panel is not None],
            },
        )

    page = _looked_up(
        request,
        ip,
        lambda counted: portal.portal_subject_page(key=key, client_ip=ip, render=render_body, counted=counted),
    )
    if isinstance(page, HttpResponse):
        return page
    body = mark_safe(page.body)  # noqa: S308 - rendered by our template, escaped there
    response = render_for_visitor(request, "subjects/public_subject.html", {"name": page.name, "body": body})
    if not page.key:  # a page cached before pages knew their key: never kept under a shared one
        return response
    return _keep(response, portal_cache.response_key(page.key), page.lookup)


@login_not_required
@require_safe
def public_subject_records(request, key, category: str):
    """Every actively disclosed record of one category of an organisation, a bounded page at a
    time (the organisation's page shows the newest few): counted, logged and limited as its page
    is, never kept. No such key or category: 404."""
    ip = client_ip(request)
    page = _looked_up(
        request,
        ip,
        lambda counted: portal.public_category_page(
            key=key, category=category, page=_page_number(request), client_ip=ip, counted=counted
        ),
    )
    if isinstance(page, HttpResponse):
        return page
    body = render_to_string("subjects/_public_category_body.html", {"page": page, "today": timezone.localdate()})
    return render_for_visitor(
        request,
        "subjects/public_subject.html",
        {
            "name": f"{page.subject.name} · {page.category.label}",
            "body": mark_safe(body),  # noqa: S308 - rendered by our template, escaped there
        },
    )


def _agencies():
    return Organization.objects.filter(kind=OrganizationKind.AGENCY, is_active=True).order_by("name")


class FeedFilterForm(forms.Form):
    agency = forms.ModelChoiceField(
        label=_("Providing agency"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("All agencies"),
    )
    item = forms.ChoiceField(label=_("Catalog item"), required=False)
    since = forms.DateField(label=_("Decided from"), required=False, widget=DateInput())
    until = forms.DateField(label=_("Decided until"), required=False, widget=DateInput())

    def __init__(self, *args, section: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = _agencies()
        codes = (
            CatalogItem.objects.filter(
                report_section=section,
                disclosure=Disclosure.PUBLIC,
                catalog__status__in=portal.PUBLISHED_CATALOG_STATUSES,
            )
            .order_by("code")
            .values_list("code", "name")
            .distinct()
        )
        self.fields["item"].choices = [("", gettext("All items")), *((code, f"{code} {name}") for code, name in codes)]

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", gettext("The end date is before the start date."))
        return data


def _feed(request, slug: str):
    """(section, filter form, filtered records or None when the filters are wrong)."""
    section = FEEDS.get(slug)
    if section is None:
        raise Http404
    form = FeedFilterForm(request.GET or None, section=section)
    if form.is_bound and not form.is_valid():
        return section, form, None
    data = form.cleaned_data if form.is_bound else {}
    records = portal.feed_records(
        section,
        provider=data.get("agency"),
        item_code=data.get("item") or "",
        since=data.get("since"),
        until=data.get("until"),
    )
    return section, form, records


def _page_number(request) -> int:
    try:
        return int(request.GET.get("page") or 1)
    except ValueError:
        return 1


FEED_PARAMS = ("agency", "item", "since", "until", "page")


def _feed_params(request) -> dict:
    """What a feed page depends on besides the data: its filters and page, as asked."""
    return {name: request.GET.get(name, "") for name in FEED_PARAMS}


def feed_response_key(request, slug: str, counting: tuple = ()) -> tuple[str, list[int]] | None:
    """The key of a feed page's whole response as asked (None: no such feed), and the counters of
    `counting` counted with it (`portal_cache.feed_page_key_counting`)."""
    if slug not in FEEDS:
        return None
    key, counts = portal_cache.feed_page_key_counting(slug, _feed_params(request), counting)
    return portal_cache.response_key(key), counts


def agency_feed_response_key(pk: int, counting: tuple = ()) -> tuple[str, list[int]]:
    key, counts = portal_cache.feed_page_key_counting(f"agency:{pk}", {}, counting)
    return portal_cache.response_key(key), counts


@login_not_required
@require_safe
def public_feed(request, slug: str):
    """The latest administrative licences or penalties (双公示), filtered, one bounded page. The
    page's content comes from the cache while no record changed (`portal_cache`); the rate limit
    happens on every request."""
    if refused := _refused_earlier(request):
        return refused
    try:
        portal.throttle(portal.FEEDS, client_ip(request))
    except portal.RateLimited as refused:
        return limited(request, str(refused), refused.retry_after)
    if slug not in FEEDS:
        raise Http404
    title = ReportSection(FEEDS[slug]).label
    key = portal_cache.feed_page_key(slug, _feed_params(request))
    body = portal_cache.get(key)
    if body is None:
        _section, form, records = _feed(request, slug)
        rows, more, page = [], False, _page_number(request)
        if records is not None:
            rows, more = portal.feed_page(records, page)
        query = request.GET.copy()
        query.pop("page", None)
        body = render_to_string(
            "subjects/_public_feed_body.html",
            {
                "slug": slug,
                "title": title,
                "form": form,
                "rows": rows,
                "page": min(max(page, 1), settings.PUBLIC_PORTAL_MAX_PAGES),
                "more": more,
                "query": query.urlencode(),
                "export_limit": settings.PUBLIC_PORTAL_EXPORT_ROWS,
                "feeds": FEEDS,
            },
        )
        portal_cache.put(key, body)
    body = mark_safe(body)  # noqa: S308 - rendered by our template, escaped there
    response = render_for_visitor(request, "subjects/public_feed.html", {"title": str(title), "body": body})
    return _keep(response, feed_response_key(request, slug)[0])


@login_not_required
@require_safe
def public_feed_export(request, slug: str):
    """The filtered feed as CSV: the newest PUBLIC_PORTAL_EXPORT_ROWS rows at most."""
    try:
        portal.throttle(portal.FEEDS, client_ip(request))
    except portal.RateLimited as refused:
        return limited(request, str(refused), refused.retry_after)
    section, form, records = _feed(request, slug)
    if records is None:
        title = ReportSection(section).label
        body = render_to_string(
            "subjects/_public_feed_body.html",
            {"slug": slug, "title": title, "form": form, "rows": [], "feeds": FEEDS},
        )
        return render(
            request,
            "subjects/public_feed.html",
            {"title": title, "body": mark_safe(body)},  # noqa: S308 - rendered by our template, escaped there
            status=400,
        )
    headers = [
        gettext("Organisation"),
        gettext("Unified social credit code"),
        gettext("Catalog item"),
        gettext("Document number"),
        gettext("Decision date"),
        gettext("Provided by"),
        gettext("Basis"),
        gettext("Details"),
    ]
    rows = (
        [
            r.subject.name,
            r.subject.identifier,
            f"{r.item.code} {r.item.name}",
            r.document_number,
            (r.document_date or r.determined_on or ""),
            r.provider.name,
            r.item.legal_basis,
            "；".join(f"{label}：{value}" for label, value in record_details(r)),
        ]
        for r in records[: settings.PUBLIC_PORTAL_EXPORT_ROWS]
    )
    response = HttpResponse(write_csv(headers, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}.csv"'
    return response


@login_not_required
@require_safe
def public_agency_feed(request, pk: int):
    """One agency's own 双公示 page: its latest licences and penalties, each with a link to the
    whole filtered feed (its content cached like the feeds)."""
    if refused := _refused_earlier(request):
        return refused
    agency = get_object_or_404(_agencies(), pk=pk)
    try:
        portal.throttle(portal.FEEDS, client_ip(request))
    except portal.RateLimited as refused:
        return limited(request, str(refused), refused.retry_after)
    key = portal_cache.feed_page_key(f"agency:{agency.pk}", {})
    body = portal_cache.get(key)
    if body is None:
        sections = []
        for slug, section in FEEDS.items():
            rows, more = portal.feed_page(portal.feed_records(section, provider=agency), 1)
            sections.append((slug, ReportSection(section).label, rows, more))
        body = render_to_string("subjects/_public_agency_feed_body.html", {"agency": agency, "sections": sections})
        portal_cache.put(key, body)
    response = render(request, "subjects/public_agency_feed.html", {"agency": agency, "body": mark_safe(body)})  # noqa: S308 - rendered by our template, escaped there
    return _keep(response, agency_feed_response_key(agency.pk)[0])


# --- disclosure on request (依申请公开, Nanjing art. 27) ----------------------------------------------

# The request just filed in this browser session, for the confirmation page.
DISCLOSURE_FILED_KEY = "subjects_disclosure_filed"


@login_not_required
def public_disclosure_request(request):
    """The public request form for information disclosed on request: no login; each filing
    counts against the address's hourly allowance (429 past it). A filed request goes to the
    confirmation page with its number and tracking code."""
    form = DisclosureRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request)
        try:
            portal.throttle(portal.REQUESTS, ip)
            filed = disclosure_requests.disclosure_request_file(**form.cleaned_data, client_ip=ip)
        except portal.RateLimited as refused:
            return limited(request, str(refused), refused.retry_after)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            request.session[DISCLOSURE_FILED_KEY] = filed.pk
            return redirect("subjects:public_disclosure_filed")
    return render(request, "subjects/public_disclosure_request.html", {"form": form})


@login_not_required
@require_safe
def public_disclosure_filed(request):
    """The confirmation of the request filed in this browser session: its number, its tracking
    code and the answer's due date when the Policy sets a time limit."""
    pk = request.session.get(DISCLOSURE_FILED_KEY)
    filed = DisclosureRequest.objects.filter(pk=pk).first() if pk else None
    due = deadline_of(filed, DeadlineKind.DISCLOSURE_ANSWER) if filed else None
    return render(request, "subjects/public_disclosure_filed.html", {"filed": filed, "due": due})


@login_not_required
def public_disclosure_status(request):
    """The progress of a request and the document that answered it, to whoever gives its number
    and tracking code (counted like a search against the address's allowance). A wrong number,
    a wrong code or both get the same "not found" page (404). `download` sends the stored PDF."""
    if request.method != "POST":
        return render(request, "subjects/public_disclosure_status.html", {"form": DisclosureStatusForm()})
    try:
        portal.throttle(portal.LOOKUPS, client_ip(request))
    except portal.RateLimited as refused:
        return limited(request, str(refused), refused.retry_after)
    form = DisclosureStatusForm(request.POST)
    if not form.is_valid():
        return render(request, "subjects/public_disclosure_status.html", {"form": form})
    found = disclosure_requests.online_status(
        number=form.cleaned_data["number"], tracking_code=form.cleaned_data["tracking_code"]
    )
    if found is None:
        return render(
            request,
            "subjects/public_disclosure_status.html",
            {"form": DisclosureStatusForm(), "not_found": True},
            status=404,
        )
    page = disclosure_requests.status_page(found)
    if request.POST.get("download") and page["document"] is not None:
        return document_response(page["document"], filename=f"{page['document'].number}.pdf")
    return render(
        request,
        "subjects/public_disclosure_status.html",
        {"form": DisclosureStatusForm(initial=form.cleaned_data)} | page,
    )
