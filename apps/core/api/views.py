"""Core API: who am I, organisations and users (restricted), the active policy, query flags."""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.fields import TextField
from apps.core.models import Organization, Policy, QueryFlag, User
from apps.core.permissions import restrict
from apps.core.selectors import active_policy
from apps.core.services import query_flag_clear


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "kind", "name", "short_name", "unified_code", "region_code", "region_name", "is_active"]


class UserSerializer(serializers.ModelSerializer):
    organization = OrganizationSerializer(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "role", "organization", "is_active"]


class MeSerializer(UserSerializer):
    role_label = serializers.CharField(source="get_role_display")
    permissions = serializers.SerializerMethodField()

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "role_label", "is_superuser", "permissions"]

    def get_permissions(self, user) -> list[str]:
        return sorted(user.get_all_permissions())


class RestrictedViewSetMixin:
    """Every API list and detail goes through restrict(): other organisations' rows are 404."""

    def get_queryset(self):
        reading = self.request.method in ("GET", "HEAD", "OPTIONS")
        # A workflow step with its own permission (action_permissions) is checked by that
        # permission and by the service; the object only has to be visible.
        step = getattr(self, "action", None) in getattr(self, "action_permissions", {})
        return restrict(self.queryset.all(), self.request.user, "view" if reading or step else "change")


class OrganizationViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Organization.objects.all()
    serializer_class = OrganizationSerializer
    filterset_fields = ["kind", "is_active"]


class UserViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = User.objects.select_related("organization")
    serializer_class = UserSerializer
    filterset_fields = ["role", "organization", "is_active"]


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class PolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = Policy
        exclude = ["created_by", "updated_by"]


class ActivePolicyView(APIView):
    """The city policy the platform runs under (figures and their articles)."""

    queryset = Policy.objects.all()  # for the model permission check (view_policy)

    @extend_schema(responses=PolicySerializer)
    def get(self, request):
        return Response(PolicySerializer(active_policy()).data)


class QueryFlagSerializer(serializers.ModelSerializer):
    user = serializers.StringRelatedField()

    class Meta:
        model = QueryFlag
        fields = ["id", "user", "day", "lookups", "threshold", "status", "cleared_at", "clear_reason", "created_at"]


class ReasonSerializer(serializers.Serializer):
    reason = TextField(max_length=1000)


class ReasonRequiredOnPartialUpdate:
    """For a model serializer with a `reason` field: DRF skips required fields on a partial update
    (PATCH), but every change carries a reason, so it is required there too (and the schema says so)."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.partial and "reason" not in attrs:
            raise serializers.ValidationError({"reason": [self.fields["reason"].error_messages["required"]]})
        return attrs


class QueryFlagViewSet(
    RestrictedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = QueryFlag.objects.select_related("user")
    serializer_class = QueryFlagSerializer
    filterset_fields = ["status"]

    @extend_schema(request=ReasonSerializer, responses=QueryFlagSerializer)
    @action(detail=True, methods=["post"])
    def clear(self, request, pk=None):
        """Clear an abnormal-volume flag (credit office only; Nanjing art. 52)."""
        flag = self.get_object()
        payload = ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        flag = query_flag_clear(flag, by=request.user, reason=payload.validated_data["reason"])
        return Response(QueryFlagSerializer(flag).data)


@csrf_exempt  # nothing is written; a POST without a CSRF token gets the 404 too, not the HTML 403
def api_not_found(request, *args, **kwargs):
    """Any other address under /api/v1/ answers like the API's own 404 (JSON, as the schema says),
    not with the HTML page, e.g. an object id that is not a number."""
    return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
