"""/api/v1/agencies/: an agency's systems file its registration (名册) and yearly business
information and read their own; the authority's systems review, publish and remove registrations.
Each step is a POST action (409 from the wrong status, 403 when the step is not the caller's)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from apps.core.api.fields import DeadlineSerializer, TextField
from apps.core.api.views import ReasonSerializer, RestrictedViewSetMixin
from apps.core.models import Organization
from apps.service_agencies import free_reports, pushed, services, supervision
from apps.service_agencies.choices import ActionKind, Finding, MatterKind
from apps.service_agencies.models import BusinessReport, FreeReport, PushedReport, RegistryFiling, SupervisionAction

MSG_NO_MEASURE = gettext_lazy("There is no measure #{id}.")


class FilingSerializer(serializers.ModelSerializer):
    steps = serializers.SerializerMethodField(help_text="the steps the caller may take now (POST …/{id}/<step>/)")

    class Meta:
        model = RegistryFiling
        fields = [
            "id",
            "number",
            "agency",
            "name",
            "unified_code",
            "legal_representative",
            "address",
            "business_scope",
            "qualifications",
            "credit_commitment",
            "status",
            "filed_on",
            "reviewed_on",
            "return_reason",
            "published_on",
            "removed_on",
            "removal_reason",
            "steps",
        ]
        read_only_fields = fields

    def get_steps(self, filing) -> list[str]:
        request = self.context.get("request")
        return [step.name for step in services.REGISTRY_FILING.allowed_steps(filing, request.user if request else None)]


class FilingContentSerializer(ReasonSerializer):
    name = TextField(max_length=200)
    unified_code = TextField(max_length=30)
    legal_representative = TextField(max_length=100)
    address = TextField(max_length=300)
    business_scope = TextField(max_length=5000)
    qualifications = TextField(required=False, allow_blank=True, max_length=5000)
    credit_commitment = TextField(max_length=5000)


class ResubmitSerializer(ReasonSerializer):
    """What is given replaces what was filed; what is left out stays."""

    name = TextField(required=False, max_length=200)
    unified_code = TextField(required=False, max_length=30)
    legal_representative = TextField(required=False, max_length=100)
    address = TextField(required=False, max_length=300)
    business_scope = TextField(required=False, max_length=5000)
    qualifications = TextField(required=False, allow_blank=True, max_length=5000)
    credit_commitment = TextField(required=False, max_length=5000)


class ReturnSerializer(ReasonSerializer):
    return_reason = TextField(max_length=2000)


class RemoveSerializer(ReasonSerializer):
    removal_reason = TextField(max_length=2000)


class FilingViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = RegistryFiling.objects.select_related("agency")
    serializer_class = FilingSerializer
    filterset_fields = ["status"]

    @extend_schema(request=FilingContentSerializer, responses={201: FilingSerializer})
    def create(self, request, *args, **kwargs):
        """File the caller's agency's registration, with its credit commitment."""
        payload = FilingContentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        filing = services.filing_file(by=request.user, **payload.validated_data)
        body = FilingSerializer(filing, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    def _step(self, step: str, payload_class):
        filing = self.get_object()
        payload = payload_class(data=self.request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        reason = data.pop("reason")
        services.filing_step(filing, step, by=self.request.user, reason=reason, **data)
        return Response(FilingSerializer(filing, context=self.get_serializer_context()).data)

    @extend_schema(request=ReasonSerializer, responses=FilingSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept the registration for the registry (the authority)."""
        return self._step("accept", ReasonSerializer)

    @extend_schema(request=ReturnSerializer, responses=FilingSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def send_back(self, request, pk=None):
        """Return the registration to the agency with `return_reason` (the authority)."""
        return self._step("return", ReturnSerializer)

    @extend_schema(request=ResubmitSerializer, responses=FilingSerializer)
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        """File a returned registration again, with the corrections (the agency)."""
        return self._step("resubmit", ResubmitSerializer)

    @extend_schema(request=ReasonSerializer, responses=FilingSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Put the agency on the public registry (the authority)."""
        return self._step("publish", ReasonSerializer)

    @extend_schema(request=RemoveSerializer, responses=FilingSerializer)
    @action(detail=True, methods=["post"])
    def remove(self, request, pk=None):
        """Take the agency off the registry with `removal_reason` (the authority)."""
        return self._step("remove", RemoveSerializer)


class BusinessReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = BusinessReport
        fields = ["id", "agency", "year", "services", "reports_by_kind", "staff_count", "filed_on"]
        read_only_fields = fields


class BusinessReportFileSerializer(ReasonSerializer):
    year = serializers.IntegerField()
    services = TextField(max_length=5000)
    reports_by_kind = serializers.DictField(child=serializers.IntegerField(min_value=0), required=False)
    staff_count = serializers.IntegerField(min_value=0)


class BusinessReportViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = BusinessReport.objects.select_related("agency")
    serializer_class = BusinessReportSerializer
    filterset_fields = ["year"]

    @extend_schema(request=BusinessReportFileSerializer, responses={201: BusinessReportSerializer})
    def create(self, request, *args, **kwargs):
        """File (or correct) the caller's agency's business information of a year."""
        payload = BusinessReportFileSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        data.setdefault("reports_by_kind", {})
        report = services.business_report_file(by=request.user, **data)
        body = BusinessReportSerializer(report, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)


class SupervisionSerializer(serializers.ModelSerializer):
    deadlines = DeadlineSerializer(many=True, read_only=True, help_text="the materials' time limit")

    # a spot check's finding; blank for every other kind of action
    finding = serializers.ChoiceField(choices=Finding.choices, allow_blank=True, read_only=True)

    class Meta:
        model = SupervisionAction
        fields = [
            "id",
            "agency",
            "kind",
            "taken_on",
            "summary",
            "basis",
            "report_number",
            "report_date",
            "finding",
            "finding_reasons",
            "published_on",
            "materials_received_on",
            "because_of",
            "deadlines",
        ]
        read_only_fields = fields


class SupervisionRecordSerializer(ReasonSerializer):
    agency = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    kind = serializers.ChoiceField(choices=[c for c in ActionKind.choices if c[0] != ActionKind.RESTRICTION])
    taken_on = serializers.DateField(required=False)
    summary = TextField(max_length=5000)
    basis = TextField(required=False, allow_blank=True, max_length=300)
    report_number = TextField(required=False, allow_blank=True, max_length=100)
    report_date = serializers.DateField(required=False, allow_null=True)
    finding = serializers.ChoiceField(choices=Finding.choices, required=False, allow_blank=True)
    finding_reasons = TextField(required=False, allow_blank=True, max_length=5000)


class ReceiveSerializer(ReasonSerializer):
    on = serializers.DateField(required=False)


class SupervisionOpenCaseSerializer(ReasonSerializer):
    """What the case rests on; the facts and the legal basis default to the finding's."""

    facts = TextField(required=False, allow_blank=True, max_length=5000)
    legal_basis = TextField(required=False, allow_blank=True, max_length=2000)
    basis_records = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False, max_length=100
    )
    measures = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False, max_length=100
    )


class SupervisionOpenedCaseSerializer(serializers.Serializer):
    case = serializers.IntegerField(help_text="the list case opened (GET /api/v1/cases/{id}/)")
    status = serializers.CharField()
    source = serializers.IntegerField(help_text="the supervision action it was opened from")


class SupervisionViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = SupervisionAction.objects.select_related("agency").prefetch_related("deadlines__pauses")
    serializer_class = SupervisionSerializer
    filterset_fields = ["kind", "finding", "agency"]

    @extend_schema(request=SupervisionRecordSerializer, responses={201: SupervisionSerializer})
    def create(self, request, *args, **kwargs):
        """Record a supervision action (the authority); a false report also restricts the agency."""
        payload = SupervisionRecordSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        action = supervision.supervision_record(by=request.user, **payload.validated_data)
        body = SupervisionSerializer(action, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReceiveSerializer, responses=SupervisionSerializer)
    @action(detail=True, methods=["post"])
    def received(self, request, pk=None):
        """The requested materials were handed in (`on`, default today): the time limit is met."""
        payload = ReceiveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        done = supervision.materials_receive(self.get_object(), by=request.user, **payload.validated_data)
        return Response(SupervisionSerializer(done, context=self.get_serializer_context()).data)

    @extend_schema(request=SupervisionOpenCaseSerializer, responses={201: SupervisionOpenedCaseSerializer})
    @action(detail=True, methods=["post"], url_path="open-case", url_name="open-case")
    def open_case(self, request, pk=None):
        """Open a serious-list case against the agency from this spot check's false-report finding
        (Nanjing art. 69 para. 4), through the sanctions workflow; 409 for another finding or when a
        case was already opened from it."""
        from apps.catalog.models import Measure
        from apps.sanctions import services as sanctions

        supervised = self.get_object()
        payload = SupervisionOpenCaseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        sanctions.require_case_officer(request.user, from_source=True)
        measure_ids = data.get("measures", [])
        measures = list(Measure.objects.filter(pk__in=measure_ids))
        missing = sorted(set(measure_ids) - {m.pk for m in measures})
        if missing:
            raise serializers.ValidationError({"measures": [str(MSG_NO_MEASURE).format(id=pk) for pk in missing]})
        case = supervision.listing_case_open_from(
            supervised,
            by=request.user,
            reason=data["reason"],
            facts=data.get("facts", ""),
            legal_basis=data.get("legal_basis", ""),
            basis_records=sanctions.visible_records(request.user, data.get("basis_records", [])),
            measures=measures,
        )
        body = SupervisionOpenedCaseSerializer({"case": case.pk, "status": case.status, "source": supervised.pk}).data
        return Response(body, status=status.HTTP_201_CREATED)


class FreeReportSerializer(serializers.ModelSerializer):
    person_identifier = serializers.CharField(source="masked_identifier", read_only=True)

    class Meta:
        model = FreeReport
        fields = ["id", "agency", "person_identifier", "given_on", "report_number"]
        read_only_fields = fields


class FreeReportRecordSerializer(ReasonSerializer):
    person_identifier = TextField(max_length=30)
    person_name = TextField(max_length=50)
    given_on = serializers.DateField(required=False)
    report_number = TextField(required=False, allow_blank=True, max_length=100)


class FreeReportViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = FreeReport.objects.select_related("agency")
    serializer_class = FreeReportSerializer
    filterset_fields = ["given_on"]

    @extend_schema(request=FreeReportRecordSerializer, responses={201: FreeReportSerializer})
    def create(self, request, *args, **kwargs):
        """Record a free report the caller's agency gave a natural person; beyond the city's
        yearly number (Tianjin art. 39, Zhangye art. 50) it is refused (400), citing the article."""
        payload = FreeReportRecordSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        report = free_reports.free_report_record(by=request.user, **payload.validated_data)
        body = FreeReportSerializer(report, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)


# --- pushed credit reports (Nanjing art. 65) -------------------------------------------------------


class PushedReportRestrictionSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="the restriction (a supervision action)")
    taken_on = serializers.DateField()
    summary = serializers.CharField()
    because_of = serializers.IntegerField(allow_null=True, help_text="the spot check that found the false report")
    warning = serializers.CharField(help_text="the warning shown with the report")


class PushedReportSerializer(serializers.ModelSerializer):
    subject_name = serializers.CharField(source="subject.display_name", read_only=True)
    subject_identifier = serializers.CharField(source="subject.masked_identifier", read_only=True)
    agency_restricted = serializers.SerializerMethodField(
        help_text="whether the agency's rating products are restricted now (Nanjing art. 69 para. 4)"
    )
    restriction = serializers.SerializerMethodField(help_text="the restriction in force, or null")

    class Meta:
        model = PushedReport
        fields = [
            "id",
            "agency",
            "subject",
            "subject_name",
            "subject_identifier",
            "matter_kind",
            "matter",
            "report_number",
            "report_date",
            "conclusion",
            "file_name",
            "file_sha256",
            "pushing_org",
            "pushed_by",
            "pushed_on",
            "agency_restricted",
            "restriction",
        ]
        read_only_fields = fields

    def _restriction(self, report):
        if not hasattr(report, "restriction"):
            pushed.with_restrictions([report])
        return report.restriction

    def get_agency_restricted(self, report) -> bool:
        return self._restriction(report) is not None

    @extend_schema_field(PushedReportRestrictionSerializer(allow_null=True))
    def get_restriction(self, report):
        restriction = self._restriction(report)
        if restriction is None:
            return None
        return PushedReportRestrictionSerializer(
            {
                "id": restriction.pk,
                "taken_on": restriction.taken_on,
                "summary": restriction.summary,
                "because_of": restriction.because_of_id,
                "warning": report.restriction_warning,
            }
        ).data


class PushedReportPushSerializer(ReasonSerializer):
    agency = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    subject_identifier = TextField(max_length=30)
    matter_kind = serializers.ChoiceField(choices=MatterKind.choices)
    matter = TextField(max_length=2000)
    report_number = TextField(max_length=100)
    report_date = serializers.DateField()
    conclusion = TextField(max_length=5000)
    file = serializers.FileField(help_text="the report: PDF, PNG or JPEG (judged by the content)")


class PushedReportViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = PushedReport.objects.select_related("agency", "subject", "pushing_org")
    serializer_class = PushedReportSerializer
    filterset_fields = ["matter_kind", "agency"]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def list(self, request, *args, **kwargs):
        """The pushed reports the caller may read, each with its agency's restriction (one query)."""
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = pushed.with_restrictions(page if page is not None else queryset)
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(request={"multipart/form-data": PushedReportPushSerializer}, responses={201: PushedReportSerializer})
    def create(self, request, *args, **kwargs):
        """Push a credit report of a service agency used in a government matter of the caller's
        body (Nanjing art. 65), with its file (multipart)."""
        payload = PushedReportPushSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        report = pushed.pushed_report_push(by=request.user, **payload.validated_data)
        body = PushedReportSerializer(report, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)
