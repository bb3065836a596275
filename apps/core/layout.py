"""An anonymous visitor's page put in its layout without rendering the layout again (issue 18 item
5: the public portal's pages rendered afresh are the platform's busiest after the kept ones).

`render_for_visitor(request, template_name, values)` is `render(request, template_name, values)`.
For a visitor with no cookie but the CSRF one (no session: no user, no messages) the template is
rendered once per process and what it depends on besides `values` — the language, the script
prefix and the URL configuration (`render_key`), the policy in force (the footer names it) — with
a stand-in for each value; each request then joins the parts around its own values, escaped as
`{{ value }}` escapes them (a `SafeString` as it is). A template in which a stand-in does not come
out exactly once (a value shown twice, or through a filter), or whose rendering used the request's
CSRF token or CSP nonce, is rendered as usual, as is every page with DEBUG on (templates reloaded)
or for any other visitor.
"""

from __future__ import annotations

from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.html import conditional_escape

from apps.core.templatetags.fragments import MAX_KEPT, render_key

# Private-use code points: neither escaping nor a filter that changes case or spacing alters them,
# and no text of the project contains them.
_STAND_IN = "\ue000{}\ue001"

# (template, render key, policy) -> (the text between the values, the values' names in order)
_kept: dict[tuple, tuple[tuple[str, ...], tuple[str, ...]] | None] = {}


def _forget(**_kwargs) -> None:
    _kept.clear()


setting_changed.connect(_forget)


def plain_visitor(request: HttpRequest) -> bool:
    """A GET with no cookie but the CSRF one: no session, so no signed-in user and no messages."""
    return request.method == "GET" and set(request.COOKIES) <= {settings.CSRF_COOKIE_NAME}


def _policy_key() -> tuple:
    """The policy as the layout shows it (the context processor's `policy`: its name)."""
    from apps.core.context_processors import policy_or_none

    policy = policy_or_none()
    return (policy.pk, policy.name) if policy is not None else (None, None)


def _split(request, template_name: str, names: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The template rendered with a stand-in for each value, cut at them: (the parts, the names
    in the order they come), or None where a stand-in does not come out exactly once."""
    stand_ins = {name: _STAND_IN.format(n) for n, name in enumerate(names)}
    token_used = request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    content = render_to_string(template_name, stand_ins, request)
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") != token_used or getattr(request, "_csp_nonce", None):
        return None  # a CSRF token or a CSP nonce is the request's own: never kept for another
    if any(content.count(stand_in) != 1 for stand_in in stand_ins.values()):
        return None
    order = sorted(names, key=lambda name: content.index(stand_ins[name]))
    parts = []
    for name in order:
        before, content = content.split(stand_ins[name])
        parts.append(before)
    parts.append(content)
    return tuple(parts), tuple(order)


def render_for_visitor(request: HttpRequest, template_name: str, values: dict[str, str]) -> HttpResponse:
    """`render(request, template_name, values)`, whose values are strings; for a plain visitor
    (`plain_visitor`) from the template's parts rendered once (see the module)."""
    if settings.DEBUG or not plain_visitor(request) or not all(isinstance(v, str) for v in values.values()):
        return render(request, template_name, values)
    key = (template_name, render_key(), _policy_key(), tuple(sorted(values)))
    if key in _kept:
        kept = _kept[key]
    else:
        kept = _split(request, template_name, list(values))
        if len(_kept) < MAX_KEPT:
            _kept[key] = kept
    if kept is None:
        return render(request, template_name, values)
    parts, order = kept
    pieces = [parts[0]]
    for name, part in zip(order, parts[1:], strict=True):
        pieces += [conditional_escape(values[name]), part]
    return HttpResponse("".join(pieces))
