"""Public pages of the catalog app (/public/catalog/, no login): the published catalogs and their
items, the published measure lists and exemption lists, and the lists in public consultation
with their comments and a comment form. The city's regulation has the catalog published to the
public after consultation and approval; which regulation is named on the pages comes from the
active Policy. Reads go through `selectors.public_*`, which return published (or, for the
consultation page, in-consultation) versions only: a draft is a 404 here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from apps.catalog import selectors, services
from apps.catalog.forms import PublicCommentForm
from apps.catalog.views import KINDS
from apps.core.exceptions import Conflict
from apps.core.forms import add_service_errors
from apps.core.http import client_ip


def _kind(slug: str):
    if slug not in KINDS:
        raise Http404
    return KINDS[slug]


@login_not_required
def public_index(request):
    """What is in force and what is put to consultation, for every kind of list."""
    sections = [
        (kind, selectors.public_documents(kind.model), selectors.public_consultations(kind.model))
        for kind in KINDS.values()
    ]
    return render(request, "catalog/public_index.html", {"sections": sections})


@login_not_required
def public_document(request, kind: str, pk: int):
    kind = _kind(kind)
    document = selectors.public_documents(kind.model).filter(pk=pk).first()
    if document is None:
        raise Http404
    return render(
        request,
        "catalog/public_document.html",
        {"kind": kind, "document": document, "entries": selectors.public_entries(document)},
    )


@login_not_required
def public_item(request, pk: int, item_pk: int):
    item = selectors.public_item(pk, item_pk)
    if item is None:
        raise Http404
    return render(request, "catalog/public_item.html", {"kind": KINDS["catalogs"], "item": item})


@login_not_required
def public_consultation(request, kind: str, pk: int):
    """A list in public consultation: its entries, the comments with their replies, and the
    comment form (rate-limited per address: `services.comment_add_public`)."""
    kind = _kind(kind)
    document = selectors.public_consultations(kind.model).filter(pk=pk).first()
    if document is None:
        raise Http404
    form = PublicCommentForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_add_public(
                document,
                author_name=form.cleaned_data["author_name"],
                text=form.cleaned_data["text"],
                client_ip=client_ip(request),
            )
        except services.CommentsLimited as refused:
            messages.error(request, str(refused))
            status = 429
        except Conflict as error:
            messages.error(request, " ".join(error.messages))
            status = 409
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Thank you: your comment was recorded and is shown below."))
            return redirect("catalog:public_consultation", kind.slug, document.pk)
    response = render(
        request,
        "catalog/public_consultation.html",
        {
            "kind": kind,
            "document": document,
            "entries": selectors.public_entries(document),
            "comments": selectors.public_comments(document),
            "form": form,
        },
        status=status,
    )
    return response
