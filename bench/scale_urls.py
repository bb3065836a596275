"""The project's URLs plus `/bench/bare-check/`: the bare Django view the check API is measured
against (issue 16) — the same indexed lookup of the subject and one query-log INSERT, a
JsonResponse, no DRF, no authentication."""

import json

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone

from credit_portal.urls import urlpatterns as project_urlpatterns


@login_not_required
def bare_check(request):
    identifier = request.GET.get("identifier", "")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, name, kind FROM subjects_subject WHERE identifier = %s", [identifier])
        row = cursor.fetchone()
        cursor.execute(
            "INSERT INTO core_querylog (created_at, channel, mode, purpose, purpose_detail, authorization_document, "
            "subject_identifier, subject_name, query, outcome, result) VALUES (%s, 'api', 'government', "
            "'joint_sanction_check', '', '', %s, %s, %s, %s, '{}')",
            [timezone.now(), identifier, row[1] if row else "", json.dumps({"identifier": identifier}), "found"],
        )
    return JsonResponse({"found": row is not None, "name": row[1] if row else None})


urlpatterns = [path("bench/bare-check/", bare_check), *project_urlpatterns]
