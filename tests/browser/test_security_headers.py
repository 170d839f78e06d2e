"""No Content-Security-Policy violation on the main pages of each role, on /django-admin/ and on the API docs
(issue 18, item 6). The check itself is in conftest.page_factory: any violation fails the test at teardown."""

import pytest
from django.contrib.auth import get_user_model

from partners.roles import Role
from tests.factories import PASSWORD
from tests.helpers.browser import login

ROLES = [
    ("a", Role.CASE_MANAGER),
    ("a", Role.OPERATOR),
    ("a", Role.VOLUNTEER),
    ("a", Role.ORG_ADMIN),
    ("m", Role.COORDINATOR),
]


def nav_links(page) -> list[str]:
    """The menu's own pages (the same-site links of the navigation bar), each once."""
    hrefs = page.eval_on_selector_all("#tv-nav a[href^='/']", "links => links.map(link => link.getAttribute('href'))")
    return list(dict.fromkeys(hrefs))


@pytest.mark.parametrize(("org", "role"), ROLES)
def test_every_page_of_the_menu_loads_under_the_policy(network, case_a, new_page, org, role):
    page = new_page()
    login(page, network.user(org, role).username, PASSWORD)
    links = nav_links(page)
    assert links, "the menu has no links"
    for href in [*links, f"/cases/{case_a.pk}/"]:
        response = page.goto(href)
        assert response is not None
        page.wait_for_load_state("networkidle")
        assert "script-src 'self';" in response.headers["content-security-policy"]
        assert "camera=()" in response.headers["permissions-policy"]


def test_the_admin_and_the_api_docs_work_under_the_policy(db, new_page):
    root = get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)
    page = new_page("en-GB")
    page.goto("/django-admin/login/")
    page.fill("input[name=username]", "root")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")
    page.wait_for_selector("#content-main")
    page.goto("/django-admin/auth/user/")
    page.wait_for_selector("#result_list")
    page.goto(f"/django-admin/auth/user/{root.pk}/change/")
    page.wait_for_selector("#content-main form")

    page.goto("/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .info .title")
    page.wait_for_selector(".swagger-ui .opblock")
    page.goto("/api/v1/redoc/")
    page.wait_for_selector("redoc .api-content h1, [role=main] h1, .api-content h1", timeout=20_000)
