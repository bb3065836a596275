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
from apps.core.choices import QueryChannel, QueryMode, QueryPurpose
from apps.core.http import client_ip
from apps.core.models import Organization
from apps.core.querylog import LookupRequest
from apps.objections import selectors, services
from apps.objections.choices import Channel, Ground, Outcome
from apps.objections.filing import MSG_NOT_THE_SUBJECTS
from apps.objections.models import Objection

MSG_NO_SUBJECT = "No subject with this identifier is on the platform."


def subject_and_records(request, identifier: str, ids, *, find, purpose, not_theirs, **find_args):
    """The subject named by `identifier` and the records `ids` among those `find` offers for it:
    the same logged lookup (channel API) the web pages make, through the app's selector. An id
    that is not among them — unknown, or another subject's or agency's — gets the one answer
    `not_theirs(id, subject)`, so the API does not tell which exist."""
    lookup = LookupRequest(
        user=request.user,
        mode=QueryMode.GOVERNMENT,
        purpose=purpose,
        channel=QueryChannel.API,
        client_ip=client_ip(request),
    )
    try:
        subject, offered = find(lookup, identifier, **find_args)
    except ValidationError as error:
        raise APIValidationError({"subject_identifier": error.messages}) from None
    if subject is None:
        raise APIValidationError({"subject_identifier": [MSG_NO_SUBJECT]})
    by_pk = {record.pk: record for record in offered}
    unknown = sorted(set(ids) - set(by_pk))
    if unknown:
        raise APIValidationError({"records": [not_theirs(pk, subject) for pk in unknown]})
    return subject, [by_pk[pk] for pk in dict.fromkeys(ids)]


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
        subject, records = subject_and_records(
            request,
            data.pop("subject_identifier"),
            data.pop("records", []),
            find=selectors.subject_for_objection,
            purpose=QueryPurpose.OBJECTION_PROCESSING,
            not_theirs=lambda pk, subject: str(MSG_NOT_THE_SUBJECTS).format(id=pk, subject=subject.display_name),
        )
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
