"""An organisation's administrator manages its members; nobody else even sees the pages."""

import re
from html import unescape

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from core.models import AuditAction, AuditEntry
from partners.models import Membership
from partners.roles import Role
from tests.factories import PASSWORD


@pytest.fixture(autouse=True)
def english(client):
    """Assertions read English text: ask for it, so they still hold once locale/it is translated."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


User = get_user_model()

OUTSIDERS = [("b", Role.ORG_ADMIN), ("a", Role.CASE_MANAGER), ("a", Role.OPERATOR), ("m", Role.COORDINATOR)]


def _membership(network, org_key, role) -> Membership:
    organisation = {"a": network.org_a, "b": network.org_b, "m": network.municipality}[org_key]
    return Membership.objects.get(user=network.user(org_key, role), organisation=organisation)


def _urls(network):
    org = network.org_a.pk
    operator = _membership(network, "a", Role.OPERATOR)
    return [
        reverse("partners:member_list", args=[org]),
        reverse("partners:member_add", args=[org]),
        reverse("partners:member_edit", args=[org, operator.pk]),
    ]


def _new_member_data(**overrides):
    data = {
        "account": "new",
        "username": "newbie",
        "role": Role.OPERATOR,
        "first_name": "Nina",
        "last_name": "Nuova",
        "email": "nina@example.org",
    }
    data.update(overrides)
    return data


# --- who may manage members -------------------------------------------------------------------------


def test_org_admin_of_the_organisation_may_open_every_member_page(client, network):
    client.force_login(network.user("a", Role.ORG_ADMIN))

    for url in _urls(network):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(("org_key", "role"), OUTSIDERS)
def test_anyone_else_gets_404_on_member_pages(client, network, org_key, role):
    client.force_login(network.user(org_key, role))

    for url in _urls(network):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize(("org_key", "role"), OUTSIDERS)
def test_anyone_else_cannot_add_members(client, network, org_key, role):
    client.force_login(network.user(org_key, role))

    response = client.post(reverse("partners:member_add", args=[network.org_a.pk]), _new_member_data())

    assert response.status_code == 404
    assert not User.objects.filter(username="newbie").exists()


@pytest.mark.parametrize(("org_key", "role"), OUTSIDERS)
def test_anyone_else_cannot_deactivate_members(client, network, org_key, role):
    target = _membership(network, "a", Role.VOLUNTEER)
    client.force_login(network.user(org_key, role))

    response = client.post(
        reverse("partners:member_edit", args=[network.org_a.pk, target.pk]), {"action": "deactivate"}
    )

    assert response.status_code == 404
    target.refresh_from_db()
    assert target.is_active


def test_a_membership_of_another_organisation_is_404_even_for_an_admin(client, network):
    other = _membership(network, "b", Role.OPERATOR)
    client.force_login(network.user("a", Role.ORG_ADMIN))

    response = client.get(reverse("partners:member_edit", args=[network.org_a.pk, other.pk]))

    assert response.status_code == 404


# --- member list ---------------------------------------------------------------------------------------


def test_member_list_shows_the_organisations_members_only(client, network):
    client.force_login(network.user("a", Role.ORG_ADMIN))

    html = client.get(reverse("partners:member_list", args=[network.org_a.pk])).content.decode()

    assert "a_case_manager" in html
    assert "a_volunteer@example.org" in html
    assert "Organisation administrator" in html
    assert "b_case_manager" not in html


def test_member_list_query_count_is_constant(client, network, django_assert_max_num_queries):
    from partners import services

    for number in range(30):
        user = User.objects.create(username=f"bulk{number}", email=f"bulk{number}@example.org")
        services.membership_add(organisation=network.org_a, user=user, role=Role.OPERATOR)
    client.force_login(network.user("a", Role.ORG_ADMIN))

    with django_assert_max_num_queries(10):
        response = client.get(reverse("partners:member_list", args=[network.org_a.pk]))

    assert response.content.decode().count("bulk") >= 30


# --- adding members -----------------------------------------------------------------------------------


def test_adding_a_new_account_creates_membership_group_membership_and_audit_row(client, network):
    admin = network.user("a", Role.ORG_ADMIN)
    client.force_login(admin)

    response = client.post(reverse("partners:member_add", args=[network.org_a.pk]), _new_member_data())

    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    assert (user.first_name, user.last_name, user.email) == ("Nina", "Nuova", "nina@example.org")
    assert not user.has_usable_password()
    membership = Membership.objects.get(user=user, organisation=network.org_a)
    assert membership.role == Role.OPERATOR and membership.is_active
    assert user.groups.filter(pk=network.org_a.group_id).exists()
    entry = AuditEntry.objects.get(object_type="partners.membership", object_id=str(membership.pk))
    assert (entry.action, entry.user, entry.organisation) == (AuditAction.CREATE, admin, network.org_a)


def test_a_new_account_gets_an_email_to_choose_a_password(client, network):
    client.force_login(network.user("a", Role.ORG_ADMIN))

    client.post(reverse("partners:member_add", args=[network.org_a.pk]), _new_member_data())

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nina@example.org"]
    assert "Caritas Test" in message.subject
    assert "newbie" in message.body
    assert re.search(r"http://testserver/accounts/reset/[^/\s]+/[^/\s]+/", message.body)


def test_the_setup_link_lets_the_new_member_choose_a_password_and_log_in(client, network):
    client.force_login(network.user("a", Role.ORG_ADMIN))
    client.post(reverse("partners:member_add", args=[network.org_a.pk]), _new_member_data())
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    client.logout()

    form_url = client.get(link)["Location"]  # Django swaps the token for a session key
    response = client.post(
        form_url, {"new_password1": "una-password-lunga-2026", "new_password2": "una-password-lunga-2026"}
    )

    assert response.status_code == 302
    assert client.login(username="newbie", password="una-password-lunga-2026")


def test_adding_an_existing_account_sends_no_email(client, network):
    client.force_login(network.user("a", Role.ORG_ADMIN))

    response = client.post(
        reverse("partners:member_add", args=[network.org_a.pk]),
        {"account": "existing", "username": "b_operator", "role": Role.VOLUNTEER},
    )

    assert response.status_code == 302
    membership = Membership.objects.get(user=network.user("b", Role.OPERATOR), organisation=network.org_a)
    assert membership.role == Role.VOLUNTEER
    assert mail.outbox == []


def test_a_new_account_needs_name_and_email(client, network):
    client.force_login(network.user("a", Role.ORG_ADMIN))

    response = client.post(
        reverse("partners:member_add", args=[network.org_a.pk]), _new_member_data(email="", first_name="")
    )

    assert response.status_code == 200
    assert "This field is required for a new account." in response.content.decode()
    assert not User.objects.filter(username="newbie").exists()


def test_a_new_account_cannot_take_an_existing_username(client, network):
    client.force_login(network.user("a", Role.ORG_ADMIN))

    response = client.post(
        reverse("partners:member_add", args=[network.org_a.pk]), _new_member_data(username="B_Operator")
    )

    assert response.status_code == 200
    assert "This username is already taken." in response.content.decode()
    assert not Membership.objects.filter(user=network.user("b", Role.OPERATOR), organisation=network.org_a).exists()


def test_an_existing_account_must_exist(client, network):
    client.force_login(network.user("a", Role.ORG_ADMIN))

    response = client.post(
        reverse("partners:member_add", args=[network.org_a.pk]),
        {"account": "existing", "username": "nobody", "role": Role.OPERATOR},
    )

    assert response.status_code == 200
    assert "There is no account with this username." in response.content.decode()


def test_adding_someone_who_is_already_a_member_shows_the_service_error(client, network):
    client.force_login(network.user("a", Role.ORG_ADMIN))

    response = client.post(
        reverse("partners:member_add", args=[network.org_a.pk]),
        {"account": "existing", "username": "a_operator", "role": Role.VOLUNTEER},
    )

    assert response.status_code == 200
    assert "already a member of the organisation" in response.content.decode()
    assert _membership(network, "a", Role.OPERATOR).role == Role.OPERATOR


def test_a_partner_organisation_cannot_have_coordinators(client, network):
    client.force_login(network.user("a", Role.ORG_ADMIN))

    response = client.post(
        reverse("partners:member_add", args=[network.org_a.pk]), _new_member_data(role=Role.COORDINATOR)
    )

    assert response.status_code == 200
    assert not User.objects.filter(username="newbie").exists()


# --- changing role ------------------------------------------------------------------------------------


def test_changing_a_role_saves_it_and_writes_an_audit_row(client, network):
    admin = network.user("a", Role.ORG_ADMIN)
    target = _membership(network, "a", Role.OPERATOR)
    client.force_login(admin)

    response = client.post(
        reverse("partners:member_edit", args=[network.org_a.pk, target.pk]),
        {"action": "role", "role": Role.CASE_MANAGER},
    )

    assert response.status_code == 302
    target.refresh_from_db()
    assert target.role == Role.CASE_MANAGER
    entry = AuditEntry.objects.filter(
        object_type="partners.membership", object_id=str(target.pk), action=AuditAction.UPDATE
    ).get()
    assert entry.user == admin
    assert entry.detail["role"] == [Role.OPERATOR, Role.CASE_MANAGER]


def test_the_last_administrator_cannot_give_up_the_role(client, network):
    admin_membership = _membership(network, "a", Role.ORG_ADMIN)
    client.force_login(network.user("a", Role.ORG_ADMIN))

    response = client.post(
        reverse("partners:member_edit", args=[network.org_a.pk, admin_membership.pk]),
        {"action": "role", "role": Role.OPERATOR},
    )

    assert response.status_code == 200
    assert "must keep at least one active administrator" in response.content.decode()
    admin_membership.refresh_from_db()
    assert admin_membership.role == Role.ORG_ADMIN


def test_the_last_administrator_cannot_be_deactivated(client, network):
    admin_membership = _membership(network, "a", Role.ORG_ADMIN)
    client.force_login(network.user("a", Role.ORG_ADMIN))

    response = client.post(
        reverse("partners:member_edit", args=[network.org_a.pk, admin_membership.pk]), {"action": "deactivate"}
    )

    assert response.status_code == 200
    assert "must keep at least one active administrator" in response.content.decode()
    admin_membership.refresh_from_db()
    assert admin_membership.is_active


def test_an_administrator_who_steps_down_is_sent_home(client, network):
    from partners import services

    admin = network.user("a", Role.ORG_ADMIN)
    services.membership_add(
        organisation=network.org_a, user=User.objects.create(username="second_admin"), role=Role.ORG_ADMIN
    )
    client.force_login(admin)

    response = client.post(
        reverse("partners:member_edit", args=[network.org_a.pk, _membership(network, "a", Role.ORG_ADMIN).pk]),
        {"action": "role", "role": Role.CASE_MANAGER},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("partners:member_list", args=[network.org_a.pk])).status_code == 404


# --- deactivation ---------------------------------------------------------------------------------------


def test_a_deactivated_member_loses_access_at_once(client, network, case_a):
    admin, manager = network.user("a", Role.ORG_ADMIN), network.user("a", Role.CASE_MANAGER)
    case_url = reverse("cases:case_detail", args=[case_a.pk])
    member_client = client.__class__()
    member_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    member_client.force_login(manager)
    assert member_client.get(case_url).status_code == 200
    client.force_login(admin)

    client.post(
        reverse("partners:member_edit", args=[network.org_a.pk, _membership(network, "a", Role.CASE_MANAGER).pk]),
        {"action": "deactivate"},
    )

    # the member's very next request, with the session they already had: it was ended (issue 18), the case unseen
    assert member_client.get(case_url)["Location"].startswith(reverse("login"))
    # logging in again, they are told why (issue 16, item 17)
    member_client.post(reverse("login"), {"username": manager.username, "password": PASSWORD})
    assert member_client.get(case_url).status_code == 403
    home = unescape(member_client.get(reverse("home")).content.decode())
    assert "Your membership is no longer active" in home
    assert not manager.groups.filter(pk=network.org_a.group_id).exists()


def test_deactivation_is_audited_and_reactivation_restores_access(client, network, case_a):
    admin, manager = network.user("a", Role.ORG_ADMIN), network.user("a", Role.CASE_MANAGER)
    membership = _membership(network, "a", Role.CASE_MANAGER)
    edit_url = reverse("partners:member_edit", args=[network.org_a.pk, membership.pk])
    client.force_login(admin)

    client.post(edit_url, {"action": "deactivate"})
    client.post(edit_url, {"action": "reactivate"})

    membership.refresh_from_db()
    assert membership.is_active
    details = list(
        AuditEntry.objects.filter(
            object_type="partners.membership", object_id=str(membership.pk), action=AuditAction.UPDATE
        )
        .order_by("id")
        .values_list("detail__active", flat=True)
    )
    assert details == [False, True]
    client.force_login(manager)
    assert client.get(reverse("cases:case_detail", args=[case_a.pk])).status_code == 200


def test_a_pending_invitation_can_be_sent_again(client, network):
    client.force_login(network.user("a", Role.ORG_ADMIN))
    client.post(reverse("partners:member_add", args=[network.org_a.pk]), _new_member_data())
    membership = Membership.objects.get(user__username="newbie")

    response = client.post(
        reverse("partners:member_edit", args=[network.org_a.pk, membership.pk]), {"action": "invite"}
    )

    assert response.status_code == 302
    assert len(mail.outbox) == 2
    assert mail.outbox[1].to == ["nina@example.org"]


def test_an_unknown_action_is_refused_without_change(client, network):
    target = _membership(network, "a", Role.OPERATOR)
    client.force_login(network.user("a", Role.ORG_ADMIN))

    response = client.post(reverse("partners:member_edit", args=[network.org_a.pk, target.pk]), {"action": "x"})

    assert response.status_code == 200
    assert "Unknown action." in response.content.decode()
