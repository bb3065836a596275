"""/api/v1/objections/: agency systems file objections received by the agency, list and read
those they may see (forwarded to them or filed with them), and answer a forwarded one; the credit
office's systems take every step of the table. Each step is a POST action (409 from the wrong
status, 403 when the step is not the caller's)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.response import Response

from apps.core.api.fields import DeadlineSerializer, TextField
from apps.core.api.views import ReasonSerializer, RestrictedViewSetMixin
from apps.core.models import Organization
from apps.objections import services
from apps.objections.choices import Channel, Ground, Outcome
from apps.objections.models import Objection
from apps.subjects.models import CreditRecord, Subject
from apps.subjects.services import clean_identifier


class ObjectionSerializer(serializers.ModelSerializer):
    subject_identifier = serializers.CharField(source="subject.masked_identifier", read_only=True)
    subject_name = serializers.CharField(source="subject.display_name", read_only=True)
    deadlines = DeadlineSerializer(many=True, read_only=True, help_text="the objection's statutory clocks")
    steps = serializers.SerializerMethodField(help_text="the steps the caller may take now (POST …/{id}/<step>/)")
    # Empty until the agency answers / the office decides (a read-only field built from the model
    # would drop allow_blank, and the schema would not admit "").
    answer = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True, read_only=True)
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Objection
        fields = [
            "id",
            "number",
            "subject_identifier",
            "subject_name",
            "records",
            "missing",
            "grounds",
            "statement",
            "channel",
            "received_on",
            "handler",
            "status",
            "forwarded_to",
            "forwarded_on",
            "answer",
            "answer_reason",
            "answered_on",
            "outcome",
            "outcome_reason",
            "decided_on",
            "late_reason",
            "refusal_reason",
            "informed_on",
            "deadlines",
            "steps",
        ]
        read_only_fields = fields

    def get_steps(self, objection) -> list[str]:
        request = self.context.get("request")
        return [
            step.name for step in services.OBJECTION_CASE.allowed_steps(objection, request.user if request else None)
        ]


class FileSerializer(ReasonSerializer):
    subject_identifier = TextField(max_length=30)
    records = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, max_length=100)
    missing = TextField(required=False, allow_blank=True, max_length=2000)
    grounds = serializers.ListField(child=serializers.ChoiceField(choices=Ground.choices), min_length=1, max_length=4)
    statement = TextField(max_length=5000)
    applicant_name = TextField(max_length=100)
    applicant_contact = TextField(max_length=100)
    channel = serializers.ChoiceField(
        choices=[c for c in Channel.choices if c[0] not in (Channel.ONLINE, Channel.DIRECT)],
        required=False,
        help_text="the credit office's channel; an agency's filing is always 'direct'",
    )
    received_on = serializers.DateField(required=False)


class RefuseSerializer(ReasonSerializer):
    refusal_reason = TextField(max_length=2000)


class ForwardSerializer(ReasonSerializer):
    agency = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())


class AnswerSerializer(ReasonSerializer):
    answer = serializers.ChoiceField(choices=Outcome.choices)
    answer_reason = TextField(max_length=5000)


class DecideSerializer(ReasonSerializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    outcome_reason = TextField(max_length=5000)
    late_reason = TextField(required=False, allow_blank=True, max_length=2000)
    corrections = serializers.DictField(
        child=serializers.DictField(),
        required=False,
        help_text='{"<record id>": {"document_number": "…", "document_date": "YYYY-MM-DD", …}}',
    )


class PauseSerializer(ReasonSerializer):
    why = TextField(max_length=300)
    start = serializers.DateField(required=False)


class ResumeSerializer(ReasonSerializer):
    end = serializers.DateField(required=False)


class ObjectionViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Objection.objects.select_related("subject").prefetch_related("deadlines__pauses", "records")
    serializer_class = ObjectionSerializer
    filterset_fields = ["status", "channel"]
    action_permissions = {name: ["objections.change_objection"] for name in services.OBJECTION_CASE._by_name}

    @extend_schema(request=FileSerializer, responses={201: ObjectionSerializer})
    def create(self, request, *args, **kwargs):
        payload = FileSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        try:
            _kind, identifier = clean_identifier(data.pop("subject_identifier"))
        except ValidationError as error:
            raise APIValidationError({"subject_identifier": error.messages}) from None
        subject = Subject.objects.filter(identifier=identifier).first()
        if subject is None:
            raise APIValidationError({"subject_identifier": ["No subject with this identifier is on the platform."]})
        ids = data.pop("records", [])
        records = list(CreditRecord.objects.filter(pk__in=ids))
        missing_ids = sorted(set(ids) - {r.pk for r in records})
        if missing_ids:
            raise APIValidationError({"records": [f"No record {pk}." for pk in missing_ids]})
        try:
            objection = services.objection_file(
                by=request.user, subject=subject, records=records, channel=data.pop("channel", Channel.WINDOW), **data
            )
        except ValidationError as error:
            raise APIValidationError(error.message_dict if hasattr(error, "error_dict") else error.messages) from None
        body = ObjectionSerializer(objection, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    def _step(self, step: str, payload_class):
        objection = self.get_object()
        payload = payload_class(data=self.request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        reason = data.pop("reason")
        services.objection_step(objection, step, by=self.request.user, reason=reason, **data)
        return Response(ObjectionSerializer(objection, context=self.get_serializer_context()).data)

    @extend_schema(request=ReasonSerializer, responses=ObjectionSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept the objection: the disputed records are marked."""
        return self._step("accept", ReasonSerializer)

    @extend_schema(request=RefuseSerializer, responses=ObjectionSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        return self._step("refuse", RefuseSerializer)

    @extend_schema(request=ForwardSerializer, responses=ObjectionSerializer)
    @action(detail=True, methods=["post"])
    def forward(self, request, pk=None):
        return self._step("forward", ForwardSerializer)

    @extend_schema(request=AnswerSerializer, responses=ObjectionSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        """The providing agency's answer to a forwarded objection."""
        return self._step("answer", AnswerSerializer)

    @extend_schema(request=DecideSerializer, responses=ObjectionSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        return self._step("decide", DecideSerializer)

    @extend_schema(request=ReasonSerializer, responses=ObjectionSerializer)
    @action(detail=True, methods=["post"])
    def inform(self, request, pk=None):
        return self._step("inform", ReasonSerializer)

    @extend_schema(request=PauseSerializer, responses=ObjectionSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        return self._step("pause", PauseSerializer)

    @extend_schema(request=ResumeSerializer, responses=ObjectionSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        return self._step("resume", ResumeSerializer)
