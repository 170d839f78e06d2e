"""Log in, log out, password change and reset, and the error pages."""

import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import permission_denied

from partners.roles import Role
from tests.factories import PASSWORD


@pytest.fixture(autouse=True)
def english(client):
    """Assertions read English text: ask for it, so they still hold once locale/it is translated."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def test_login_page_is_branded_and_offers_password_reset(client, db):
    html = client.get(reverse("login")).content.decode()

    assert "Tavolo" in html
    assert 'name="username"' in html and 'name="password"' in html
    assert f'href="{reverse("password_reset")}"' in html
    assert "tv-login-next" not in html


def test_login_page_explains_why_when_a_page_asked_for_it(client, db):
    html = client.get(reverse("login"), {"next": "/cases/"}).content.decode()

    assert "tv-login-next" in html
    assert 'name="next" value="/cases/"' in html


def test_login_with_good_credentials_goes_to_next(client, network):
    response = client.post(
        reverse("login"),
        {"username": "a_operator", "password": PASSWORD, "next": reverse("partners:organisation_list")},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("partners:organisation_list")


def test_login_with_bad_credentials_shows_an_error(client, network):
    response = client.post(reverse("login"), {"username": "a_operator", "password": "wrong"})

    assert response.status_code == 200
    assert "alert-danger" in response.content.decode()


def test_logout_is_a_post_and_ends_the_session(client, network):
    client.force_login(network.user("a", Role.OPERATOR))

    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_password_change_page_renders_and_changes_the_password(client, network):
    user = network.user("a", Role.OPERATOR)
    client.force_login(user)

    assert 'name="old_password"' in client.get(reverse("password_change")).content.decode()
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "un-altra-password-2026",
            "new_password2": "un-altra-password-2026",
        },
    )

    assert response.status_code == 302
    assert "Password changed" in client.get(response["Location"]).content.decode()
    user.refresh_from_db()
    assert user.check_password("un-altra-password-2026")


def test_password_reset_sends_our_email(client, network):
    response = client.post(reverse("password_reset"), {"email": "a_operator@example.org"})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "Tavolo" in mail.outbox[0].subject
    assert re.search(r"http://testserver/accounts/reset/\S+/", mail.outbox[0].body)
    assert "a_operator" in mail.outbox[0].body


def test_password_reset_pages_render(client, network):
    assert client.get(reverse("password_reset")).status_code == 200
    assert client.get(reverse("password_reset_done")).status_code == 200
    assert client.get(reverse("password_reset_complete")).status_code == 200
    invalid = client.get(reverse("password_reset_confirm", args=["MQ", "bad-token"]))
    assert "no longer valid" in invalid.content.decode()


def test_404_page_is_ours_and_translatable(client, network):
    client.force_login(network.user("a", Role.OPERATOR))

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "tv-error-page" in html
    assert "Traceback" not in html


def test_403_page_is_ours(network):
    request = RequestFactory().get("/")
    request.user = get_user_model().objects.get(username="a_operator")

    response = permission_denied(request, PermissionDenied("secret detail"))

    assert response.status_code == 403
    html = response.content.decode()
    assert "tv-error-page" in html
    assert "secret detail" not in html


def test_500_page_renders_without_any_context():
    html = render_to_string("500.html")

    assert "tv-error-page" in html


def test_csrf_failure_shows_a_clear_page(db):
    from django.test import Client

    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "The form has expired" in response.content.decode()
