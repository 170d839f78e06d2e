"""Issue 16, item 17: a member deactivated while a page is open is told so on reload (403, a page with a logout
button, or the API's JSON error), instead of a bare 404."""

from __future__ import annotations

from html import unescape

import pytest
from django.urls import reverse

from partners.models import Membership
from partners.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def lapsed_client(client, network, case_a, settings):
    settings.LANGUAGE_CODE = "en"
    member = network.user("a", Role.CASE_MANAGER)
    client.force_login(member)
    Membership.objects.filter(user=member).update(is_active=False)  # deactivated while signed in
    return client


@pytest.mark.parametrize("page", ["home", "case"])
def test_a_deactivated_member_reloading_a_page_is_told_why(lapsed_client, case_a, page):
    url = reverse("home") if page == "home" else reverse("cases:case_detail", args=[case_a.pk])
    response = lapsed_client.get(url)
    assert response.status_code == 403
    body = unescape(response.content.decode())
    assert "Your membership is no longer active" in body
    assert f'action="{reverse("logout")}"' in body
    assert "Giulia" not in body


def test_the_api_answers_the_json_error(lapsed_client):
    response = lapsed_client.get("/api/v1/cases/")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "membership_inactive" and error["status"] == 403
    assert "no longer active" in error["message"]


def test_logging_out_still_works(lapsed_client):
    response = lapsed_client.post(reverse("logout"))
    assert response.status_code in (200, 302)
    assert lapsed_client.get(reverse("home")).status_code == 302  # anonymous: to the login page


def test_an_active_member_is_not_affected(client, network, case_a):
    client.force_login(network.user("a", Role.CASE_MANAGER))
    assert client.get(reverse("cases:case_detail", args=[case_a.pk])).status_code == 200
