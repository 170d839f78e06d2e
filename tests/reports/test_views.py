"""The dashboard pages: who sees them, which organisations, no names, CSV export, the redirect to a case."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Case, Household, Intervention, InterventionKind
from cases.permissions.grants import grant_user_case_view
from cases.services import intervention_record
from core.models import AuditAction, AuditEntry
from partners.roles import Role
from tests.factories import login, open_case, register_person
from tests.helpers.reports import at

YEAR_QUERY = {"start": "2025-01-01", "end": "2025-12-31"}


@pytest.fixture
def crafted(network, history, case_a):
    """Case A (Giulia Bianchi, at A) and a case at B (Mario Verdi), each with a task waiting and one done."""
    manager_b = network.user("b", Role.CASE_MANAGER)
    person_b = register_person(manager_b, network.org_b, first_name="Mario", last_name="Verdi")
    case_b = open_case(manager_b, network.org_b, person_b)
    history.task(case_a, step="assess", organisation=network.org_a, created=at(3, 1), finished=at(3, 2))
    history.task(case_a, step="triage", organisation=network.org_a, created=at(3, 2))
    history.task(case_b, step="assess", organisation=network.org_b, created=at(4, 1), finished=at(4, 11))
    history.task(case_b, step="triage", organisation=network.org_b, created=at(4, 11))
    Case.objects.filter(pk__in=[case_a.pk, case_b.pk]).update(opened_on=datetime.date(2025, 3, 1))
    return case_a, case_b


@pytest.mark.parametrize(
    ("org_key", "role", "status"),
    [
        ("m", Role.COORDINATOR, 200),
        ("a", Role.ORG_ADMIN, 200),
        ("b", Role.ORG_ADMIN, 200),
        ("a", Role.CASE_MANAGER, 404),
        ("a", Role.OPERATOR, 404),
        ("a", Role.VOLUNTEER, 404),
        ("m", Role.CASE_MANAGER, 404),
    ],
)
@pytest.mark.parametrize("url_name", ["reports:home", "reports:bottlenecks", "reports:network_report_pdf"])
def test_who_may_see_the_oversight_pages(client, network, org_key, role, status, url_name):
    login(client, network, org_key, role)
    assert client.get(reverse(url_name)).status_code == status


def test_anonymous_users_are_sent_to_the_login(client, db):
    response = client.get(reverse("reports:home"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_coordinator_sees_the_network_without_names(client, network, crafted):
    login(client, network, "m", Role.COORDINATOR)
    response = client.get(reverse("reports:home"), YEAR_QUERY)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Caritas Test" in body and "Cooperativa Test" in body
    for secret in ("Giulia", "Bianchi", "Mario", "Verdi", "BNCGLI80A41F205F"):
        assert secret not in body


def test_an_org_admin_sees_only_its_own_organisation(client, network, crafted):
    login(client, network, "a", Role.ORG_ADMIN)
    body = client.get(reverse("reports:home"), YEAR_QUERY).content.decode()
    assert "Caritas Test" in body
    assert "Cooperativa Test" not in body  # not even in the organisation filter
    rows = client.get(reverse("reports:export_csv", args=["steps"]), YEAR_QUERY).content.decode("utf-8-sig")
    assert rows.strip().splitlines()[1:] and all(";1;" in r or ";0;" in r for r in rows.strip().splitlines()[1:])


def test_an_org_admin_asking_for_another_organisation_gets_404(client, network, crafted):
    login(client, network, "a", Role.ORG_ADMIN)
    response = client.get(reverse("reports:home"), {**YEAR_QUERY, "organisation": network.org_b.pk})
    assert response.status_code == 404


def test_an_organisation_that_does_not_exist_is_404(client, network):
    login(client, network, "m", Role.COORDINATOR)
    assert client.get(reverse("reports:home"), {"organisation": "999999"}).status_code == 404


def test_the_coordinator_may_narrow_to_one_organisation(client, network, crafted):
    login(client, network, "m", Role.COORDINATOR)
    response = client.get(
        reverse("reports:export_csv", args=["caseload-organisations"]), {**YEAR_QUERY, "organisation": network.org_b.pk}
    )
    rows = response.content.decode("utf-8-sig").strip().splitlines()[1:]
    assert [r.split(";")[0] for r in rows] == ["Cooperativa Test"]


@pytest.mark.parametrize(
    "query",
    [
        {"start": "not a date"},
        {"start": "2025-12-31", "end": "2025-01-01"},
        {"organisation": "abc"},
        {"pathway": "nope"},
        {"start": "1900-01-01", "end": "2025-01-01"},
    ],
)
def test_bad_filters_never_answer_500(client, network, crafted, query):
    login(client, network, "m", Role.COORDINATOR)
    response = client.get(reverse("reports:home"), query)
    assert response.status_code == 200
    assert "alert-warning" in response.content.decode()


def test_the_pathway_filter_keeps_one_flow(client, network, crafted):
    login(client, network, "m", Role.COORDINATOR)
    response = client.get(reverse("reports:export_csv", args=["steps"]), {**YEAR_QUERY, "pathway": "handoff"})
    lines = response.content.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 1  # the header only: every crafted task is in the case flow


def test_csv_export_of_a_table_is_audited(client, network, crafted):
    user = login(client, network, "m", Role.COORDINATOR)
    response = client.get(reverse("reports:export_csv", args=["caseload-organisations"]), YEAR_QUERY)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    header, *rows = text.strip().splitlines()
    assert header.split(";")[0] == "Organisation" or header.split(";")[0] == "Organizzazione"
    assert sorted(r.split(";")[0] for r in rows) == ["Caritas Test", "Cooperativa Test"]
    entry = AuditEntry.objects.get(user=user, action=AuditAction.EXPORT)
    assert entry.detail["table"] == "caseload-organisations"
    assert entry.detail["organisations"] == "network"
    assert entry.organisation_id == network.municipality.pk


def test_every_dashboard_table_exports(client, network, crafted):
    from reports.dashboard import build_dashboard, table_keys
    from reports.periods import Period
    from reports.permissions import oversight_scope_for

    user = login(client, network, "m", Role.COORDINATOR)
    keys = table_keys(build_dashboard(scope=oversight_scope_for(user), period=Period.default()))
    assert len(keys) >= 8
    for key in keys:
        assert client.get(reverse("reports:export_csv", args=[key])).status_code == 200


def test_exporting_a_table_builds_its_section_only(client, network, crafted, django_assert_max_num_queries):
    from reports.dashboard import CORE_TABLE_KEYS, build_dashboard
    from reports.periods import Period
    from reports.permissions import oversight_scope_for

    user = login(client, network, "m", Role.COORDINATOR)
    scope, period = oversight_scope_for(user), Period.default()
    for build, keys in CORE_TABLE_KEYS.items():  # the static map says what the builders really build
        assert tuple(t.key for t in build(scope=scope, period=period).tables) == keys
    everything = len(build_dashboard(scope=scope, period=period))
    assert everything > len(CORE_TABLE_KEYS)
    client.get(reverse("reports:export_csv", args=["caseload-organisations"]))  # warm the session
    # The caseload section's 7 queries (and around one of them a savepoint pair, plus a SET on PostgreSQL), the
    # reader's scope, the session, the audit row: not the 25-odd of the whole dashboard.
    with django_assert_max_num_queries(18):
        response = client.get(reverse("reports:export_csv", args=["caseload-organisations"]))
    assert response.status_code == 200
    assert client.get(reverse("reports:export_csv", args=["no-such-table"])).status_code == 404


def test_unknown_table_is_404(client, network):
    login(client, network, "m", Role.COORDINATOR)
    assert client.get(reverse("reports:export_csv", args=["nope"])).status_code == 404


def test_the_bottleneck_map_colours_the_steps(client, network, crafted):
    login(client, network, "m", Role.COORDINATOR)
    body = client.get(reverse("reports:bottlenecks"), YEAR_QUERY).content.decode()
    assert 'data-step="assess"' in body and 'data-step="triage"' in body
    assert "tv-heat-3" in body  # the longest wait of the case flow
    assert "Giulia" not in body and "Bianchi" not in body


def test_dashboard_query_count_does_not_grow_with_rows(client, network, history, case_a, django_assert_max_num_queries):
    login(client, network, "m", Role.COORDINATOR)
    client.get(reverse("reports:home"), YEAR_QUERY)  # warm the session and the content types
    with django_assert_max_num_queries(40) as small:
        client.get(reverse("reports:home"), YEAR_QUERY)
    manager = network.user("a", Role.CASE_MANAGER)
    for i in range(15):
        case = open_case(manager, network.org_a)
        history.task(case, step="assess", organisation=network.org_a, created=at(2, 1 + i), finished=at(2, 2 + i))
        intervention_record(
            actor=manager, case=case, kind=InterventionKind.FOOD_PARCEL, delivered_on=datetime.date(2025, 2, 1)
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("reports:home"), YEAR_QUERY)


@pytest.fixture
def shared_household(network, case_a):
    """A household helped with food parcels on case A (at A) and on a case led by the municipality, which the
    coordinator was asked to look at (a per-user grant): the duplicate-aid table lists both case codes."""
    manager_m = network.user("m", Role.CASE_MANAGER)
    person_m = register_person(manager_m, network.municipality, first_name="Anna", last_name="Neri")
    case_m = open_case(manager_m, network.municipality, person_m)
    family = Household.objects.create(name="Esposito", registered_by=network.org_a)
    Case.objects.filter(pk__in=[case_a.pk, case_m.pk]).update(household=family)
    case_a.refresh_from_db()
    case_m.refresh_from_db()
    for case, org in ((case_a, network.org_a), (case_m, network.municipality)):
        Intervention.objects.create(
            case=case,
            organisation=org,
            kind=InterventionKind.FOOD_PARCEL,
            delivered_on=datetime.date(2025, 3, 15),
            quantity=1,
            recorded_by=case.case_manager,
        )
    grant_user_case_view(case_m, network.user("m", Role.COORDINATOR))
    return case_a, case_m


def test_the_coordinator_follows_a_case_code_link_to_the_audited_step(client, network, shared_household):
    case_a, case_m = shared_household
    user = login(client, network, "m", Role.COORDINATOR)
    body = client.get(reverse("reports:home"), YEAR_QUERY).content.decode()
    link = reverse("reports:case_open", args=[case_m.code])
    assert f'href="{link}"' in body
    response = client.get(link)
    assert response.status_code == 302 and response["Location"] == reverse("cases:case_detail", args=[case_m.pk])
    assert client.get(response["Location"]).status_code == 200
    assert AuditEntry.objects.filter(
        user=user, action=AuditAction.READ, case_id=case_m.pk, detail={"from": "reports_dashboard"}
    ).exists()


def test_a_case_code_the_reader_may_not_open_is_shown_without_a_link(client, network, shared_household):
    case_a, _case_m = shared_household
    login(client, network, "m", Role.COORDINATOR)
    body = client.get(reverse("reports:home"), YEAR_QUERY).content.decode()
    assert case_a.code in body
    assert reverse("reports:case_open", args=[case_a.code]) not in body
    login(client, network, "b", Role.ORG_ADMIN)
    assert client.get(reverse("reports:case_open", args=[case_a.code])).status_code == 404


def test_case_code_links_cost_one_query_whatever_the_rows(client, network, shared_household):
    case_a, case_m = shared_household
    login(client, network, "m", Role.COORDINATOR)
    client.get(reverse("reports:home"), YEAR_QUERY)  # warm the session and the content types
    with CaptureQueriesContext(connection) as one_row:
        client.get(reverse("reports:home"), YEAR_QUERY)
    for case, org in ((case_a, network.org_a), (case_m, network.municipality)):
        Intervention.objects.create(
            case=case,
            organisation=org,
            kind=InterventionKind.MEAL,
            delivered_on=datetime.date(2025, 4, 1),
            quantity=1,
            recorded_by=case.case_manager,
        )
    with CaptureQueriesContext(connection) as two_rows:
        body = client.get(reverse("reports:home"), YEAR_QUERY).content.decode()
    assert body.count(f'href="{reverse("reports:case_open", args=[case_m.code])}"') == 2
    assert len(two_rows) == len(one_row)


def test_the_count_columns_agree_in_number_in_italian(client, network, crafted):
    from django.utils import translation

    from reports.dashboard import build_dashboard
    from reports.periods import Period
    from reports.permissions import oversight_scope_for

    user = login(client, network, "m", Role.COORDINATOR)
    with translation.override("it"):
        sections = build_dashboard(scope=oversight_scope_for(user), period=Period.default())
        columns = {table.key: [str(c) for c in table.columns] for section in sections for table in section.tables}
    assert columns["caseload-organisations"][2:] == ["Aperti", "Chiusi"]
    assert columns["cases-per-month"][1:] == ["Aperti", "Chiusi"]
