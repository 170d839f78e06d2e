import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import AuditEntry
from partners import services
from partners.models import Membership
from partners.roles import Role
from tests.factories import UserFactory, make_organisation


def test_organisation_gets_its_own_group(db):
    org = make_organisation("Banco Test")
    assert org.group.name.startswith("org:")
    with pytest.raises(ValidationError):
        make_organisation("banco test")


def test_member_joins_the_group_and_the_add_is_audited(network):
    admin = network.user("a", Role.ORG_ADMIN)
    membership = services.membership_add(
        organisation=network.org_a,
        role=Role.OPERATOR,
        actor=admin,
        username="nuovo.operatore",
        first_name="Nuovo",
        last_name="Operatore",
    )
    assert membership.user.groups.filter(pk=network.org_a.group_id).exists()
    assert not membership.user.has_usable_password()
    assert AuditEntry.objects.filter(
        action="create", object_type="partners.membership", organisation=network.org_a, user=admin
    ).exists()


def test_one_role_per_organisation(network):
    user = network.user("a", Role.OPERATOR)
    with pytest.raises(ValidationError):
        services.membership_add(organisation=network.org_a, role=Role.CASE_MANAGER, user=user)


def test_a_user_may_belong_to_several_organisations(network):
    user = network.user("a", Role.OPERATOR)
    services.membership_add(organisation=network.org_b, role=Role.VOLUNTEER, user=user)
    assert set(Membership.objects.filter(user=user).values_list("role", flat=True)) == {"operator", "volunteer"}


def test_coordinators_leave_the_group(network):
    # The coordinator reads aggregates, not files: they are not in the organisation's group.
    coordinator = network.user("m", Role.COORDINATOR)
    assert not coordinator.groups.exists()


def test_only_the_organisations_admin_manages_members(network):
    for outsider in (
        network.user("b", Role.ORG_ADMIN),
        network.user("a", Role.CASE_MANAGER),
        network.user("m", Role.COORDINATOR),
    ):
        with pytest.raises(PermissionDenied):
            services.membership_add(organisation=network.org_a, role=Role.OPERATOR, actor=outsider, user=UserFactory())


def test_role_change_moves_the_group_membership(network):
    admin = network.user("a", Role.ORG_ADMIN)
    operator = network.user("a", Role.OPERATOR)
    membership = operator.memberships.get()
    services.membership_change_role(
        organisation=network.org_a, membership_id=membership.pk, role=Role.CASE_MANAGER, actor=admin
    )
    membership.refresh_from_db()
    assert membership.role == Role.CASE_MANAGER


def test_last_admin_cannot_be_removed(network):
    admin = network.user("a", Role.ORG_ADMIN)
    own = admin.memberships.get()
    with pytest.raises(ValidationError):
        services.membership_set_active(organisation=network.org_a, membership_id=own.pk, active=False, actor=admin)
    with pytest.raises(ValidationError):
        services.membership_change_role(
            organisation=network.org_a, membership_id=own.pk, role=Role.OPERATOR, actor=admin
        )


def test_coordinator_role_only_in_the_coordinating_organisation(network):
    admin = network.user("a", Role.ORG_ADMIN)
    with pytest.raises(ValidationError):
        services.membership_add(organisation=network.org_a, role=Role.COORDINATOR, actor=admin, user=UserFactory())


def test_membership_of_another_organisation_cannot_be_edited(network):
    admin_a = network.user("a", Role.ORG_ADMIN)
    member_b = network.user("b", Role.OPERATOR).memberships.get()
    with pytest.raises(ValidationError):
        services.membership_set_active(
            organisation=network.org_a, membership_id=member_b.pk, active=False, actor=admin_a
        )
    member_b.refresh_from_db()
    assert member_b.is_active
