"""The public registry of credit service agencies (/public/agencies/, no login): the published
registrations only (Ningbo art. 50)."""

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.shortcuts import render

from apps.service_agencies.selectors import public_registry

PAGE_SIZE = 50


@login_not_required
def public_registry_view(request):
    page = Paginator(public_registry(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "service_agencies/public_registry.html", {"page": page})
