"""Italian first, English on request: the language switcher and what it changes."""

import re

from django.conf import settings
from django.urls import reverse

from partners.roles import Role


def test_default_language_is_the_configured_one(client, network):
    client.force_login(network.user("a", Role.OPERATOR))

    html = client.get(reverse("home")).content.decode()

    assert settings.LANGUAGE_CODE == "it"
    assert '<html lang="it">' in html


def test_set_language_stores_the_choice_and_goes_back(client, network):
    client.force_login(network.user("a", Role.OPERATOR))
    back_to = reverse("partners:organisation_list")

    response = client.post(reverse("set_language"), {"language": "en", "next": back_to})

    assert response.status_code == 302
    assert response["Location"] == back_to
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_english_changes_the_interface_text(client, network):
    client.force_login(network.user("a", Role.OPERATOR))
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    html = client.get(reverse("partners:organisation_list")).content.decode()

    assert '<html lang="en">' in html
    assert ">Organisations</a>" in html
    assert "Skip to main content" in html


def test_switcher_offers_both_languages_and_marks_the_current_one(client, network):
    client.force_login(network.user("a", Role.OPERATOR))

    html = client.get(reverse("home")).content.decode()

    assert 'name="language" value="it"' in html
    assert 'name="language" value="en"' in html
    assert re.search(r'value="it"[^>]*aria-current="true"', html)
    assert not re.search(r'value="en"[^>]*aria-current="true"', html)


def test_anonymous_visitor_can_switch_language_on_the_login_page(client, db):
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})

    html = client.get(reverse("login")).content.decode()

    assert '<html lang="en">' in html
