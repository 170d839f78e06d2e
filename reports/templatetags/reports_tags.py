"""Case codes on the dashboard as links to `reports:case_open`, for the cases the reader may open (the normal
per-case permission decides); the other codes stay plain text, so no link leads to a 404."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from cases import selectors as case_selectors

register = template.Library()


def _split(text: str) -> tuple[list[str] | None, str]:
    """ "C-1, C-2; 3 more cases..." -> (["C-1", "C-2"], "3 more cases..."); (None, text) when it is no code list."""
    codes, _sep, rest = str(text or "").partition("; ")
    if codes and " " in codes.replace(", ", ""):
        return None, str(text)
    return [code for code in codes.split(", ") if code], rest


def _openable_codes(request, table) -> set[str]:
    """The codes of `table`'s last column that the reader may open: one permission-filtered query per table and
    request (memoised on the request), so the page's query count does not grow with the table's rows."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return set()
    memo = request.__dict__.setdefault("_reports_openable_codes", {})
    if table.key not in memo:
        codes = {code for row in table.rows if row for code in (_split(row[-1])[0] or [])}
        memo[table.key] = (
            set(case_selectors.case_list_for(user=user).filter(code__in=codes).values_list("code", flat=True))
            if codes
            else set()
        )
    return memo[table.key]


def _code_html(code: str, openable: set[str]) -> SafeString:
    if code in openable:
        return format_html(
            '<a class="font-monospace" href="{}">{}</a>', reverse("reports:case_open", args=[code]), code
        )
    return format_html('<span class="font-monospace">{}</span>', code)


@register.simple_tag(takes_context=True)
def case_links(context, text: str, table) -> SafeString:
    """The codes in `text` (a cell of `table`) as links where the reader may open the case, the rest as text."""
    codes, rest = _split(text)
    if codes is None:
        # No code list: the whole text is the remark.
        return format_html("{}", rest)
    openable = _openable_codes(context.get("request"), table)
    links = format_html_join(", ", "{}", ((_code_html(code, openable),) for code in codes))
    return format_html("{}{}{}", links, "; " if rest else "", rest)
