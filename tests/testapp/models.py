"""A case model used only by the tests of the permission helpers (grant_case, restrict)."""

from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from apps.core.audit import AuditedModel, history


class Case(AuditedModel):
    title = models.CharField(max_length=100)
    handler = models.ForeignKey("core.Organization", on_delete=models.PROTECT, related_name="+")

    history = history()
    guarded = True

    class Meta:
        verbose_name = "测试案件"  # the group form lists its permissions to a zh-hans user


class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)
