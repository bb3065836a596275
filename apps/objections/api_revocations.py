"""/api/v1/revocations/: an agency's systems file revocation notices (撤销/变更告知) about the
agency's own records and read their own; the credit office's systems read every notice and apply
or return it. Each step is a POST action (409 from the wrong status, 403 when the step is not the
caller's)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api.fields import DeadlineSerializer, TextField
from apps.core.api.views import ReasonSerializer, RestrictedViewSetMixin
from apps.core.choices import QueryPurpose
from apps.objections import revocations, selectors_revocations
from apps.objections.api import subject_and_records
from apps.objections.choices import RevocationKind
from apps.objections.models import RevocationNotice


class RevocationSerializer(serializers.ModelSerializer):
    subject_identifier = serializers.CharField(source="subject.masked_identifier", read_only=True)
    subject_name = serializers.CharField(source="subject.display_name", read_only=True)
    deadlines = DeadlineSerializer(many=True, read_only=True, help_text="the notice's statutory clocks")
    steps = serializers.SerializerMethodField(help_text="the steps the caller may take now (POST …/{id}/<step>/)")

    class Meta:
        model = RevocationNotice
        fields = [
            "id",
            "number",
            "agency",
            "subject_identifier",
            "subject_name",
            "records",
            "kind",
            "document_number",
            "document_date",
            "document_body",
            "document_text",
            "corrected_values",
            "filed_on",
            "status",
            "applied_on",
            "late_reason",
            "returned_on",
            "return_reason",
            "deadlines",
            "steps",
        ]
        read_only_fields = fields

    def get_steps(self, notice) -> list[str]:
        request = self.context.get("request")
        return [
            step.name for step in revocations.REVOCATION_CASE.allowed_steps(notice, request.user if request else None)
        ]


class RevocationFileSerializer(ReasonSerializer):
    subject_identifier = TextField(max_length=30)
    records = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=100)
    kind = serializers.ChoiceField(choices=RevocationKind.choices)
    document_number = TextField(max_length=100)
    document_date = serializers.DateField()
    document_body = TextField(max_length=200)
    document_text = TextField(required=False, allow_blank=True, max_length=5000)
    corrected_values = serializers.DictField(
        child=serializers.DictField(),
        required=False,
        help_text='a changed decision: {"<record id>": {"document_number": "…", "document_date": "YYYY-MM-DD", …}}',
    )


class RevocationApplySerializer(ReasonSerializer):
    late_reason = TextField(required=False, allow_blank=True, max_length=2000)


class RevocationReturnSerializer(ReasonSerializer):
    return_reason = TextField(max_length=2000)


class RevocationViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = RevocationNotice.objects.select_related("subject").prefetch_related("deadlines__pauses", "records")
    serializer_class = RevocationSerializer
    filterset_fields = ["status", "kind"]
    action_permissions = {name: ["objections.change_revocationnotice"] for name in ("apply", "send_back")}

    @extend_schema(request=RevocationFileSerializer, responses={201: RevocationSerializer})
    def create(self, request, *args, **kwargs):
        """File a notice about the caller's agency's records of one subject."""
        payload = RevocationFileSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        subject, records = subject_and_records(
            request,
            data.pop("subject_identifier"),
            data.pop("records"),
            find=selectors_revocations.records_for_revocation,
            purpose=QueryPurpose.INTEGRATION,
            # The same answer for an unknown id as for another agency's record.
            not_theirs=lambda pk, subject: str(revocations.MSG_NOT_PROVIDED).format(id=pk),
            agency=request.user.organization,
        )
        notice = revocations.revocation_file(by=request.user, subject=subject, records=records, **data)
        body = RevocationSerializer(notice, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    def _step(self, step: str, payload_class):
        notice = self.get_object()
        payload = payload_class(data=self.request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        reason = data.pop("reason")
        revocations.revocation_step(notice, step, by=self.request.user, reason=reason, **data)
        return Response(RevocationSerializer(notice, context=self.get_serializer_context()).data)

    @extend_schema(request=RevocationApplySerializer, responses=RevocationSerializer)
    @action(detail=True, methods=["post"])
    def apply(self, request, pk=None):
        """Revoke or correct every record of the notice; after the due date, give `late_reason`."""
        return self._step("apply", RevocationApplySerializer)

    @extend_schema(request=RevocationReturnSerializer, responses=RevocationSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def send_back(self, request, pk=None):
        """Return the notice to the agency with `return_reason`."""
        return self._step("return", RevocationReturnSerializer)
