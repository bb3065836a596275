"""The public registry of credit service agencies (/public/agencies/, no login): the published
registrations only (Ningbo art. 50), each with its published spot-check results and whether its
rating products are restricted (Nanjing art. 69 paras. 3–4)."""

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.shortcuts import render

from apps.service_agencies.selectors import public_registry, supervision_results

PAGE_SIZE = 50


@login_not_required
def public_registry_view(request):
    page = Paginator(public_registry(), PAGE_SIZE).get_page(request.GET.get("page"))
    results = supervision_results([filing.agency_id for filing in page.object_list])
    rows = [(filing, results[filing.agency_id]) for filing in page.object_list]
    return render(request, "service_agencies/public_registry.html", {"page": page, "rows": rows})
