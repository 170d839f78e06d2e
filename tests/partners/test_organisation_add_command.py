"""`manage.py organisation_add`: an organisation and its first administrator through the services (ADR 0015)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from partners.models import Membership, Organisation
from partners.roles import Role
from partners.selectors import admin_organisation_ids


def test_the_operator_adds_an_organisation_and_its_administrator(db):
    out = io.StringIO()
    call_command(
        "organisation_add",
        "Croce Rossa Test",
        "--kind",
        "volunteer_corps",
        "--admin",
        "cri.admin",
        "--email",
        "admin@cri.example.org",
        "--first-name",
        "Carla",
        "--last-name",
        "Rossi",
        stdout=out,
    )
    organisation = Organisation.objects.get(name="Croce Rossa Test")
    membership = Membership.objects.get(organisation=organisation)
    assert membership.role == Role.ORG_ADMIN and membership.user.username == "cri.admin"
    assert organisation.pk in admin_organisation_ids(membership.user)
    assert not membership.user.has_usable_password()
    assert "password_reset" in out.getvalue()


def test_a_second_organisation_with_the_same_name_is_refused(db):
    call_command("organisation_add", "Caritas Test", "--kind", "association", "--admin", "first", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command(
            "organisation_add", "caritas test", "--kind", "association", "--admin", "second", stdout=io.StringIO()
        )
    assert Organisation.objects.filter(name__iexact="caritas test").count() == 1
    assert not Membership.objects.filter(user__username="second").exists()
