"""The "forgotten password" form (accounts/views_password_reset.py): the same answer for known and unknown
addresses, at most 3 requests per e-mail address and 10 per client address an hour, links valid one hour."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from partners.roles import Role

ADDRESS = "203.0.113.5"
OTHER = "198.51.100.5"
LIMITED = "Too many password reset requests"


@pytest.fixture(autouse=True)
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def ask(client, email, address=ADDRESS):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


def test_the_answer_is_the_same_for_known_and_unknown_addresses(client, network):
    known = ask(client, "a_operator@example.org")
    unknown = ask(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["a_operator@example.org"]


def test_an_account_gets_three_mails_an_hour_at_most(client, network):
    assert [ask(client, "a_operator@example.org").status_code for _ in range(3)] == [302] * 3
    response = ask(client, "A_Operator@example.org", address=OTHER)  # another address, the same account
    assert response.status_code == 429
    assert LIMITED in response.content.decode()
    assert len(mail.outbox) == 3
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=61)):
        assert ask(client, "a_operator@example.org", address=OTHER).status_code == 302
    assert len(mail.outbox) == 4


def test_the_account_limit_says_nothing_about_whether_the_account_exists(client, network):
    known = [ask(client, "a_operator@example.org").status_code for _ in range(4)]
    unknown = [ask(client, "nobody@example.org", address=OTHER).status_code for _ in range(4)]
    assert known == unknown == [302, 302, 302, 429]


def test_an_address_makes_ten_requests_an_hour_at_most(client, network):
    statuses = [ask(client, f"someone{n}@example.org").status_code for n in range(11)]
    assert statuses == [302] * 10 + [429]
    # A client-sent X-Forwarded-For changes nothing without a trusted proxy.
    response = client.post(
        reverse("password_reset"), {"email": "x@example.org"}, REMOTE_ADDR=ADDRESS, HTTP_X_FORWARDED_FOR=OTHER
    )
    assert response.status_code == 429
    assert ask(client, "a_operator@example.org", address=OTHER).status_code == 302


def test_a_reset_link_lives_one_hour(network):
    assert settings.PASSWORD_RESET_TIMEOUT == 3600
    user = network.user("a", Role.OPERATOR)
    token = default_token_generator.make_token(user)
    with time_machine.travel(datetime.timedelta(minutes=59)):
        assert default_token_generator.check_token(user, token)
    # A relative move: Django's token clock is the naive local datetime.now().
    with time_machine.travel(datetime.timedelta(minutes=61)):
        assert not default_token_generator.check_token(user, token)
