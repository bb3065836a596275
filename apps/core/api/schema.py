"""The OpenAPI schema documents the error answers of every operation, not only the success.

What the API answers besides success (apps/core/exceptions.py and DRF):
- 400: a body or query parameter that does not validate: `{"field": ["message", …], …}`, or
  `{"detail": …}` for a body that cannot be parsed or a service's error without a field;
- 401/403: no or an unknown token (DRF answers 403 when session authentication comes first), or
  the role lacks the model permission;
- 404: an object the user may not see or that does not exist, or an invalid page cursor;
- 409: a workflow step the object's current status does not allow (`Conflict`);
- 429: a lookup refused once the user passed the daily threshold (declared by those views).
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(required=False)


VALIDATION_ERROR = OpenApiResponse(
    response={
        "type": "object",
        "additionalProperties": {},
        "description": "Messages by field name (a list of strings, or nested for lists and objects); "
        "`detail` when no field is concerned.",
    },
    description="The request does not validate.",
)
ERROR_DESCRIPTIONS = {
    "401": "Not authenticated.",
    "403": "Not authenticated, or no permission for this action.",
    "404": "No such object among those the user may see (or an invalid page cursor).",
    "409": "The object's current status does not allow this step.",
    "429": "Refused: the user passed the daily lookup threshold.",
}
PAGING_PARAMETERS = {"cursor", "page_size"}
# For the lookup views' own @extend_schema(responses=…): the refusal past the daily threshold.
THRESHOLD_REFUSED = OpenApiResponse(ErrorSerializer, ERROR_DESCRIPTIONS["429"])


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema plus the 4xx answers each operation can give (unless declared)."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation["responses"]
        for code in self._error_codes(operation):
            if code not in responses:
                response = (
                    VALIDATION_ERROR if code == "400" else OpenApiResponse(ErrorSerializer, ERROR_DESCRIPTIONS[code])
                )
                responses[code] = self._get_response_for_code(response, code)
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _map_basic_serializer(self, serializer, direction):
        from apps.core.api.views import ReasonRequiredOnPartialUpdate  # the views import this module

        schema = super()._map_basic_serializer(serializer, direction)
        if isinstance(serializer, ReasonRequiredOnPartialUpdate) and direction == "request":
            schema["required"] = sorted({*schema.get("required", []), "reason"})
        return schema

    def _error_codes(self, operation) -> list[str]:
        parameters = operation.get("parameters", [])
        filters = any(p["in"] == "query" and p["name"] not in PAGING_PARAMETERS for p in parameters)
        paged = any(p["in"] == "query" and p["name"] == "cursor" for p in parameters)
        writes = self.method not in ("GET", "HEAD", "OPTIONS")
        codes = ["401", "403"]
        if writes or filters or "requestBody" in operation:
            codes.append("400")
        if "{" in self.path or paged:
            codes.append("404")
        if writes:
            codes.append("409")
        return codes
