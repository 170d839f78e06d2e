"""CSV cells are formula-safe; a pathway app's section shows on the dashboard, in the CSV and in the PDF; the
dashboard's case codes open the case only through the normal per-case permission, audited."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from core.models import AuditAction, AuditEntry
from partners.roles import Role
from reports import sections
from reports.csv import safe_cell, table_csv
from reports.sections import Section, Table, register_section, registered_sections
from tests.factories import login


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("Caritas", "Caritas"),
        (-3, "-3"),
        (2.5, "2.5"),
        (None, ""),
        (datetime.date(2025, 1, 31), "2025-01-31"),
    ],
)
def test_csv_cells_never_start_a_formula(value, expected):
    assert safe_cell(value) == expected


def test_csv_has_a_bom_semicolons_and_quotes():
    table = Table(key="t", title="T", columns=("Organisation", "Note"), rows=[("A; B", "=1+1"), ("C", 'say "hi"')])
    text = table_csv(table).decode("utf-8")
    assert text.startswith("\ufeff")
    assert text.splitlines()[1:] == ['"A; B";\'=1+1', 'C;"say ""hi"""']


@pytest.fixture
def housing_section(monkeypatch):
    """A registry of this test's own holding one fake section: the app's registrations are left as they were."""
    monkeypatch.setattr(sections, "_SECTIONS", {})
    calls = []

    def provider(*, scope, period):
        calls.append((scope, period))
        rows = [("Dormitorio Test", 10, 8)] if scope.organisation_ids is None else []
        return Section(
            key="housing",
            title="Housing occupancy",
            figures=(("Beds", 10),),
            tables=(
                Table(
                    key="housing-occupancy",
                    title="Occupancy by resource",
                    columns=("Resource", "Beds", "Occupied"),
                    rows=rows,
                    chart_columns=(2,),
                ),
            ),
        )

    register_section(key="housing", title="Housing", provider=provider, pathway="housing", order=10)
    return calls


def test_a_registered_section_is_on_the_dashboard_and_exports(client, network, housing_section):
    login(client, network, "m", Role.COORDINATOR)
    body = client.get(reverse("reports:home")).content.decode()
    assert "Occupancy by resource" in body and "Dormitorio Test" in body
    csv = client.get(reverse("reports:export_csv", args=["housing-occupancy"])).content.decode("utf-8-sig")
    assert "Dormitorio Test;10;8" in csv
    assert housing_section[0][0].organisation_ids is None


def test_a_registered_section_gets_the_org_admins_scope(client, network, housing_section):
    login(client, network, "a", Role.ORG_ADMIN)
    body = client.get(reverse("reports:home")).content.decode()
    assert "Occupancy by resource" in body and "Dormitorio Test" not in body
    assert housing_section[-1][0].organisation_ids == (network.org_a.pk,)


def test_the_pathway_filter_leaves_out_other_pathways_sections(housing_section):
    assert [r.key for r in registered_sections(pathway="case")] == []
    assert [r.key for r in registered_sections(pathway="housing")] == ["housing"]
    assert [r.key for r in registered_sections()] == ["housing"]


def test_a_case_code_opens_the_case_for_who_may_see_it_and_is_audited(client, network, case_a):
    user = login(client, network, "a", Role.ORG_ADMIN)
    response = client.get(reverse("reports:case_open", args=[case_a.code]))
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:case_detail", args=[case_a.pk])
    entry = AuditEntry.objects.get(user=user, action=AuditAction.READ, case_id=case_a.pk)
    assert entry.detail == {"from": "reports_dashboard"}


@pytest.mark.parametrize(("org_key", "role"), [("m", Role.COORDINATOR), ("b", Role.ORG_ADMIN)])
def test_a_case_code_without_a_grant_is_404(client, network, case_a, org_key, role):
    user = login(client, network, org_key, role)
    assert client.get(reverse("reports:case_open", args=[case_a.code])).status_code == 404
    assert client.get(reverse("reports:case_open", args=["NOPE"])).status_code == 404
    assert not AuditEntry.objects.filter(user=user, case_id=case_a.pk).exists()
