"""Sanctions API: the joint sanction check other government systems call per applicant
(自动比对) and its feedback (自动反馈); list cases with their steps as POST actions."""

import functools

from django.core.exceptions import ValidationError
from django.core.signals import setting_changed
from django.dispatch import receiver
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.response import Response

from apps.catalog.choices import Matter
from apps.core.api.fields import DeadlineSerializer, TextField
from apps.core.api.schema import THRESHOLD_REFUSED
from apps.core.api.views import ReasonSerializer, RestrictedViewSetMixin
from apps.core.choices import QueryChannel
from apps.core.http import client_ip
from apps.core.identifiers import mask_identifier, mask_name
from apps.core.process_cache import ProcessCache
from apps.sanctions import services
from apps.sanctions.models import ListingCase, SanctionCheck
from apps.sanctions.selectors import CHECK_MEASURE_FIELDS
from apps.sanctions.workflows import workflow_for
from apps.subjects.models import ResponsiblePerson


class MeasureOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    applies_to = serializers.CharField()
    implementing_body = serializers.CharField()
    legal_basis = serializers.CharField()
    content = serializers.CharField()
    duration = serializers.CharField()


@extend_schema_serializer(many=False)  # the answer of `GET checks/` is one result, not a list
class CheckResultSerializer(serializers.Serializer):
    check_id = serializers.IntegerField()
    found = serializers.BooleanField()
    detail = serializers.CharField(required=False)
    subject = serializers.DictField(required=False)
    statuses = serializers.ListField(child=serializers.CharField())
    matter = serializers.CharField()
    measures = MeasureOutSerializer(many=True)


class FeedbackItemSerializer(serializers.Serializer):
    measure = serializers.IntegerField()
    applied = serializers.BooleanField()
    reason = TextField(required=False, allow_blank=True, default="")


class FeedbackSerializer(serializers.Serializer):
    results = FeedbackItemSerializer(many=True)


class SanctionCheckViewSet(RestrictedViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """`GET /api/v1/checks/?identifier=…&matter=…`: the subject's lists and status and each
    published measure that applies in the matter. Logged as a government lookup whose purpose is
    the matter; returns a check id for the feedback."""

    queryset = SanctionCheck.objects.all()
    serializer_class = CheckResultSerializer
    pagination_class = None
    action_permissions = {"list": ["sanctions.add_sanctioncheck"], "feedback": ["sanctions.add_checkfeedback"]}

    @extend_schema(
        parameters=[
            OpenApiParameter("identifier", str, required=True, description="citizen ID or unified social credit code"),
            OpenApiParameter("matter", str, required=True, enum=Matter.values),
        ],
        responses={200: CheckResultSerializer, 429: THRESHOLD_REFUSED},
    )
    def list(self, request):
        return Response(_check_body(request, request.user, request.query_params))

    @extend_schema(request=FeedbackSerializer, responses={201: None})
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        """Whether each returned measure was applied; "not applied" needs a written reason."""
        check = self.get_object()
        payload = FeedbackSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        saved = services.check_feedback(check, by=request.user, results=payload.validated_data["results"])
        return Response({"recorded": len(saved)}, status=status.HTTP_201_CREATED)


def _check_body(request, user, params) -> dict:
    """Run the check for the request's identifier and matter and the answer's body."""
    identifier = params.get("identifier", "")
    matter = params.get("matter", "")
    try:
        check, subject, statuses, measures = services.sanction_check(
            by=user, identifier=identifier, matter=matter, channel=QueryChannel.API, client_ip=client_ip(request)
        )
    except ValidationError as error:
        raise APIValidationError(error.message_dict if hasattr(error, "error_dict") else error.messages) from None
    body = {"check_id": check.pk, "found": subject is not None, "statuses": statuses, "matter": matter}
    if subject is None:
        body["detail"] = "No record of this subject: no list and no measure applies."
    else:
        body["subject"] = {
            "identifier": mask_identifier(subject.identifier) if subject.is_person else subject.identifier,
            "name": mask_name(subject.name) if subject.is_person else subject.name,
            "kind": subject.kind,
        }
    # Plain dicts of the selected columns: no serializer on the hot path (DESIGN.md section 9).
    body["measures"] = [{name: getattr(m, name) for name in CHECK_MEASURE_FIELDS} for m in measures]
    return body


# The request a system sends per applicant: GET with "Authorization: Token <key>", no session
# cookie, JSON accepted. Anything else takes DRF's way.
_PLAIN_ACCEPT = frozenset(["", "*/*", "application/json"])
_CHECK_PERMISSIONS = SanctionCheckViewSet.action_permissions["list"]
# Per token: whether its user has them (apps.core.process_cache: cleared with the token cache).
_may_check = ProcessCache()


@functools.cache
def _plain_parts():
    """What the plain path uses of DRF, made once per process: the token authentication with its
    per-process cache (the same `CachedTokenAuthentication` DRF's view uses) and the renderer."""
    from rest_framework.renderers import JSONRenderer

    from apps.core.api.authentication import CachedTokenAuthentication

    return CachedTokenAuthentication(), JSONRenderer()


def _plain_user(request):
    """The user of a call the plain path takes as it is, or None: another method, a session
    cookie, another `Accept`, a `format` parameter, no token, an unknown or malformed token, no
    permission."""
    from django.conf import settings
    from rest_framework import exceptions

    if request.method != "GET" or settings.SESSION_COOKIE_NAME in request.COOKIES:
        return None
    if request.META.get("HTTP_ACCEPT", "") not in _PLAIN_ACCEPT or "format" in request.GET:
        return None
    authentication, _renderer = _plain_parts()
    words = request.META.get("HTTP_AUTHORIZATION", "").split()
    if len(words) != 2 or words[0].lower() != authentication.keyword.lower():
        return None
    try:
        user, token = authentication.authenticate_credentials(words[1])
    except exceptions.AuthenticationFailed:
        return None
    # The answer for the token's user, kept like the user and its permissions (cleared with them)
    allowed = _may_check.get(token.key, lambda: user.has_perms(_CHECK_PERMISSIONS))
    return user if allowed else None


def plain_check(request):
    """The answer to `GET checks/` as other government systems call it per applicant, without
    DRF's request wrapping, negotiation and response finalising (issue 16), or None for a request
    the plain path does not take (`_plain_user`), or an invalid identifier or matter (refused
    before anything is written, so DRF words the 400): DRF's view answers those as before.

    The answer is DRF's: the token from the same per-process cache as `CachedTokenAuthentication`,
    the same permission, the same body, status and headers (the exception handler's bodies for
    refusals and errors; `Allow`, `Vary`, `Content-Length`)."""
    from django.http import HttpResponse

    from apps.core.exceptions import api_exception_handler

    user = _plain_user(request)
    if user is None:
        return None
    request.user = user  # as DRF's request sets it, for what runs after the view
    try:
        status_code, body = 200, _check_body(request, user, request.GET)
    except APIValidationError:
        return None  # nothing was written: DRF words the 400
    except Exception as error:
        answer = api_exception_handler(error, {"request": request, "view": None})
        if answer is None:
            raise
        status_code, body = answer.status_code, answer.data
    _authentication, renderer = _plain_parts()
    content = renderer.render(body)
    response = HttpResponse(content, status=status_code, content_type=renderer.media_type)
    response["Allow"] = "GET, HEAD, OPTIONS"
    # DRF's Vary, and the session layer's "Cookie", which it adds on DRF's way whatever the call
    # sends (DRF's session authentication reads the session): one Vary for every answer here.
    response["Vary"] = "Accept, Cookie"
    response["Content-Length"] = str(len(content))  # as CommonMiddleware sets it on DRF's way
    return response


class PlainCheckMiddleware:
    """Serves `plain_check` before the session, CSRF, authentication, login-required, messages,
    history and lockout layers (settings.MIDDLEWARE), which a plain check call has no use for:
    it carries no session cookie (so no session is read or saved, and no CSRF token is needed
    for a GET), its user comes from its token, the check writes no historical row, and the
    lockout watches sign-ins only. The security, size, NUL, frame-options and CSP layers run
    before it, as for every response. Every other request, and a call the plain path does not
    take, goes on through the stack to the URL's view (DRF's)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == _check_path():
            response = plain_check(request)
            if response is not None:
                return response
        return self.get_response(request)


@functools.cache
def _check_path() -> str:
    """The path (without the script prefix) of `GET checks/`."""
    from django.urls import get_script_prefix, reverse

    return "/" + reverse("check-list").removeprefix(get_script_prefix())


@receiver(setting_changed)
def _forget_check_path(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _check_path.cache_clear()


class CaseSourceSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="app_label.model of the finding, e.g. service_agencies.supervisionaction")
    id = serializers.IntegerField()
    label = serializers.CharField()


class CaseSerializer(serializers.ModelSerializer):
    subject_identifier = serializers.SerializerMethodField()
    source = serializers.SerializerMethodField(help_text="the finding the case was opened from, or null")
    steps = serializers.SerializerMethodField(help_text="the steps the caller may take now (POST …/{id}/<step>/)")
    subject_name = serializers.CharField(source="subject.display_name")
    statement_due = serializers.DateField(source="statement_period.due_on", read_only=True, allow_null=True)
    deadlines = DeadlineSerializer(many=True, read_only=True, help_text="the case's statutory clocks")

    class Meta:
        model = ListingCase
        fields = [
            "id",
            "list_type",
            "subject_identifier",
            "subject_name",
            "deciding_org",
            "status",
            "facts",
            "legal_basis",
            "measures",
            "notice_number",
            "notice_issued_on",
            "notice_delivered_on",
            "responsible_people",
            "statement_due",
            "statement_finding",
            "decision_number",
            "decided_on",
            "listing_start",
            "listing_end",
            "published_on",
            "removed_on",
            "removal_reason",
            "deadlines",
            "steps",
            "source",
        ]

    def get_subject_identifier(self, case) -> str:
        return case.subject.masked_identifier

    @extend_schema_field(CaseSourceSerializer(allow_null=True))
    def get_source(self, case):
        if not case.source_type_id:
            return None
        kind = case.source_type
        return {"kind": f"{kind.app_label}.{kind.model}", "id": case.source_id, "label": str(case.source or "")}

    def get_steps(self, case) -> list[str]:
        request = self.context.get("request")
        user = request.user if request else None
        return [step.name for step in workflow_for(case).allowed_steps(case, user)]


class NoticeSerializer(ReasonSerializer):
    notice_number = TextField(max_length=100)
    issued_on = serializers.DateField(required=False)
    delivered_on = serializers.DateField(required=False, help_text="when delivered at once; else POST delivery/")
    responsible_people = serializers.PrimaryKeyRelatedField(
        queryset=ResponsiblePerson.objects.all(),
        many=True,
        required=False,
        help_text="ids of the subject's responsible-person links who bear responsibility (Nanjing art. 43)",
    )


class DeliverySerializer(ReasonSerializer):
    delivered_on = serializers.DateField()


class StatementSerializer(ReasonSerializer):
    statement = TextField()
    received_on = serializers.DateField(required=False)


class DecisionSerializer(ReasonSerializer):
    decision_number = TextField(max_length=100)
    cause = TextField()
    statement_finding = TextField(required=False, help_text="required when a statement was received")
    listing_start = serializers.DateField()
    listing_end = serializers.DateField()
    removal_conditions = TextField()
    remedies = TextField()
    repair_notice = TextField()


class RemovalSerializer(ReasonSerializer):
    removal_reason = serializers.ChoiceField(choices=["repair", "expiry", "revocation", "court"])
    removal_document = TextField(max_length=200)


class ListingCaseViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """List cases the user may see (the deciding agency's own; all for the credit office and
    the authority), with their steps as POST actions (409 from the wrong status)."""

    queryset = ListingCase.objects.select_related("subject").prefetch_related("deadlines__pauses")
    serializer_class = CaseSerializer
    filterset_fields = ["list_type", "status"]
    action_permissions = {
        "notice": ["sanctions.change_listingcase"],
        "delivery": ["sanctions.change_listingcase"],
        "statement": ["sanctions.change_listingcase"],
        "decide": ["sanctions.change_listingcase"],
        "publish": ["sanctions.change_listingcase"],
        "remove": ["sanctions.change_listingcase"],
    }

    def _step(self, payload_class, run):
        case = self.get_object()
        payload = payload_class(data=self.request.data)
        payload.is_valid(raise_exception=True)
        run(case, self.request.user, payload.validated_data)
        return Response(CaseSerializer(case, context=self.get_serializer_context()).data)

    @extend_schema(request=NoticeSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def notice(self, request, pk=None):
        return self._step(NoticeSerializer, lambda c, by, d: services.case_issue_notice(c, by=by, **d))

    @extend_schema(request=DeliverySerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def delivery(self, request, pk=None):
        """The notice reached the subject: the statement period starts."""
        return self._step(DeliverySerializer, lambda c, by, d: services.case_record_delivery(c, by=by, **d))

    @extend_schema(request=StatementSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def statement(self, request, pk=None):
        return self._step(StatementSerializer, lambda c, by, d: services.case_record_statement(c, by=by, **d))

    @extend_schema(request=DecisionSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        return self._step(DecisionSerializer, lambda c, by, d: services.case_decide(c, by=by, **d))

    @extend_schema(request=ReasonSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._step(ReasonSerializer, lambda c, by, d: services.case_publish(c, by=by, **d))

    @extend_schema(request=RemovalSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def remove(self, request, pk=None):
        return self._step(RemovalSerializer, lambda c, by, d: services.case_remove(c, by=by, **d))
