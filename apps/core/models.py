"""Core models: organisations and users. The app's other models live beside this module and are
imported here, so that `from apps.core.models import X` finds every one of them: `models_policy`
(the city policy, the working-day overrides), `models_logs` (the query log and its seals,
query-volume flags, sign-in events), `models_documents` (issued documents, attachments),
`models_deadlines` (statutory clocks), `models_notifications` (notifications to users)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.audit import AuditedModel, AuditedQuerySet, AuditFields, history
from apps.core.choices import OrganizationKind, Role
from apps.core.identifiers import validate_uscc
from apps.core.models_deadlines import Deadline, DeadlinePause
from apps.core.models_documents import Attachment, IssuedDocument
from apps.core.models_logs import (
    AuthEvent,
    QueryFlag,
    QueryFlagStatus,
    QueryLog,
    QueryLogCheckpoint,
    QueryLogSealMark,
    QueryLogVerification,
    QueryVolume,
)
from apps.core.models_notifications import Notification
from apps.core.models_policy import (
    NATIONAL_2023_FIGURES,
    POLICY_SECTIONS,
    RESPONSIBLE_ROLES,
    HolidayOverride,
    NationalLimits,
    NationalRuleSet,
    Policy,
)


def _uscc_validator(value: str) -> None:
    validate_uscc(value)


class Organization(AuditedModel):
    """A unit whose staff use the platform (单位/机构): the credit authority (主管部门), the credit
    office (信用工作机构) or a providing agency (公共信用信息提供单位/认定单位)."""

    kind = models.CharField(_("kind"), max_length=20, choices=OrganizationKind.choices)
    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    unified_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[_uscc_validator]
    )
    region_code = models.CharField(
        _("region code"), max_length=6, help_text=_("Six-digit administrative division code, e.g. 320100.")
    )
    region_name = models.CharField(_("region"), max_length=50)
    is_active = models.BooleanField(_("active"), default=True)

    history = history()

    # restrict(): officers see their own organisation only.
    organization_scope = "pk"

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.unified_code:
            self.unified_code = validate_uscc(self.unified_code)
        if self.region_code and (len(self.region_code) != 6 or not self.region_code.isdigit()):
            raise ValidationError({"region_code": _("A region code has six digits, e.g. 320100.")})

    @property
    def group_name(self) -> str:
        """The auth group that holds this organisation's object permissions (cases)."""
        return f"org:{self.pk}"


class UserManager(DjangoUserManager.from_queryset(AuditedQuerySet)):
    pass


class User(AuditFields, AbstractUser):
    """A person who signs in: staff of one organisation, with one role.

    The role decides the user's groups (model permissions); the organisation decides which rows
    an officer may see (`apps.core.permissions.restrict`). Superusers are platform
    administrators and may have no organisation.
    """

    first_name = None
    last_name = None
    full_name = models.CharField(_("full name"), max_length=50)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    objects = UserManager()
    history = history(excluded_fields=["password", "last_login"])

    organization_scope = "organization"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.username})" if self.full_name else self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def get_short_name(self) -> str:
        return self.full_name or self.username

    def clean(self):
        super().clean()
        from apps.core.choices import ROLE_ORGANIZATION_KINDS

        if self.role and not self.organization_id:
            raise ValidationError({"organization": _("A user with a role must belong to an organisation.")})
        if self.role and self.organization_id:
            allowed = ROLE_ORGANIZATION_KINDS[Role(self.role)]
            if self.organization.kind not in allowed:
                raise ValidationError(
                    {
                        "role": _("A %(role)s cannot belong to a %(kind)s.")
                        % {"role": Role(self.role).label, "kind": self.organization.get_kind_display()}
                    }
                )


class SystemAccount(AuditedModel):
    """An API client of another government system (对接系统账号): its own kind of account, with the
    daily quota of lookups the credit office sets for it instead of the threshold meant for
    people (Nanjing art. 52). The system signs in as its user (a token); its lookups are counted
    per day like a person's, and over the quota refused (HTTP 429) and logged."""

    user = models.OneToOneField(
        User, verbose_name=_("account"), on_delete=models.PROTECT, related_name="system_account"
    )
    name = models.CharField(_("system"), max_length=100, unique=True)
    daily_quota = models.PositiveIntegerField(
        _("daily quota"), help_text=_("The most lookups the system may make in one day (checks included).")
    )
    contact = models.CharField(_("contact"), max_length=200, blank=True)

    history = history()

    organization_scope = "user__organization"

    class Meta:
        verbose_name = _("system account")
        verbose_name_plural = _("system accounts")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# What `from apps.core.models import X` offers: this module's models and those of the modules beside it.
__all__ = [
    "NATIONAL_2023_FIGURES",
    "POLICY_SECTIONS",
    "RESPONSIBLE_ROLES",
    "Attachment",
    "AuthEvent",
    "Deadline",
    "DeadlinePause",
    "HolidayOverride",
    "IssuedDocument",
    "NationalLimits",
    "NationalRuleSet",
    "Notification",
    "Organization",
    "Policy",
    "QueryFlag",
    "QueryFlagStatus",
    "QueryLog",
    "QueryLogCheckpoint",
    "QueryLogSealMark",
    "QueryLogVerification",
    "QueryVolume",
    "SystemAccount",
    "User",
    "UserManager",
]
