"""The permission matrix of the employment data: the case's access decides, never a rule of this app."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from employment import permissions, selectors, services
from employment.models import EmployabilityProfile
from partners.roles import Role
from tests.helpers.employment import PROFILE, save_profile, to_referral, to_training
from workflows.services import handoffs

pytestmark = pytest.mark.django_db

ACTORS = [
    ("a", Role.CASE_MANAGER),
    ("a", Role.OPERATOR),
    ("a", Role.VOLUNTEER),
    ("a", Role.ORG_ADMIN),
    ("b", Role.CASE_MANAGER),
    ("b", Role.OPERATOR),
    ("m", Role.COORDINATOR),
    ("m", Role.CASE_MANAGER),
    ("cpi", Role.OPERATOR),
    ("cpi", Role.CASE_MANAGER),
]
# (read the profile, change it) for each actor on case A, led by organisation A, before any referral.
EXPECTED = {
    ("a", Role.CASE_MANAGER): (True, True),
    ("a", Role.OPERATOR): (True, False),
    ("a", Role.ORG_ADMIN): (True, False),
}


@pytest.mark.parametrize(("org", "role"), ACTORS)
def test_the_profile_follows_the_case_capabilities(network, consenting_case, cpi, org, role):
    save_profile(network.user("a", Role.CASE_MANAGER), consenting_case)
    user = network.user(org, role)
    can_read, can_change = EXPECTED.get((org, role), (False, False))

    assert permissions.can_read_profile(user, consenting_case) is can_read
    assert permissions.can_change_profile(user, consenting_case) is can_change
    if can_read:
        assert selectors.profile_get_for(user=user, case=consenting_case) is not None
    else:
        with pytest.raises(Http404):
            selectors.profile_get_for(user=user, case=consenting_case)
    if not can_change:
        with pytest.raises(PermissionDenied):
            services.profile_save(actor=user, case=consenting_case, **PROFILE)
        assert EmployabilityProfile.objects.get(case=consenting_case).updated_by == network.user("a", Role.CASE_MANAGER)


def test_the_employment_service_reads_the_profile_once_it_accepted(network, consenting_case, cpi, job_placement):
    operator = network.user("cpi", Role.OPERATOR)
    to_referral(network, consenting_case, cpi, job_placement)
    assert not permissions.can_read_profile(operator, consenting_case)

    handoffs.handoff_accept(actor=operator, handoff_id=consenting_case.handoffs.get().pk)

    fresh = type(consenting_case).objects.get(pk=consenting_case.pk)
    assert permissions.can_read_profile(operator, fresh)
    assert not permissions.can_change_profile(operator, fresh)
    assert permissions.case_worker_membership(operator, fresh, provider_id=cpi.pk).organisation_id == cpi.pk


def test_pathway_lists_are_scoped_and_bounded(
    network, consenting_case, cpi, job_placement, django_assert_max_num_queries
):
    to_training(network, consenting_case, cpi, job_placement)

    with django_assert_max_num_queries(3):
        mine = list(selectors.pathway_list_for(user=network.user("cpi", Role.OPERATOR)))
        others = list(selectors.pathway_list_for(user=network.user("b", Role.CASE_MANAGER)))
    assert [p.case_id for p in mine] == [consenting_case.pk] and others == []
    assert selectors.coordinator_figures(user=network.user("a", Role.CASE_MANAGER)) is None
    assert list(selectors.coordinator_pathways(user=network.user("a", Role.CASE_MANAGER))) == []
