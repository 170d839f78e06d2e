"""The guide inside the app (issue 16, item 20): one page per role and one on referrals, in Italian and English;
reached from the menu and, through `guide.pages.PAGE_HELP`, from a "?" on each page that leads to a section that
exists."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import get_resolver, reverse
from django.urls.resolvers import URLPattern, URLResolver
from django.utils import translation

from guide.pages import GUIDE_LANGUAGES, PAGE_HELP, PAGE_SLUGS, PAGES
from partners.roles import Role

# The first heading of each page, and one section heading a reader of that role looks for, in each language.
EXPECTED_HEADINGS = {
    "start": {"it": ("Per iniziare", "Le mie attività e la coda"), "en": ("Getting started", "My tasks and the queue")},
    "case-manager": {
        "it": ("Responsabile del caso", "Accoglienza: persona, nucleo, consenso"),
        "en": ("Case manager", "Intake: person, household, consent"),
    },
    "operator": {
        "it": ("Operatore e volontario", "Rispondere a un invio"),
        "en": ("Operator and volunteer", "Answering a referral"),
    },
    "org-admin": {
        "it": ("Amministratore dell'organizzazione", "Membri"),
        "en": ("Organisation administrator", "Members"),
    },
    "coordinator": {
        "it": ("Coordinatore della rete", "Il cruscotto di monitoraggio"),
        "en": ("Network coordinator", "The oversight dashboard"),
    },
    "referrals": {
        "it": ("Come funziona un invio", "Cosa vede chi riceve"),
        "en": ("How a referral works", "What the receiver sees"),
    },
}


class Outline(HTMLParser):
    """The ids of a page, the text of its headings inside <main>, and the hrefs of its links."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.headings: list[str] = []
        self.links: list[tuple[dict, str]] = []
        self._heading: list[str] | None = None
        self._link: tuple[dict, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        if tag in ("h1", "h2", "h3"):
            self._heading = []
        if tag == "a":
            self._link = (attributes, [])

    def handle_endtag(self, tag):
        if tag in ("h1", "h2", "h3") and self._heading is not None:
            self.headings.append(" ".join("".join(self._heading).split()))
            self._heading = None
        if tag == "a" and self._link is not None:
            self.links.append((self._link[0], " ".join("".join(self._link[1]).split())))
            self._link = None

    def handle_data(self, data):
        if self._heading is not None:
            self._heading.append(data)
        if self._link is not None:
            self._link[1].append(data)


def outline(response) -> Outline:
    parser = Outline()
    parser.feed(response.content.decode())
    return parser


def in_language(client, language: str):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def help_link(page: Outline) -> str:
    """The href of the navigation's contextual "?" link."""
    hrefs = [attrs["href"] for attrs, _text in page.links if "tv-help-link" in attrs.get("class", "")]
    assert len(hrefs) == 1, hrefs
    return hrefs[0]


def assert_points_to_a_section(client, href: str, *, page: str, anchor: str) -> None:
    url = urlsplit(href)
    assert url.path == reverse("help:page", args=[page])
    assert url.fragment == anchor
    guide = client.get(url.path)
    assert guide.status_code == 200
    assert anchor in outline(guide).ids


@pytest.mark.parametrize("language", GUIDE_LANGUAGES)
@pytest.mark.parametrize("slug", sorted(EXPECTED_HEADINGS))
def test_each_guide_page_renders_in_each_language_with_its_headings(client, network, slug, language):
    client.force_login(network.user("a", Role.OPERATOR))
    response = in_language(client, language).get(reverse("help:page", args=[slug]))
    assert response.status_code == 200
    page = outline(response)
    title, section = EXPECTED_HEADINGS[slug][language]
    assert title in page.headings
    assert section in page.headings
    assert f'lang="{language}"' in response.content.decode()


def test_every_page_of_the_guide_is_tested():
    assert {page.slug for page in PAGES} == set(EXPECTED_HEADINGS)


def test_a_language_without_a_guide_falls_back_to_italian(client, network, settings):
    settings.LANGUAGES = [*settings.LANGUAGES, ("de", "Deutsch")]
    client.force_login(network.user("a", Role.OPERATOR))
    response = in_language(client, "de").get(reverse("help:page", args=["referrals"]))
    assert "Come funziona un invio" in outline(response).headings


@pytest.mark.parametrize(
    ("org_key", "role", "slug"),
    [
        ("a", Role.CASE_MANAGER, "case-manager"),
        ("a", Role.OPERATOR, "operator"),
        ("a", Role.VOLUNTEER, "operator"),
        ("a", Role.ORG_ADMIN, "org-admin"),
        ("m", Role.COORDINATOR, "coordinator"),
    ],
)
def test_the_guide_opens_at_the_readers_role(client, network, org_key, role, slug):
    client.force_login(network.user(org_key, role))
    response = client.get(reverse("help:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("help:page", args=[slug])


def test_the_guide_marks_the_readers_own_role_in_its_contents(client, network):
    client.force_login(network.user("a", Role.ORG_ADMIN))
    page = outline(in_language(client, "en").get(reverse("help:page", args=["referrals"])))
    marked = [attrs["href"] for attrs, text in page.links if text.endswith("your role")]
    assert marked == [reverse("help:page", args=["org-admin"])]


def test_an_anonymous_visitor_is_sent_to_log_in(client, db):
    response = client.get(reverse("help:page", args=["case-manager"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.get(reverse("help:home"))["Location"].startswith(reverse("login"))


def test_an_unknown_guide_page_is_not_found(client, network):
    client.force_login(network.user("a", Role.OPERATOR))
    assert client.get(reverse("help:page", args=["nothing-here"])).status_code == 404


@pytest.mark.parametrize("language", GUIDE_LANGUAGES)
def test_the_menu_links_to_the_guide(client, network, language):
    client.force_login(network.user("a", Role.CASE_MANAGER))
    page = outline(in_language(client, language).get(reverse("home")))
    menu = [(attrs["href"], text) for attrs, text in page.links if "tv-nav-help" in attrs.get("class", "")]
    with translation.override(language):
        assert menu == [(reverse("help:home"), translation.gettext("Help"))]


def test_the_case_page_links_to_the_case_file_section(client, network, case_a):
    client.force_login(network.user("a", Role.CASE_MANAGER))
    page = outline(client.get(reverse("cases:case_detail", args=[case_a.pk])))
    assert_points_to_a_section(client, help_link(page), page="case-manager", anchor="case-file")


def test_the_received_handoffs_link_to_what_a_receiver_sees(client, network):
    client.force_login(network.user("b", Role.OPERATOR))
    page = outline(in_language(client, "en").get(reverse("workflows:handoffs_received")))
    assert_points_to_a_section(client, help_link(page), page="referrals", anchor="receiver")


def test_the_dashboard_links_to_its_section(client, network):
    client.force_login(network.user("m", Role.COORDINATOR))
    response = client.get(reverse("reports:home"))
    assert response.status_code == 200
    assert_points_to_a_section(client, help_link(outline(response)), page="coordinator", anchor="dashboard")


def test_a_page_without_its_own_section_links_to_the_readers_role_page(client, network):
    client.force_login(network.user("a", Role.OPERATOR))
    page = outline(client.get(reverse("help:page", args=["referrals"])))
    assert help_link(page) == reverse("help:page", args=["operator"])


def test_an_anonymous_page_has_no_help_link(client, db):
    page = outline(client.get(reverse("login")))
    assert not [attrs for attrs, _text in page.links if "tv-help-link" in attrs.get("class", "")]


def view_names(resolver: URLResolver | None = None, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= view_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_page_in_the_help_map_exists():
    names = view_names()
    assert set(PAGE_HELP) - names == set()


@pytest.mark.parametrize("language", GUIDE_LANGUAGES)
def test_every_anchor_of_the_help_map_exists_in_the_guide(client, network, language):
    client.force_login(network.user("a", Role.OPERATOR))
    in_language(client, language)
    ids = {slug: outline(client.get(reverse("help:page", args=[slug]))).ids for slug in PAGE_SLUGS}
    missing = sorted(
        f"{name} -> {slug}#{anchor}"
        for name, (slug, anchor) in PAGE_HELP.items()
        if slug not in ids or anchor not in ids[slug]
    )
    assert missing == []


@pytest.mark.parametrize("language", GUIDE_LANGUAGES)
def test_the_guides_own_links_lead_to_sections_that_exist(client, network, language):
    client.force_login(network.user("a", Role.OPERATOR))
    in_language(client, language)
    pages = {slug: outline(client.get(reverse("help:page", args=[slug]))) for slug in PAGE_SLUGS}
    prefix = reverse("help:home")
    broken = []
    for slug, page in pages.items():
        for attrs, _text in page.links:
            url = urlsplit(attrs.get("href", ""))
            if url.path.startswith(prefix) and url.path != prefix:
                target = url.path[len(prefix) :].strip("/")
                if target not in pages or (url.fragment and url.fragment not in pages[target].ids):
                    broken.append(f"{slug}: {attrs['href']}")
    assert broken == []
