"""/api/v1/agencies/objections/: a credit service agency's systems record the objections it
received about its own reports or ratings, mark them and decide (Tianjin art. 41 para. 2, Dalian
art. 42, Ningbo art. 42 para. 3), and read their own agency's; the credit office, the authority
and auditors read every agency's. Each step is a POST action (409 from the wrong status, 403 when
the step is not the caller's, 400 naming the field — a decision not to correct without reasons)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api.fields import DeadlineSerializer, TextField
from apps.core.api.views import ReasonSerializer, RestrictedViewSetMixin
from apps.objections import agency
from apps.objections.choices import AgencyOutcome, Ground
from apps.objections.models import AgencyObjection


class AgencyObjectionSerializer(serializers.ModelSerializer):
    deadlines = DeadlineSerializer(many=True, read_only=True, help_text="the objection's statutory clocks")
    steps = serializers.SerializerMethodField(help_text="the steps the caller may take now (POST …/{id}/<step>/)")

    # blank until decided: the schema says so (a read-only model field would drop allow_blank)
    outcome = serializers.ChoiceField(choices=AgencyOutcome.choices, allow_blank=True, read_only=True)

    class Meta:
        model = AgencyObjection
        fields = [
            "id",
            "number",
            "agency",
            "applicant_name",
            "applicant_contact",
            "report_number",
            "information",
            "grounds",
            "statement",
            "received_on",
            "status",
            "marked_on",
            "outcome",
            "source",
            "correction",
            "outcome_reason",
            "decided_on",
            "late_reason",
            "deadlines",
            "steps",
        ]
        read_only_fields = fields

    def get_steps(self, objection) -> list[str]:
        request = self.context.get("request")
        user = request.user if request else None
        return [step.name for step in agency.AGENCY_OBJECTION_CASE.allowed_steps(objection, user)]


class AgencyObjectionReceiveSerializer(ReasonSerializer):
    applicant_name = TextField(max_length=100)
    applicant_contact = TextField(max_length=100)
    report_number = TextField(max_length=100, help_text="the agency's credit report or rating report disputed")
    information = TextField(max_length=5000, help_text="the information disputed")
    grounds = serializers.ListField(child=serializers.ChoiceField(choices=Ground.choices), min_length=1, max_length=4)
    statement = TextField(max_length=5000)
    received_on = serializers.DateField(required=False, help_text="the day of receipt (today when not given)")


class AgencyObjectionMarkSerializer(ReasonSerializer):
    pass


class AgencyObjectionDecideSerializer(ReasonSerializer):
    outcome = serializers.ChoiceField(choices=AgencyOutcome.choices)
    source = TextField(required=False, allow_blank=True, max_length=2000, help_text="the source of the information")
    correction = TextField(required=False, allow_blank=True, max_length=2000, help_text="corrected: what was corrected")
    outcome_reason = TextField(
        required=False, allow_blank=True, max_length=5000, help_text="not corrected: the reasons (required)"
    )
    late_reason = TextField(required=False, allow_blank=True, max_length=2000)


class AgencyObjectionViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = AgencyObjection.objects.select_related("agency").prefetch_related("deadlines__pauses")
    serializer_class = AgencyObjectionSerializer
    filterset_fields = ["status", "outcome"]
    action_permissions = {name: ["objections.change_agencyobjection"] for name in ("mark", "decide")}

    @extend_schema(request=AgencyObjectionReceiveSerializer, responses={201: AgencyObjectionSerializer})
    def create(self, request, *args, **kwargs):
        """Record an objection the caller's agency received about its own report."""
        payload = AgencyObjectionReceiveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        objection = agency.agency_objection_receive(by=request.user, **payload.validated_data)
        body = AgencyObjectionSerializer(objection, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    def _step(self, step: str, payload_class):
        objection = self.get_object()
        payload = payload_class(data=self.request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        reason = data.pop("reason")
        agency.agency_objection_step(objection, step, by=self.request.user, reason=reason, **data)
        return Response(AgencyObjectionSerializer(objection, context=self.get_serializer_context()).data)

    @extend_schema(request=AgencyObjectionMarkSerializer, responses=AgencyObjectionSerializer)
    @action(detail=True, methods=["post"])
    def mark(self, request, pk=None):
        """Mark the disputed information as under objection."""
        return self._step("mark", AgencyObjectionMarkSerializer)

    @extend_schema(request=AgencyObjectionDecideSerializer, responses=AgencyObjectionSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Decide (corrected / kept) and issue the reply: the source always, the reasons when kept."""
        return self._step("decide", AgencyObjectionDecideSerializer)
