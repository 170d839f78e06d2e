"""`{% help_url %}`: the guide section that explains the page being shown (`guide.pages.PAGE_HELP`)."""

from django import template

from guide.pages import help_url_for

register = template.Library()


@register.simple_tag(takes_context=True)
def help_url(context) -> str:
    request = context.get("request")
    if request is None or not getattr(request.user, "is_authenticated", False):
        return ""
    match = getattr(request, "resolver_match", None)
    return help_url_for(request.user, match.view_name if match else None)
