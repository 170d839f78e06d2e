"""A case manager has a case page open when their administrator deactivates them: on reload they read that their
membership is no longer active, and can log out (issue 16, item 17). Before, the page answered a bare 404."""

from django.urls import reverse
from django.utils import translation

from partners.models import Membership
from partners.roles import Role
from tests.factories import PASSWORD
from tests.helpers.browser import login


def test_a_deactivated_member_reloading_a_page_is_told_why(network, case_a, new_page):
    manager = network.user("a", Role.CASE_MANAGER)
    page = new_page("it-IT")
    login(page, manager.username, PASSWORD)
    page.goto(reverse("cases:case_detail", args=[case_a.pk]))
    assert "Giulia" in page.content()

    Membership.objects.filter(user=manager).update(is_active=False)  # the administrator deactivates them
    response = page.reload()

    assert response.status == 403
    with translation.override("it"):
        assert page.locator("main h1").inner_text() == translation.gettext("Membership no longer active")
    assert "Giulia" not in page.content()
    with page.expect_navigation():
        page.click("main form[action='/accounts/logout/'] [type=submit]")
    page.goto(reverse("home"))
    assert "/accounts/login/" in page.url
