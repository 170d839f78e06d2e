"""Case codes on the dashboard as links to `reports:case_open` (the normal per-case permission decides)."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def case_links(text: str) -> SafeString:
    """ "C-1, C-2; 3 more cases..." -> links for the codes, the rest as text."""
    codes, _sep, rest = str(text or "").partition("; ")
    if codes and " " in codes.replace(", ", ""):
        # No code list: the whole text is the remark.
        return format_html("{}", text)
    links = format_html_join(", ", '<a class="font-monospace" href="{}">{}</a>',
                             ((reverse("reports:case_open", args=[code]), code) for code in codes.split(", ") if code))
    return format_html("{}{}{}", links, "; " if rest else "", rest)
