"""Subjects API: lookups for other government systems (logged like any lookup), ingestion of
rows as JSON, batch status, and an agency's own records."""

from django.core.exceptions import ValidationError
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.catalog.selectors import published_item
from apps.core.api.fields import DeadlineSerializer, TextField
from apps.core.api.schema import THRESHOLD_REFUSED
from apps.core.api.views import ReasonSerializer, RestrictedViewSetMixin
from apps.core.choices import QueryChannel, QueryMode
from apps.core.http import client_ip
from apps.core.identifiers import mask_identifier, mask_name
from apps.core.querylog import LookupRequest
from apps.core.uploads import MSG_TOO_MANY_ROWS_POSTED, upload_limits
from apps.subjects import ingestion, ingestion_jobs
from apps.subjects.choices import Channel, DisclosureBasis
from apps.subjects.models import CreditRecord, ImportBatch, Subject
from apps.subjects.selectors import api_lookup
from apps.subjects.services import clean_identifier

ERRORS_SHOWN = 200


class LookupRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    item_code = serializers.CharField(source="item.code")
    item_name = serializers.CharField(source="item.name")
    category = serializers.CharField()
    severity = serializers.CharField()
    provider = serializers.CharField(source="provider.name")
    document_number = serializers.CharField()
    document_date = serializers.DateField()
    determined_on = serializers.DateField()
    disclosure_ends_on = serializers.DateField()
    status = serializers.CharField()
    # the objection mark (异议标注) beside the status: since when, and whether it is set
    under_objection = serializers.BooleanField()
    objection_since = serializers.DateTimeField()
    values = serializers.JSONField()


class LookupSubjectSerializer(serializers.Serializer):
    identifier = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()


class LookupResponseSerializer(serializers.Serializer):
    found = serializers.BooleanField()
    identifier = serializers.CharField(required=False, help_text="masked; when not found")
    detail = serializers.CharField(required=False)
    subject = LookupSubjectSerializer(required=False)
    records = LookupRecordSerializer(many=True, required=False)


class SubjectLookupView(APIView):
    """`GET /api/v1/subjects/lookup/?identifier=…&mode=government&purpose=…`: the subject and
    the records the mode may see. Every call is a logged lookup; no purpose, no answer."""

    queryset = Subject.objects.all()  # for the model permission (view_subject)

    @extend_schema(
        parameters=[
            OpenApiParameter("identifier", str, required=True),
            OpenApiParameter("mode", str, required=True, enum=[QueryMode.GOVERNMENT, QueryMode.PUBLIC]),
            OpenApiParameter("purpose", str, required=True),
            OpenApiParameter("purpose_detail", str),
        ],
        responses={200: LookupResponseSerializer, 429: THRESHOLD_REFUSED},
    )
    def get(self, request):
        params = request.query_params
        mode = params.get("mode", "")
        if mode not in (QueryMode.GOVERNMENT, QueryMode.PUBLIC):
            raise APIValidationError({"mode": "The API answers government and public lookups only."})
        try:
            _kind, identifier = clean_identifier(params.get("identifier", ""))
        except ValidationError as error:
            raise APIValidationError({"identifier": error.messages}) from None
        lookup = LookupRequest(
            user=request.user,
            mode=mode,
            purpose=params.get("purpose", ""),
            channel=QueryChannel.API,
            purpose_detail=params.get("purpose_detail", ""),
            client_ip=client_ip(request),
        )
        # A refused rule is a 400 naming the field, a flagged user a 429 (api_exception_handler).
        subject, records = api_lookup(lookup, identifier)
        if subject is None:
            return Response(
                {"found": False, "identifier": mask_identifier(identifier), "detail": "No record of this subject."}
            )
        public = mode == QueryMode.PUBLIC and subject.is_person
        return Response(
            {
                "found": True,
                "subject": {
                    "identifier": mask_identifier(subject.identifier) if public else subject.identifier,
                    "name": mask_name(subject.name) if public else subject.name,
                    "kind": subject.kind,
                },
                "records": LookupRecordSerializer(records, many=True).data,
            }
        )


class BatchProgressSerializer(serializers.Serializer):
    step = serializers.CharField(help_text="check or submit: the background step queued, running or failed last")
    running = serializers.BooleanField()
    rows_read = serializers.IntegerField()
    rows_checked = serializers.IntegerField()
    rows_written = serializers.IntegerField()
    percent = serializers.IntegerField()
    rows_per_second = serializers.IntegerField(allow_null=True)
    seconds_left = serializers.IntegerField(allow_null=True)
    stale = serializers.BooleanField(help_text="no progress for minutes: the step may be run again (retry)")


class BatchSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="item.code")
    url = serializers.SerializerMethodField()
    errors = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    integration_due = serializers.DateField(source="integration_clock.due_on", read_only=True, allow_null=True)
    integration_due_estimated = serializers.BooleanField(
        source="integration_clock.due_estimated", read_only=True, allow_null=True
    )
    deadlines = DeadlineSerializer(many=True, read_only=True, help_text="the batch's statutory clocks")

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "url",
            "item",
            "provider",
            "channel",
            "status",
            "step",
            "failure",
            "progress",
            "rows_total",
            "rows_invalid",
            "row_errors_omitted",
            "rows_created",
            "rows_updated",
            "rows_unchanged",
            "subjects_created",
            "submitted_at",
            "integration_due",
            "integration_due_estimated",
            "integrated_at",
            "deadlines",
            "errors",
        ]

    def get_url(self, batch) -> str:
        return reverse("importbatch-detail", args=[batch.pk])

    @extend_schema_field(BatchProgressSerializer)
    def get_progress(self, batch) -> dict:
        return ingestion_jobs.batch_progress(batch)

    def get_errors(self, batch) -> list[dict]:
        """The first problems, row by row; in lists only on request of one batch (no N+1)."""
        view = self.context.get("view")
        if view is not None and getattr(view, "action", None) == "list":
            return []
        return list(batch.row_errors.values("row", "column", "message")[:ERRORS_SHOWN])


class RowsField(serializers.ListField):
    """A list of rows, its length checked against UPLOAD_MAX_ROWS before any row is looked at."""

    def to_internal_value(self, data):
        if isinstance(data, list) and len(data) > upload_limits().max_rows:
            raise serializers.ValidationError(
                str(MSG_TOO_MANY_ROWS_POSTED).format(count=len(data), limit=upload_limits().max_rows)
            )
        return super().to_internal_value(data)


class BatchCreateSerializer(serializers.Serializer):
    item = TextField(help_text="code of a published catalog item")
    rows = RowsField(child=serializers.DictField(), allow_empty=False, help_text="at most UPLOAD_MAX_ROWS rows")
    submit = serializers.BooleanField(default=False, help_text="submit the valid rows right away")
    reason = TextField(max_length=1000, required=False, default="")


class BatchUploadSerializer(serializers.Serializer):
    item = serializers.CharField(help_text="code of a published catalog item")
    file = serializers.FileField(help_text="CSV or XLSX, within the upload limits (UPLOAD_MAX_BYTES, …)")
    encoding = serializers.ChoiceField(choices=["", "utf-8", "gb18030"], required=False, default="")
    submit = serializers.BooleanField(default=False, help_text="submit the valid rows right away")
    reason = serializers.CharField(max_length=1000, required=False, default="")


UPLOAD_REFUSED = OpenApiResponse(
    description="a field is missing or wrong, or an upload limit was passed (rows, row length, cell, XLSX "
    "unpacked size or compression ratio); the message names the limit and the row"
)
UPLOAD_TOO_LARGE = OpenApiResponse(description="the body is larger than UPLOAD_MAX_BYTES; it was not read")


class ImportBatchViewSet(
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Batches of the user's organisation (all batches for the credit office).

    `POST` rows as JSON for one item, or `POST upload/` a CSV/XLSX file (multipart): stored and
    answered 202 with the batch's `url` at once; a worker checks them like a file uploaded on the
    web, and with `submit` writes the valid rows (all or nothing) once checked. Poll the batch:
    `status`, `progress` (rows read, checked, written; percent; rows per second; seconds left) and,
    when a step failed, `failure`. The upload limits apply (UPLOAD_MAX_ROWS rows, UPLOAD_MAX_BYTES per request, …);
    a body over the size limit is answered 413 before it is read.
    """

    queryset = ImportBatch.objects.select_related("item").prefetch_related("deadlines__pauses")
    serializer_class = BatchSerializer
    filterset_fields = ["status", "channel"]
    action_permissions = {
        "submit": ["subjects.add_importbatch"],
        "integrate": ["subjects.change_importbatch"],
        "upload": ["subjects.add_importbatch"],
        "retry": ["subjects.add_importbatch"],
        "withdraw": ["subjects.add_importbatch"],
    }

    def _store(self, request, data: dict, make_batch):
        """Store the rows (`make_batch(item, submit_reason)`) and queue their check; with `submit`,
        the valid rows are written as soon as the check is done. 202: poll the batch's `url`."""
        if data["submit"] and not data["reason"].strip():
            raise APIValidationError({"reason": "Give a reason to submit."})
        item = published_item(data["item"])
        batch = make_batch(item, data["reason"] if data["submit"] else "")
        return self._accepted(batch)

    def _accepted(self, batch):
        body = BatchSerializer(batch, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})

    @extend_schema(
        request=BatchCreateSerializer,
        responses={202: BatchSerializer, 400: UPLOAD_REFUSED, 413: UPLOAD_TOO_LARGE},
    )
    def create(self, request):
        payload = BatchCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        return self._store(
            request,
            data,
            lambda item, submit_reason: ingestion.batch_from_rows(
                by=request.user,
                item=item,
                provider=request.user.organization,
                rows=data["rows"],
                submit_reason=submit_reason,
            ),
        )

    @extend_schema(
        request={"multipart/form-data": BatchUploadSerializer},
        responses={202: BatchSerializer, 400: UPLOAD_REFUSED, 413: UPLOAD_TOO_LARGE},
    )
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser])
    def upload(self, request):
        """A CSV or XLSX file for one item, checked like a file uploaded on the web."""
        payload = BatchUploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        return self._store(
            request,
            data,
            lambda item, submit_reason: ingestion.batch_upload(
                by=request.user,
                item=item,
                provider=request.user.organization,
                file=data["file"],
                encoding=data["encoding"],
                channel=Channel.API,
                submit_reason=submit_reason,
            ),
        )

    @extend_schema(request=ReasonSerializer, responses={202: BatchSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Queue the write of the batch's valid rows (409 unless the batch was checked and is not
        submitted or being submitted). 202: poll the batch's `url`."""
        payload = ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        batch = ingestion.batch_submit(self.get_object(), by=request.user, reason=payload.validated_data["reason"])
        return self._accepted(batch)

    @extend_schema(request=ReasonSerializer, responses={202: BatchSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Run a failed step again, or one whose worker stopped answering (`progress.stale`); 409 otherwise."""
        payload = ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        batch = ingestion_jobs.batch_retry(self.get_object(), by=request.user, reason=payload.validated_data["reason"])
        return self._accepted(batch)

    @extend_schema(request=ReasonSerializer, responses=BatchSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """The uploader withdraws a batch it will not submit (409 unless it was checked and not
        submitted, or its job failed): nothing of it is written."""
        payload = ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        batch = ingestion.batch_withdraw(self.get_object(), by=request.user, reason=payload.validated_data["reason"])
        return Response(BatchSerializer(batch, context=self.get_serializer_context()).data)

    @extend_schema(request=ReasonSerializer, responses=BatchSerializer)
    @action(detail=True, methods=["post"])
    def integrate(self, request, pk=None):
        """The credit office confirms integration (Ningbo art. 18)."""
        payload = ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        batch = ingestion.batch_integrate(self.get_object(), by=request.user, reason=payload.validated_data["reason"])
        return Response(BatchSerializer(batch).data)


class RecordSerializer(serializers.ModelSerializer):
    subject_identifier = serializers.SerializerMethodField()
    item = serializers.CharField(source="item.code")
    # "" for records without an end (basic, good and other information kept current)
    disclosure_basis = serializers.ChoiceField(choices=DisclosureBasis.choices, allow_blank=True, read_only=True)
    under_objection = serializers.BooleanField(read_only=True)

    class Meta:
        model = CreditRecord
        fields = [
            "id",
            "subject_identifier",
            "item",
            "category",
            "severity",
            "provider",
            "document_number",
            "document_date",
            "determined_on",
            "ended_on",
            "status",
            "under_objection",
            "objection_since",
            "disclosure_ends_on",
            "disclosure_basis",
            "source_record_id",
            "batch",
        ]

    def get_subject_identifier(self, record) -> str:
        return record.subject.masked_identifier


class CreditRecordViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Records an agency provided (officers see their organisation's only); identifiers of
    persons are masked. Looking a subject up is `subjects/lookup/`."""

    queryset = CreditRecord.objects.select_related("subject", "item")
    serializer_class = RecordSerializer
    filterset_fields = ["status", "category", "source_record_id", "batch"]
