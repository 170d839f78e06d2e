"""The employment section of the dashboard: placements by contract type, open pathways by stage, outcomes — for
the coordinator's whole network or an organisation's own pathways, with a fixed number of queries."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from employment import services
from partners.roles import Role
from reports.employment_section import employment_section
from reports.periods import Period
from reports.permissions import Scope
from reports.sections import registered_sections
from tests.helpers.employment import to_follow_up, to_referral

# The employment tests' fixtures (the job centre with its service, a case whose consent covers the network) are
# shared (tests/fixtures/employment.py, tests/conftest.py); the messages are read in English as there.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]


def this_month() -> Period:
    today = timezone.localdate()
    return Period(start=today.replace(day=1), end=today)


def network_scope() -> Scope:
    return Scope(is_network=True, organisation_ids=None, acting_organisation_id=None)


def rows_of(section, key: str) -> dict[str, object]:
    table = next(table for table in section.tables if table.key == key)
    return {str(row[0]): row[1] for row in table.rows}


def test_the_section_is_registered_for_the_employment_pathway():
    assert "employment" in [registration.key for registration in registered_sections(pathway="employment")]
    assert "employment" not in [registration.key for registration in registered_sections(pathway="housing")]


def test_a_placement_counts_by_contract_type_and_its_pathway_by_stage(
    network, consenting_case, cpi, job_placement, django_assert_max_num_queries
):
    to_follow_up(network, consenting_case, cpi, job_placement, starts_on=timezone.localdate())

    with django_assert_max_num_queries(3):
        section = employment_section(scope=network_scope(), period=this_month())

    figures = {str(label): value for label, value in section.figures}
    assert figures == {"Placements in the period": 1, "Pathways open": 1, "Drop-outs in the period": 0}
    assert rows_of(section, "employment-placements")["Fixed term (tempo determinato)"] == 1
    assert rows_of(section, "employment-stages")["Follow-up"] == 1


def test_a_placement_before_the_period_is_not_counted(network, consenting_case, cpi, job_placement):
    to_follow_up(
        network,
        consenting_case,
        cpi,
        job_placement,
        starts_on=timezone.localdate().replace(day=1) - datetime.timedelta(days=1),
    )

    section = employment_section(scope=network_scope(), period=this_month())

    assert sum(rows_of(section, "employment-placements").values()) == 0


def test_a_drop_out_counts_as_an_outcome_of_the_period(network, consenting_case, cpi, job_placement):
    pathway = to_referral(network, consenting_case, cpi, job_placement)
    services.pathway_drop_out(
        actor=network.user("a", Role.CASE_MANAGER), pathway_id=pathway.pk, note="Trasferito in un'altra regione"
    )

    section = employment_section(scope=network_scope(), period=this_month())

    assert rows_of(section, "employment-outcomes")["Dropped out"] == 1
    assert {str(label): value for label, value in section.figures}["Pathways open"] == 0


def test_an_organisation_sees_only_pathways_it_leads_or_serves(network, consenting_case, cpi, job_placement):
    to_follow_up(network, consenting_case, cpi, job_placement, starts_on=timezone.localdate())

    def placements_for(organisation) -> int:
        scope = Scope(is_network=False, organisation_ids=(organisation.pk,), acting_organisation_id=organisation.pk)
        return sum(rows_of(employment_section(scope=scope, period=this_month()), "employment-placements").values())

    assert placements_for(network.org_a) == 1  # the lead
    assert placements_for(cpi) == 1  # the employment service
    assert placements_for(network.org_b) == 0
