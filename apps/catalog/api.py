"""Catalog API: other government systems read the catalog in force, the measures and the
exemption rules; authorised users take lifecycle steps as POST actions."""

import django_filters
from django.db import models
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.catalog import services
from apps.catalog.choices import ListStatus, Matter, SubjectType
from apps.catalog.filters import json_list_contains
from apps.catalog.models import Catalog, CatalogItem, ExemptionList, ExemptionRule, Measure, MeasureList
from apps.core.api.fields import TextField
from apps.core.api.views import ReasonRequiredOnPartialUpdate, ReasonSerializer, RestrictedViewSetMixin
from apps.core.models import Organization


class ListDocumentSerializer(serializers.ModelSerializer):
    steps = serializers.SerializerMethodField(help_text="the lifecycle steps the caller may take now")

    class Meta:
        fields = [
            "id",
            "level",
            "title",
            "version",
            "status",
            "based_on",
            "consultation_start",
            "consultation_end",
            "approval_document",
            "approved_at",
            "effective_date",
            "published_at",
            "superseded_at",
            "note",
            "steps",
        ]
        read_only_fields = fields

    def get_steps(self, document) -> list[str]:
        request = self.context.get("request")
        user = request.user if request else None
        return [step.name for step in services.LIST_LIFECYCLE.allowed_steps(document, user)]


class ConsultationSerializer(ReasonSerializer):
    start = serializers.DateField()
    end = serializers.DateField()


class ApproveSerializer(ReasonSerializer):
    approval_document = TextField(max_length=100)


class PublishSerializer(ReasonSerializer):
    effective_date = serializers.DateField(required=False)


class LifecycleViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Lists of one kind, with their lifecycle steps as POST actions (409 from the wrong status)."""

    filterset_fields = ["level", "status"]
    action_permissions = {
        "consultation": ["catalog.change_catalog"],
        "reopen": ["catalog.change_catalog"],
        "new_version": ["catalog.change_catalog"],
        "approve": ["catalog.approve_catalog"],
        "publish": ["catalog.approve_catalog"],
    }

    def _step(self, payload_class, run):
        document = self.get_object()
        payload = payload_class(data=self.request.data)
        payload.is_valid(raise_exception=True)
        result = run(document, self.request.user, payload.validated_data)
        return Response(self.get_serializer(result).data)

    @extend_schema(request=ConsultationSerializer)
    @action(detail=True, methods=["post"])
    def consultation(self, request, pk=None):
        """draft → public consultation."""
        return self._step(
            ConsultationSerializer,
            lambda d, by, c: services.list_open_consultation(
                d, by=by, start=c["start"], end=c["end"], reason=c["reason"]
            ),
        )

    @extend_schema(request=ReasonSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """consultation → draft."""
        return self._step(ReasonSerializer, lambda d, by, c: services.list_reopen(d, by=by, reason=c["reason"]))

    @extend_schema(request=ApproveSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """consultation → approved (authority; after the consultation ended)."""
        return self._step(
            ApproveSerializer,
            lambda d, by, c: services.list_approve(
                d, by=by, approval_document=c["approval_document"], reason=c["reason"]
            ),
        )

    @extend_schema(request=PublishSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """approved → published; the published version of the same level is superseded."""
        return self._step(
            PublishSerializer,
            lambda d, by, c: services.list_publish(
                d, by=by, effective_date=c.get("effective_date"), reason=c["reason"]
            ),
        )

    @extend_schema(request=ReasonSerializer)
    @action(detail=True, methods=["post"], url_path="new-version")
    def new_version(self, request, pk=None):
        """A new draft copied from this published version."""
        return self._step(ReasonSerializer, lambda d, by, c: services.list_new_version(d, by=by, reason=c["reason"]))


def _serializer_for(model):
    meta = type("Meta", (ListDocumentSerializer.Meta,), {"model": model})
    return type(f"{model.__name__}Serializer", (ListDocumentSerializer,), {"Meta": meta})


class CatalogViewSet(LifecycleViewSet):
    queryset = Catalog.objects.all()
    serializer_class = _serializer_for(Catalog)


class MeasureListViewSet(LifecycleViewSet):
    queryset = MeasureList.objects.all()
    serializer_class = _serializer_for(MeasureList)


class ExemptionListViewSet(LifecycleViewSet):
    queryset = ExemptionList.objects.all()
    serializer_class = _serializer_for(ExemptionList)


class RecordFieldSerializer(serializers.Serializer):
    name = TextField()
    label = TextField()
    type = TextField()
    required = serializers.BooleanField(default=False)
    max_length = serializers.IntegerField(required=False, allow_null=True)
    choices = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class CatalogItemSerializer(ReasonRequiredOnPartialUpdate, serializers.ModelSerializer):
    """An item of a catalog; a change (also a partial one) carries a reason."""

    subject_types = serializers.ListField(child=serializers.ChoiceField(choices=SubjectType.choices))
    providers = serializers.PrimaryKeyRelatedField(many=True, queryset=Organization.objects.all(), required=False)
    record_fields = RecordFieldSerializer(many=True, required=False)
    reason = TextField(write_only=True, max_length=1000)
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: TextField,
        models.TextField: TextField,
    }
    in_force = serializers.SerializerMethodField()

    class Meta:
        model = CatalogItem
        fields = [
            "id",
            "catalog",
            "code",
            "name",
            "category",
            "severity",
            "subject_types",
            "providers",
            "disclosure",
            "sharing_scope",
            "frequency",
            "period_rule",
            "period_months",
            "publish_minor",
            "shown_with_organisation",
            "document_required",
            "consent_collected",
            "legal_basis",
            "record_fields",
            "description",
            "report_section",
            "position",
            "in_force",
            "reason",
        ]
        read_only_fields = ["document_required"]
        # The unique (catalog, code) check is the service's, with a readable message.
        validators = []

    def get_in_force(self, item) -> bool:
        return item.catalog.status == ListStatus.PUBLISHED

    def _save(self, item, data):
        providers = data.pop("providers", None)
        reason = data.pop("reason")
        for name, value in data.items():
            setattr(item, name, value)
        return services.catalog_item_save(item, by=self.context["request"].user, reason=reason, providers=providers)

    def create(self, validated_data):
        return self._save(CatalogItem(), validated_data)

    def update(self, instance, validated_data):
        validated_data.pop("catalog", None)  # an item does not move between catalogs
        return self._save(instance, validated_data)


class InForceFilter(django_filters.FilterSet):
    in_force = django_filters.BooleanFilter(method="filter_in_force", label="in force (published)")

    def filter_in_force(self, queryset, name, value):
        field = {CatalogItem: "catalog", Measure: "measure_list", ExemptionRule: "exemption_list"}[queryset.model]
        condition = {f"{field}__status": ListStatus.PUBLISHED}
        return queryset.filter(**condition) if value else queryset.exclude(**condition)


class CatalogItemFilterSet(InForceFilter):
    class Meta:
        model = CatalogItem
        fields = ["catalog", "code", "category", "disclosure", "in_force"]


class CatalogItemViewSet(
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Items of every catalog (`?in_force=true`: the catalog in force). Draft items can be written
    by the credit office; an item of a catalog that is not a draft answers 409."""

    queryset = CatalogItem.objects.select_related("catalog").prefetch_related("providers")
    serializer_class = CatalogItemSerializer
    filterset_class = CatalogItemFilterSet


class MeasureSerializer(serializers.ModelSerializer):
    in_force = serializers.SerializerMethodField()

    class Meta:
        model = Measure
        fields = [
            "id",
            "measure_list",
            "code",
            "name",
            "kind",
            "applies_to",
            "matters",
            "implementing_body",
            "legal_basis",
            "content",
            "duration",
            "in_force",
        ]

    def get_in_force(self, measure) -> bool:
        return measure.measure_list.status == ListStatus.PUBLISHED


class MeasureFilterSet(InForceFilter):
    matter = django_filters.ChoiceFilter(choices=Matter.choices, method="by_matter")

    class Meta:
        model = Measure
        fields = ["measure_list", "kind", "applies_to", "matter", "in_force"]

    def by_matter(self, queryset, name, value):
        return json_list_contains(queryset, "matters", value)


class MeasureViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Measures; `?in_force=true&applies_to=serious&matter=bidding` gives what may be applied."""

    queryset = Measure.objects.select_related("measure_list")
    serializer_class = MeasureSerializer
    filterset_class = MeasureFilterSet


class ExemptionRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExemptionRule
        fields = ["id", "exemption_list", "code", "item_code", "conduct", "conditions", "legal_basis"]


class ExemptionRuleFilterSet(InForceFilter):
    class Meta:
        model = ExemptionRule
        fields = ["exemption_list", "item_code", "in_force"]


class ExemptionRuleViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = ExemptionRule.objects.select_related("exemption_list")
    serializer_class = ExemptionRuleSerializer
    filterset_class = ExemptionRuleFilterSet
