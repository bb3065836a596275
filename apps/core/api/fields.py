"""Serializer fields of the API's request bodies."""

from rest_framework import serializers


class TextField(serializers.CharField):
    """Takes text only: DRF's CharField also takes a number (`{"reason": 0}` becomes "0"),
    against the schema's `type: string`; here that is a 400 naming the field."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class DeadlineSerializer(serializers.Serializer):
    """A statutory clock as the API shows it (`core.Deadline`): what it counts, from when, under
    which basis, its due date and its state today (overdue is worked out, not stored)."""

    kind = serializers.CharField(read_only=True)
    started_on = serializers.DateField(read_only=True)
    figure = serializers.IntegerField(read_only=True)
    unit = serializers.CharField(read_only=True)
    basis = serializers.CharField(read_only=True)
    due_on = serializers.DateField(read_only=True)
    due_estimated = serializers.BooleanField(read_only=True)
    state = serializers.CharField(read_only=True)
    met_on = serializers.DateField(read_only=True, allow_null=True)
