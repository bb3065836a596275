"""/api/v1/repairs/: agency systems list the repair applications routed to their agency and take
the determining agency's steps (accept, refuse, ask for material, decide…); the credit office's
systems enter applications received at the window and read all. Each step is a POST action (409
from the wrong status, 403 when the step is not the caller's, 404 for another agency's).

/api/v1/repair-events/: the outbound feed (Tianjin art. 45 para. 2): "repaired" events with the
record and listing ids, and good information withheld or published again, oldest first; a reader
keeps the last id it saw and asks for `?after=<id>`. A person's identifier is masked (the records'
document numbers identify the decisions), so reading the feed is not a lookup of a credit file."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.response import Response

from apps.core.api.fields import DeadlineSerializer, TextField
from apps.core.api.views import ReasonSerializer, RestrictedViewSetMixin
from apps.core.choices import QueryPurpose
from apps.objections.api import subject_and_records
from apps.repair import selectors, services
from apps.repair.checks import MSG_NOT_THE_SUBJECTS
from apps.repair.choices import Channel, Means, Outcome, RefusalGround
from apps.repair.models import RepairApplication, RepairEvent
from apps.subjects.models import CreditRecord

MSG_LISTING = "Listing {id} is not a published serious listing of this subject."


class RepairSerializer(serializers.ModelSerializer):
    subject_identifier = serializers.CharField(source="subject.masked_identifier", read_only=True)
    subject_name = serializers.CharField(source="subject.display_name", read_only=True)
    deadlines = DeadlineSerializer(many=True, read_only=True, help_text="the application's statutory clocks")
    steps = serializers.SerializerMethodField(help_text="the steps the caller may take now (POST …/{id}/<step>/)")
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True, read_only=True)
    refusal_ground = serializers.ChoiceField(choices=RefusalGround.choices, allow_blank=True, read_only=True)

    class Meta:
        model = RepairApplication
        fields = [
            "id",
            "number",
            "subject_identifier",
            "subject_name",
            "records",
            "listing",
            "means",
            "statement",
            "channel",
            "received_on",
            "agency",
            "status",
            "accepted_on",
            "refused_on",
            "refusal_ground",
            "refusal_reason",
            "earliest_reapply_on",
            "material_requested",
            "grace_until",
            "grace_reason",
            "outcome",
            "outcome_reason",
            "decided_on",
            "late_reason",
            "delivered_on",
            "listings_ended",
            "deadlines",
            "steps",
        ]
        read_only_fields = fields

    def get_steps(self, application) -> list[str]:
        request = self.context.get("request")
        user = request.user if request else None
        return [step.name for step in services.REPAIR_CASE.allowed_steps(application, user)]


class RepairFileSerializer(ReasonSerializer):
    subject_identifier = TextField(max_length=30)
    records = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, max_length=100)
    listing = serializers.IntegerField(min_value=1, required=False)
    means = serializers.ListField(child=serializers.ChoiceField(choices=Means.choices), min_length=1, max_length=10)
    statement = TextField(max_length=5000)
    applicant_name = TextField(max_length=100)
    applicant_contact = TextField(max_length=100)
    commitment_signed = serializers.BooleanField(
        help_text="the applicant signed the platform's credit commitment (the agency keeps the signed letter)"
    )
    channel = serializers.ChoiceField(
        choices=[c for c in Channel.choices if c[0] != Channel.ONLINE], required=False, default=Channel.WINDOW
    )
    received_on = serializers.DateField(required=False)


class RepairRefuseSerializer(ReasonSerializer):
    refusal_ground = serializers.ChoiceField(choices=RefusalGround.choices)
    refusal_reason = TextField(max_length=2000)
    earliest_reapply_on = serializers.DateField(required=False)


class RepairMaterialSerializer(ReasonSerializer):
    material_requested = TextField(max_length=2000)


class RepairGraceSerializer(ReasonSerializer):
    grace_until = serializers.DateField()
    grace_reason = TextField(max_length=2000)


class RepairDecideSerializer(ReasonSerializer):
    outcome_reason = TextField(max_length=5000)
    late_reason = TextField(required=False, allow_blank=True, max_length=2000)


class RepairDeliverSerializer(ReasonSerializer):
    delivered_on = serializers.DateField(required=False)


def _step_action(step: str, payload_class, doc: str):
    def handler(self, request, pk=None):
        application = self.get_object()
        payload = payload_class(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        reason = data.pop("reason")
        services.repair_step(application, step, by=request.user, reason=reason, **data)
        return Response(RepairSerializer(application, context=self.get_serializer_context()).data)

    handler.__doc__ = doc
    handler.__name__ = step.replace("-", "_")
    return extend_schema(request=payload_class, responses=RepairSerializer)(
        action(detail=True, methods=["post"], url_path=step)(handler)
    )


class RepairViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = RepairApplication.objects.select_related("subject").prefetch_related("deadlines__pauses", "records")
    serializer_class = RepairSerializer
    filterset_fields = ["status", "channel", "outcome"]
    action_permissions = {
        name.replace("-", "_"): ["repair.change_repairapplication"] for name in services.REPAIR_CASE._by_name
    }

    @extend_schema(request=RepairFileSerializer, responses={201: RepairSerializer})
    def create(self, request, *args, **kwargs):
        payload = RepairFileSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        found: dict = {}

        def find(lookup, identifier):
            subject, records, listings = selectors.subject_for_repair(lookup, identifier)
            found["listings"] = listings
            return subject, records

        subject, records = subject_and_records(
            request,
            data.pop("subject_identifier"),
            data.pop("records", []),
            find=find,
            purpose=QueryPurpose.REPAIR_PROCESSING,
            not_theirs=lambda pk, subject: str(MSG_NOT_THE_SUBJECTS).format(id=pk, subject=subject.display_name),
        )
        listing = None
        if "listing" in data:
            listing_id = data.pop("listing")
            listing = next((c for c in found.get("listings", []) if c.pk == listing_id), None)
            if listing is None:
                raise APIValidationError({"listing": [MSG_LISTING.format(id=listing_id)]})
        try:
            application = services.repair_file(
                by=request.user, subject=subject, records=records, listing=listing, scan_required=False, **data
            )
        except ValidationError as error:
            raise APIValidationError(error.message_dict if hasattr(error, "error_dict") else error.messages) from None
        body = RepairSerializer(application, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    accept = _step_action("accept", ReasonSerializer, "Accept the application for review.")
    refuse = _step_action("refuse", RepairRefuseSerializer, "Refuse to accept it, with the ground and the reasons.")
    request_material = _step_action(
        "request-material", RepairMaterialSerializer, "Ask for more material (the clock pauses)."
    )
    material_received = _step_action("material-received", ReasonSerializer, "The material arrived (the clock runs).")
    grant_grace = _step_action(
        "grant-grace", RepairGraceSerializer, "Grant a grace period where the policy allows one."
    )
    end_grace = _step_action("end-grace", ReasonSerializer, "End the grace period.")
    repair = _step_action("repair", RepairDecideSerializer, "Decide: repaired (the effects apply at once).")
    not_repair = _step_action("not-repair", RepairDecideSerializer, "Decide: not repaired, with the reasons.")
    deliver = _step_action("deliver", RepairDeliverSerializer, "Record the delivery of the decision.")


class EventRecordSerializer(serializers.ModelSerializer):
    item_code = serializers.CharField(source="item.code", read_only=True)

    class Meta:
        model = CreditRecord
        fields = ["id", "item_code", "document_number", "document_date", "status"]
        read_only_fields = fields


class RepairEventSerializer(serializers.ModelSerializer):
    subject_identifier = serializers.CharField(source="subject.masked_identifier", read_only=True)
    subject_name = serializers.CharField(source="subject.display_name", read_only=True)
    records = serializers.SerializerMethodField()

    class Meta:
        model = RepairEvent
        fields = [
            "id",
            "kind",
            "occurred_at",
            "subject_identifier",
            "subject_name",
            "record_ids",
            "records",
            "listing_ids",
            "decision_number",
        ]
        read_only_fields = fields

    @extend_schema(responses=EventRecordSerializer(many=True))
    def get_records(self, event) -> list:
        records = CreditRecord.objects.filter(pk__in=event.record_ids).select_related("item").order_by("pk")
        return EventRecordSerializer(records, many=True).data


class RepairEventViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = RepairEvent.objects.select_related("subject").order_by("pk")
    serializer_class = RepairEventSerializer
    filterset_fields = ["kind"]

    @extend_schema(parameters=[OpenApiParameter("after", OpenApiTypes.INT, description="only events after this id")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        after = self.request.query_params.get("after", "")
        if after:
            if not after.isdigit():
                raise APIValidationError({"after": ["A whole number: the last event id you read."]})
            queryset = queryset.filter(pk__gt=int(after))
        return queryset
