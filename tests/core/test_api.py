"""Core API: deny by default, restricted rows, the permission matrix on every endpoint."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.core.models import QueryFlagStatus
from tests.factories import (
    AuditorFactory,
    AuthorityUserFactory,
    ClerkFactory,
    NoRoleUserFactory,
    OfficerFactory,
    QueryFlagFactory,
)
from tests.matrix import Expectation, assert_permission_matrix

pytestmark = pytest.mark.django_db


def test_me_returns_user_organisation_and_role():
    officer = OfficerFactory(full_name="李建国")
    client = APIClient()
    assert client.get("/api/v1/me/").status_code in (401, 403)
    client.force_authenticate(officer)
    data = client.get("/api/v1/me/").json()
    assert data["username"] == officer.username and data["full_name"] == "李建国"
    assert data["role"] == "officer" and data["organization"]["id"] == officer.organization_id
    assert "core.view_organization" in data["permissions"]


def test_token_authentication_works():
    from rest_framework.authtoken.models import Token

    officer = OfficerFactory()
    token = Token.objects.create(user=officer)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/me/").json()["username"] == officer.username


def test_permission_matrix_for_organisations_and_users():
    officer = OfficerFactory()
    stranger = OfficerFactory()  # another agency, same permissions
    for url in (
        reverse("organization-detail", args=[officer.organization_id]),
        reverse("user-detail", args=[officer.pk]),
    ):
        assert_permission_matrix(
            Expectation(
                "GET", url, permitted=officer, without_permission=NoRoleUserFactory(), other_organisation=stranger
            )
        )
    for url in (reverse("organization-list"), reverse("user-list")):
        assert_permission_matrix(Expectation("GET", url, permitted=officer, without_permission=NoRoleUserFactory()))


def test_lists_hold_only_what_the_user_may_see():
    officer = OfficerFactory()
    OfficerFactory.create_batch(3)
    client = APIClient()
    client.force_authenticate(officer)
    users = client.get(reverse("user-list")).json()["results"]
    assert [u["id"] for u in users] == [officer.pk]
    orgs = client.get(reverse("organization-list")).json()["results"]
    assert [o["id"] for o in orgs] == [officer.organization_id]
    client.force_authenticate(AuditorFactory())
    assert len(client.get(reverse("user-list")).json()["results"]) == 5


def test_nobody_changes_users_through_the_api():
    officer = OfficerFactory()
    client = APIClient()
    client.force_authenticate(officer)
    response = client.patch(reverse("user-detail", args=[officer.pk]), {"role": "clerk"}, format="json")
    assert response.status_code in (403, 405)
    officer.refresh_from_db()
    assert officer.role == "officer"


def test_permission_matrix_for_clearing_a_flag(policy):
    """Nanjing art. 52: only the credit office clears a flag."""
    flag = QueryFlagFactory(user=OfficerFactory())
    url = reverse("queryflag-clear", args=[flag.pk])
    assert_permission_matrix(
        Expectation(
            "POST",
            url,
            permitted=ClerkFactory(),
            without_permission=AuthorityUserFactory(),
            other_organisation=None,
            data={"reason": "核实为正常业务"},
        )
    )
    flag.refresh_from_db()
    assert flag.status == QueryFlagStatus.CLEARED
    client = APIClient()
    client.force_authenticate(ClerkFactory())
    assert client.post(url, {"reason": "again"}, format="json").status_code == 409
    assert client.post(url, {}, format="json").status_code == 400


def test_an_officer_cannot_see_another_agencys_flags():
    flag = QueryFlagFactory(user=OfficerFactory())
    assert_permission_matrix(
        Expectation(
            "GET",
            reverse("queryflag-detail", args=[flag.pk]),
            permitted=flag.user,
            without_permission=NoRoleUserFactory(),
            other_organisation=OfficerFactory(),
        )
    )


def test_policy_endpoint(policy):
    client = APIClient()
    client.force_authenticate(OfficerFactory())
    data = client.get("/api/v1/policy/").json()
    assert data["code"] == "nanjing" and data["objection_mark_days"] == 1


def test_openapi_schema_and_docs_are_served():
    client = APIClient()
    client.force_authenticate(OfficerFactory())
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/me/" in schema.content
    assert client.get("/api/docs/").status_code == 200


def test_the_schema_documents_the_error_answers_of_every_operation():
    """Issue 9 finding 7: 404/409/429 answers were missing from the OpenAPI schema, so a schema
    fuzzer's conformance checks failed on correct answers."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    missing = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            expected = {"401", "403"}
            if "{" in path or any(p["name"] == "cursor" for p in operation.get("parameters", [])):
                expected.add("404")
            if method != "get":
                expected |= {"400", "409"}
            if path in ("/api/v1/subjects/lookup/", "/api/v1/checks/"):
                expected |= {"400", "429"}
            missing += [f"{method.upper()} {path}: {code}" for code in sorted(expected - set(operation["responses"]))]
    assert not missing, "\n".join(missing)
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["detail"]
    # A partial update needs a reason too (issue 9 finding 4), and the schema says so.
    assert "reason" in schema["components"]["schemas"]["PatchedCatalogItemRequest"]["required"]
    # The sanction check answers one result, not a page of them.
    check = schema["paths"]["/api/v1/checks/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert check == {"$ref": "#/components/schemas/CheckResult"}


def test_list_pagination_is_a_cursor():
    auditor = AuditorFactory()
    OfficerFactory.create_batch(3)
    client = APIClient()
    client.force_authenticate(auditor)
    page = client.get(reverse("user-list"), {"page_size": 2}).json()
    assert len(page["results"]) == 2 and "cursor=" in page["next"]


def test_a_page_size_that_is_not_a_whole_number_in_range_is_refused_naming_it():
    """Issue 9 (fuzzing): `page_size=null` or `page_size=0` was silently replaced by the default."""
    client = APIClient()
    client.force_authenticate(AuditorFactory())
    for value in ("null", "0", "-1", "2.5", "", "501", "9" * 30):
        response = client.get(reverse("user-list"), {"page_size": value})
        assert response.status_code == 400, value
        assert response.json() == {"page_size": ["请填写 1 到 500 之间的整数。"]}
    assert client.get(reverse("user-list"), {"page_size": "500"}).status_code == 200


def test_any_other_address_under_the_api_answers_a_json_404():
    """Issue 9 (fuzzing): `/api/v1/users/1.5/` (no route) answered Django's HTML page, against the
    schema's JSON answers."""
    client = APIClient()
    client.force_authenticate(AuditorFactory())
    for address in ("/api/v1/users/1.5/", "/api/v1/users/%2F/", "/api/v1/nothing/here/", "/api/v1/users"):
        response = client.get(address)
        assert response.status_code == 404 and response["Content-Type"] == "application/json", address
        assert response.json() == {"detail": "未找到。"}
    assert client.get("/api/v1/users/").status_code == 200


def test_a_yes_no_or_choice_filter_with_a_value_it_does_not_know_is_refused_naming_it():
    """Issue 9 (fuzzing): `?is_active=null` and `?kind=` dropped the filter and answered every row."""
    client = APIClient()
    client.force_authenticate(AuditorFactory())
    for params in ({"is_active": "null"}, {"is_active": ""}, {"kind": ""}):
        response = client.get(reverse("organization-list"), params)
        assert response.status_code == 400 and list(response.json()) == list(params), params
    assert client.get(reverse("organization-list"), {"is_active": "false"}).json()["results"] == []
    assert client.get(reverse("organization-list"), {"is_active": "true", "kind": "agency"}).status_code == 200


def test_a_blank_date_or_a_fractional_year_filter_is_refused_naming_it():
    """Schema fuzzing (issue 14's endpoints): `?given_on=` dropped the filter and `?year=0.5` was
    taken for a number, both answering 200 against the schema's date and integer."""
    from tests.service_agencies.factories import BusinessReportFactory

    report = BusinessReportFactory(year=2025)
    client = APIClient()
    client.force_authenticate(ClerkFactory())
    for name, params in (
        ("businessreport-list", {"year": "0.5"}),
        ("businessreport-list", {"year": "x"}),
        ("businessreport-list", {"year": ""}),
        ("freereport-list", {"given_on": ""}),
        ("freereport-list", {"given_on": "2026-13-01"}),
    ):
        response = client.get(reverse(name), params)
        assert response.status_code == 400 and list(response.json()) == list(params), (name, params)
    found = client.get(reverse("businessreport-list"), {"year": "2025"}).json()["results"]
    assert [row["id"] for row in found] == [report.pk]
    assert client.get(reverse("freereport-list"), {"given_on": "2026-01-05"}).status_code == 200


def test_a_post_to_an_unknown_api_address_is_the_json_404_not_the_csrf_page():
    client = APIClient(enforce_csrf_checks=True)
    client.force_authenticate(AuditorFactory())
    response = client.post("/api/v1/batches/0.5/submit/", {"reason": "x"}, format="json")
    assert response.status_code == 404 and response.json() == {"detail": "未找到。"}


def test_every_choice_the_api_answers_blank_is_allowed_blank_in_the_schema():
    """Schema fuzzing (issue 14): a read-only serializer field made from a model field with
    `blank=True` loses `allow_blank`, so the schema's enum had no "" while the API answered ""
    (an agency's undecided objection, an action that is no spot check)."""
    from django.core.exceptions import FieldDoesNotExist
    from rest_framework import serializers

    from credit_portal.api_urls import router

    wrong = []
    for _prefix, viewset, _basename in router.registry:
        serializer_class = getattr(viewset, "serializer_class", None)
        if serializer_class is None or not issubclass(serializer_class, serializers.ModelSerializer):
            continue
        model = serializer_class.Meta.model
        for name, field in serializer_class().fields.items():
            if not isinstance(field, serializers.ChoiceField) or isinstance(field, serializers.MultipleChoiceField):
                continue
            try:
                model_field = model._meta.get_field(field.source or name)
            except FieldDoesNotExist:
                continue
            if model_field.blank and not field.allow_blank:
                wrong.append(f"{serializer_class.__name__}.{name}")
    assert wrong == []
