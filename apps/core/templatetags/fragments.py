"""What a page repeats on every view, done once per server process.

`{% rendered_once %}…{% endrendered_once %}`: a part of a template that is the same on every page
view — the layout's links and their labels — rendered once per server process instead of on every
request (issue 18 item 5: the public pages' twenty-odd URL reversals and translations were a third
of a search's CPU).

The part is rendered without the page's context (no user, no request, no CSRF token, nothing a
view passed), so it cannot carry anything of one visitor into another's page; what it may still
depend on is the key it is kept under: the active language, the script prefix and the URL
configuration that `{% url %}` reverses against, and the settings (the copies are dropped when a
setting changes, as tests do). Nothing that changes with time (`{% now %}`) belongs inside, and
a `{% block %}` cannot be: a child template's block would be kept for every page.

`{{ key|public_subject_url }}`: `{% url 'subjects:public_subject' key %}` for the rows of a list
(a search's twenty organisations), reversed once under the same key.
"""

import uuid
import weakref

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.template.loader_tags import BlockNode
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

# The nodes of the templates parsed so far (a template dropped by its loader takes its node with
# it) and the subject URL's parts, so that a changed setting drops every copy.
_nodes: weakref.WeakSet = weakref.WeakSet()


def _forget(**_kwargs) -> None:
    for node in list(_nodes):
        node.kept.clear()
    _subject_urls.clear()


setting_changed.connect(_forget)


# Copies kept per node at most: a server's languages, prefixes and URL configurations are few, but
# a script prefix can come from a request header (SCRIPT_NAME behind some proxies); past this,
# a part is rendered on every request rather than remembered for anyone who asks.
MAX_KEPT = 16


def render_key() -> tuple:
    """What a reversed URL or a translated label depends on besides the template."""
    return (get_language(), get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


class RenderedOnceNode(template.Node):
    def __init__(self, nodelist: template.NodeList):
        self.nodelist = nodelist
        self.kept: dict[tuple, str] = {}  # one node per parsed template: a reloaded template starts afresh
        _nodes.add(self)

    def render(self, context: template.Context) -> str:
        key = render_key()
        rendered = self.kept.get(key)
        if rendered is None:
            # An empty context of the same kind (autoescape, engine): none of this request's values.
            rendered = mark_safe(self.nodelist.render(context.new()))  # noqa: S308 - rendered by the template engine, escaped there
            if len(self.kept) < MAX_KEPT:
                self.kept[key] = rendered
        return rendered


@register.tag
def rendered_once(parser, token):
    if len(token.split_contents()) != 1:
        raise template.TemplateSyntaxError("rendered_once takes no arguments")
    nodelist = parser.parse(("endrendered_once",))
    parser.delete_first_token()
    if nodelist.get_nodes_by_type(BlockNode):
        raise template.TemplateSyntaxError(
            "a {% block %} cannot be inside rendered_once: it would be kept for every page"
        )
    return RenderedOnceNode(nodelist)


# A key that stands for every key in the URL reversed once: a UUID goes into the URL as it is
# written (`UUIDConverter.to_url` is `str`, and quoting leaves hex digits and dashes alone).
_STANDIN_KEY = str(uuid.UUID(int=0))
_subject_urls: dict[tuple, tuple[str, str]] = {}


@register.filter
def public_subject_url(key: uuid.UUID) -> str:
    parts = _subject_urls.get(where := render_key())
    if parts is None:
        head, _standin, tail = reverse("subjects:public_subject", args=[_STANDIN_KEY]).partition(_STANDIN_KEY)
        parts = (head, tail)
        if len(_subject_urls) < MAX_KEPT:
            _subject_urls[where] = parts
    return f"{parts[0]}{uuid.UUID(str(key))}{parts[1]}"
