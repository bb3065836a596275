"""Serializer fields of the API's request bodies."""

from rest_framework import serializers


class TextField(serializers.CharField):
    """Takes text only: DRF's CharField also takes a number (`{"reason": 0}` becomes "0"),
    against the schema's `type: string`; here that is a 400 naming the field."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)
