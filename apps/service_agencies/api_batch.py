"""/api/v1/agencies/batch-queries/ (Nanjing art. 67): an agency's systems apply for a batch query
(multipart: the agreement and the identifiers file), run the approved query and download the
result; the credit office's systems approve or refuse. Each step is a POST action: 409 from the
wrong status, past the approval's last day or beyond its number of subjects; 403 when the step
is not the caller's; another agency's application is 404."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from apps.core.api.fields import TextField
from apps.core.api.views import ReasonSerializer, RestrictedViewSetMixin
from apps.core.choices import QueryChannel
from apps.core.http import client_ip
from apps.service_agencies import selectors_batch, services_batch
from apps.service_agencies.models_batch import BatchQueryApplication, BatchQueryRun


class BatchRunOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = BatchQueryRun
        fields = ["sequence", "ran_at", "channel", "subjects", "found", "records", "result_sha256"]
        read_only_fields = fields


class BatchQueryOutSerializer(serializers.ModelSerializer):
    steps = serializers.SerializerMethodField(help_text="the steps the caller may take now (POST …/{id}/<step>/)")
    runs = serializers.SerializerMethodField(help_text="the runs, each with its result (GET …/{id}/result/)")

    class Meta:
        model = BatchQueryApplication
        fields = [
            "id",
            "number",
            "agency",
            "purpose",
            "legal_basis",
            "subject_count",
            "status",
            "received_on",
            "decided_on",
            "refusal_reasons",
            "approved_count",
            "valid_until",
            "lookups_done",
            "runs",
            "steps",
        ]
        read_only_fields = fields

    def get_steps(self, application) -> list[str]:
        request = self.context.get("request")
        user = request.user if request else None
        return [step.name for step in services_batch.BATCH_QUERY.allowed_steps(application, user)]

    def get_runs(self, application) -> list[dict]:
        return BatchRunOutSerializer(application.run_set.order_by("sequence"), many=True).data


class BatchApplySerializer(ReasonSerializer):
    purpose = TextField(max_length=5000)
    legal_basis = TextField(max_length=300)
    subject_count = serializers.IntegerField(min_value=1, max_value=10_000_000)
    agreement = serializers.FileField(help_text="the signed agreement: PDF, PNG or JPEG")
    identifiers = serializers.FileField(help_text="CSV or XLSX, one identifier a row")


class BatchApproveSerializer(ReasonSerializer):
    approved_count = serializers.IntegerField(min_value=1, max_value=10_000_000)
    valid_until = serializers.DateField()


class BatchRefuseSerializer(ReasonSerializer):
    refusal_reasons = TextField(max_length=5000)


class BatchRunInSerializer(serializers.Serializer):
    identifiers = serializers.FileField(
        required=False, help_text="CSV or XLSX of the subjects to look up now; omitted: all of the application"
    )
    reason = TextField(required=False, allow_blank=True, max_length=1000)


class BatchQueryViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = BatchQueryApplication.objects.select_related("agency")
    serializer_class = BatchQueryOutSerializer
    filterset_fields = ["status"]
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    # Running is the agency's (add a run); downloading needs only to see the application, and
    # the service then lets the agency that ran it alone have the file.
    action_permissions = {
        "run": ["service_agencies.add_batchqueryrun"],
        "result": ["service_agencies.view_batchqueryrun"],
    }

    @extend_schema(request={"multipart/form-data": BatchApplySerializer}, responses={201: BatchQueryOutSerializer})
    def create(self, request, *args, **kwargs):
        """Apply for a batch query for the caller's agency; every bad identifier is named with its row (400)."""
        payload = BatchApplySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        application = services_batch.batch_apply(by=request.user, **payload.validated_data)
        body = BatchQueryOutSerializer(application, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    def _step(self, step: str, payload_class):
        application = self.get_object()
        payload = payload_class(data=self.request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        reason = data.pop("reason")
        services_batch.batch_step(application, step, by=self.request.user, reason=reason, **data)
        return Response(BatchQueryOutSerializer(application, context=self.get_serializer_context()).data)

    @extend_schema(request=BatchApproveSerializer, responses=BatchQueryOutSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve the batch query for `approved_count` subjects until `valid_until` (the credit office)."""
        return self._step("approve", BatchApproveSerializer)

    @extend_schema(request=BatchRefuseSerializer, responses=BatchQueryOutSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        """Refuse the application with `refusal_reasons` (the credit office)."""
        return self._step("refuse", BatchRefuseSerializer)

    @extend_schema(
        request={"multipart/form-data": BatchRunInSerializer, "application/json": BatchRunInSerializer},
        responses={201: BatchRunOutSerializer},
    )
    @action(detail=True, methods=["post"])
    def run(self, request, pk=None):
        """Run the approved query (the agency): 409 unless approved, within its last day and its number of subjects."""
        application = self.get_object()
        payload = BatchRunInSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        run = services_batch.batch_run(
            application,
            by=request.user,
            reason=payload.validated_data.get("reason", ""),
            identifiers=payload.validated_data.get("identifiers"),
            channel=QueryChannel.API,
            client_ip=client_ip(request),
        )
        return Response(BatchRunOutSerializer(run).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter("run", int, required=False, description="the run's number; default the last run"),
            OpenApiParameter("type", str, required=False, enum=list(services_batch.RESULT_FORMATS)),
        ],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"])
    def result(self, request, pk=None):
        """Download a run's stored result (CSV or XLSX): the agency that ran it only (403 for others)."""
        application = self.get_object()
        fmt = request.query_params.get("type", "csv")
        number = request.query_params.get("run", "")
        errors = {}
        if fmt not in services_batch.RESULT_FORMATS:
            errors["type"] = ["Choose csv or xlsx."]
        if number and not (number.isdigit() and 0 < int(number) < 2**31):
            errors["run"] = ["A run number: a whole number, 1 or more."]
        if errors:
            raise ValidationError(errors)
        runs = selectors_batch.visible_batch_runs(request.user).filter(application=application)
        run = runs.filter(sequence=int(number)).first() if number else runs.order_by("-sequence").first()
        if run is None:
            raise NotFound("No such run of this batch query.")
        stored, name, content_type = services_batch.batch_result(run, by=request.user, fmt=fmt)
        return FileResponse(stored, as_attachment=True, filename=name, content_type=content_type)
