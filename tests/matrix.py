"""The API permission matrix, written once and applied to every endpoint.

For one endpoint: anonymous → 401/403, a user without the permission → 403, a permitted user →
the expected status, and (for object endpoints) a user who holds the permission but belongs to
another organisation → 404 (the object is not revealed).

`without_permission=None` is for the few endpoints any signed-in user may call (who am I, the
index and the schema): only anonymous is refused there. tests/test_api_matrix.py declares one row
per endpoint and fails for an endpoint of the router without one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rest_framework.test import APIClient


@dataclass
class Expectation:
    method: str
    url: str
    permitted: object
    without_permission: object | None
    other_organisation: object | None = None
    data: dict = field(default_factory=dict)
    permitted_status: int = 200
    format: str = "json"  # "multipart" for file uploads


def _call(user, expectation: Expectation):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    for value in expectation.data.values():
        if hasattr(value, "seek"):
            value.seek(0)  # an uploaded file is read by every call
    return getattr(client, expectation.method.lower())(
        expectation.url, expectation.data or None, format=expectation.format
    )


def assert_permission_matrix(expectation: Expectation) -> None:
    response = _call(None, expectation)
    assert response.status_code in (401, 403), (
        f"anonymous {expectation.method} {expectation.url}: {response.status_code}"
    )
    if expectation.without_permission is not None:
        response = _call(expectation.without_permission, expectation)
        assert response.status_code == 403, (
            f"no permission {expectation.method} {expectation.url}: {response.status_code}"
        )
    if expectation.other_organisation is not None:
        response = _call(expectation.other_organisation, expectation)
        assert response.status_code == 404, (
            f"other organisation {expectation.method} {expectation.url}: {response.status_code}"
        )
    response = _call(expectation.permitted, expectation)
    assert response.status_code == expectation.permitted_status, (
        f"permitted {expectation.method} {expectation.url}: {response.status_code} {response.content[:300]!r}"
    )
