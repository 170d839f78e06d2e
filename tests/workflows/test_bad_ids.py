"""Ids typed into a URL or a form are parsed by core.parsing.posted_id at the edge: anything that is not a positive
whole number ("²" passes str.isdigit() but not int()) is "no id" — a 404 or the form's message, never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from partners.roles import Role
from tests.factories import PASSWORD
from workflows.models import Handoff

pytestmark = pytest.mark.django_db

NOT_IDS = ["²", "abc", "-1", "0", "1" * 13, ""]


@pytest.mark.parametrize("value", NOT_IDS)
def test_intake_for_a_person_id_that_is_not_one_is_not_found(client, network, value):
    assert client.login(username=network.user("a", Role.CASE_MANAGER).username, password=PASSWORD)

    response = client.get(reverse("cases:case_open"), {"person": value})

    assert response.status_code == 404


@pytest.mark.parametrize("value", ["²", "abc", "1" * 13])
def test_a_referral_to_an_organisation_id_that_is_not_one_gets_the_form_again(client, network, consenting_case, value):
    assert client.login(username=network.user("a", Role.CASE_MANAGER).username, password=PASSWORD)

    response = client.post(
        reverse("workflows:handoff_send", args=[consenting_case.pk]),
        {"receiver_organisation": value, "kind": "referral", "service_type": value, "reason": "Serve un aiuto"},
    )

    assert response.status_code == 200  # the send page answers its form again, with the messages
    assert "receiver_organisation" in response.context["form"].errors
    assert not Handoff.objects.exists()
