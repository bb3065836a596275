from django import template

from apps.core.identifiers import mask_identifier, mask_name

register = template.Library()


@register.filter
def masked(value: str) -> str:
    """A citizen ID shown as 320102********1234; organisation codes unchanged."""
    return mask_identifier(value or "")


@register.filter
def masked_name(value: str) -> str:
    return mask_name(value or "")
