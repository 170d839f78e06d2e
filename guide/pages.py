"""The user guide inside the app: one page per role, one on referrals, in Italian and English.

The guide's prose lives in templates, one file per page and language (`templates/help/<lang>/<page>.html`),
not in gettext: long explanations split into msgids are unmaintainable, and a translator rewrites a whole page
better than its sentences one by one. The active language picks the file; Italian is the fallback.

`PAGE_HELP` is the one map from a page (its URL name) to the guide section that explains it: the "?" link of
the navigation reads it (`core.templatetags.tavolo_help`), and a test checks that every name resolves and every
anchor exists in both languages.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from partners.roles import Role
from partners.selectors import active_memberships

app_name = "help"

GUIDE_LANGUAGES = ("it", "en")
FALLBACK_LANGUAGE = "it"


@dataclass(frozen=True)
class GuidePage:
    slug: str
    title: str | Promise


# In the order of the guide's contents.
PAGES: tuple[GuidePage, ...] = (
    GuidePage("start", _("Getting started")),
    GuidePage("case-manager", _("Case manager")),
    GuidePage("operator", _("Operator and volunteer")),
    GuidePage("org-admin", _("Organisation administrator")),
    GuidePage("coordinator", _("Network coordinator")),
    GuidePage("referrals", _("How a referral works")),
)
PAGE_SLUGS = frozenset(page.slug for page in PAGES)

# The guide page of each role; a member with several roles gets the first of theirs in this order.
ROLE_PAGES: dict[str, str] = {
    Role.CASE_MANAGER: "case-manager",
    Role.OPERATOR: "operator",
    Role.VOLUNTEER: "operator",
    Role.ORG_ADMIN: "org-admin",
    Role.COORDINATOR: "coordinator",
}

# URL name -> (guide page, section id). Pages not listed link to the reader's own role page.
PAGE_HELP: dict[str, tuple[str, str]] = {
    "home": ("start", "home"),
    "cases:case_list": ("case-manager", "cases"),
    "cases:case_open": ("case-manager", "intake"),
    "cases:case_detail": ("case-manager", "case-file"),
    "cases:case_edit": ("case-manager", "case-file"),
    "cases:timeline": ("case-manager", "case-file"),
    "cases:note_add": ("case-manager", "records"),
    "cases:document_upload": ("case-manager", "records"),
    "cases:intervention_add": ("case-manager", "records"),
    "cases:assessment_add": ("case-manager", "assessment-plan"),
    "cases:plan_edit": ("case-manager", "assessment-plan"),
    "cases:goal_add": ("case-manager", "assessment-plan"),
    "cases:action_add": ("case-manager", "assessment-plan"),
    "cases:case_close": ("case-manager", "closure"),
    "cases:case_status": ("case-manager", "closure"),
    "cases:person_search": ("case-manager", "intake"),
    "cases:person_register": ("case-manager", "intake"),
    "cases:person_detail": ("case-manager", "intake"),
    "cases:person_edit": ("case-manager", "intake"),
    "cases:person_merge": ("case-manager", "intake"),
    "cases:consent_add": ("referrals", "consent"),
    "cases:consent_withdraw": ("referrals", "consent"),
    "cases:household_list": ("case-manager", "intake"),
    "cases:household_create": ("case-manager", "intake"),
    "cases:household_detail": ("case-manager", "intake"),
    "cases:household_edit": ("case-manager", "intake"),
    "cases:household_member_add": ("case-manager", "intake"),
    "cases:network_overview": ("coordinator", "network-cases"),
    "cases:caseload": ("org-admin", "caseload"),
    "workflows:inbox": ("start", "work-lists"),
    "workflows:queue": ("start", "work-lists"),
    "workflows:supervision": ("org-admin", "supervision"),
    "workflows:task_detail": ("start", "work-lists"),
    "workflows:handoffs_received": ("referrals", "receiver"),
    "workflows:handoffs_sent": ("referrals", "sender"),
    "workflows:handoff_detail": ("referrals", "states"),
    "workflows:handoff_revoke": ("referrals", "states"),
    "workflows:handoff_send": ("referrals", "sending"),
    "housing:home": ("start", "pathways"),
    "housing:waitlist": ("coordinator", "housing-work"),
    "housing:rules": ("coordinator", "housing-work"),
    "employment:home": ("start", "pathways"),
    "employment:opportunity_list": ("start", "pathways"),
    "employment:course_list": ("start", "pathways"),
    "reports:home": ("coordinator", "dashboard"),
    "reports:bottlenecks": ("coordinator", "bottlenecks"),
    "partners:organisation_list": ("start", "network"),
    "partners:organisation_detail": ("start", "network"),
    "partners:member_list": ("org-admin", "members"),
    "partners:member_add": ("org-admin", "members"),
    "partners:member_edit": ("org-admin", "members"),
    "partners:audit_log": ("org-admin", "audit"),
    "notifications:list": ("start", "notifications"),
    "notifications:preferences": ("start", "notifications"),
}


def guide_language() -> str:
    """The guide's language for the active one ("en-gb" reads the English guide); Italian otherwise."""
    language = (get_language() or FALLBACK_LANGUAGE).split("-")[0].lower()
    return language if language in GUIDE_LANGUAGES else FALLBACK_LANGUAGE


def content_template_names(slug: str, language: str | None = None) -> list[str]:
    language = language or guide_language()
    names = [f"help/{language}/{slug}.html"]
    if language != FALLBACK_LANGUAGE:
        names.append(f"help/{FALLBACK_LANGUAGE}/{slug}.html")
    return names


def role_page_for(user) -> str:
    """The guide page that starts at the reader's role (from their active memberships)."""
    roles = {m.role for m in active_memberships(user)}
    for role, slug in ROLE_PAGES.items():
        if role in roles:
            return slug
    return "start"


def help_url_for(user, view_name: str | None) -> str:
    """Where the "?" of a page leads: its section of the guide, or the reader's role page."""
    if view_name in PAGE_HELP:
        slug, anchor = PAGE_HELP[view_name]
        return f"{reverse('help:page', args=[slug])}#{anchor}"
    return reverse("help:page", args=[role_page_for(user)])


@login_required
def guide_home(request: HttpRequest) -> HttpResponse:
    """The guide opens at the reader's role."""
    return redirect("help:page", slug=role_page_for(request.user))


@login_required
def guide_page(request: HttpRequest, slug: str) -> HttpResponse:
    if slug not in PAGE_SLUGS:
        raise Http404
    roles = {m.role for m in active_memberships(request.user)}
    return render(
        request,
        "help/page.html",
        {
            "page": next(p for p in PAGES if p.slug == slug),
            "pages": PAGES,
            "own_pages": {ROLE_PAGES[role] for role in roles if role in ROLE_PAGES},
            "content_templates": content_template_names(slug),
            "guide_language": guide_language(),
        },
    )


urlpatterns = [
    path("", guide_home, name="home"),
    path("<slug:slug>/", guide_page, name="page"),
]
