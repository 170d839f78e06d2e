"""The audit log page: who sees which entries, filters, constant query count, CSV export."""

import csv
import datetime
import io

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from core.audit import audit_record
from core.models import AuditAction, AuditEntry
from partners.roles import Role


@pytest.fixture(autouse=True)
def english(client):
    """Assertions read English text: ask for it, so they still hold once locale/it is translated."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def entries(network):
    reader_a, reader_b = network.user("a", Role.OPERATOR), network.user("b", Role.OPERATOR)
    audit_record(
        actor=reader_a,
        action=AuditAction.READ,
        object_type="cases.case",
        object_id="A-ENTRY",
        organisation=network.org_a,
        case_id=101,
        person_id=11,
    )
    audit_record(
        actor=reader_b,
        action=AuditAction.DOWNLOAD,
        object_type="cases.document",
        object_id="B-ENTRY",
        organisation=network.org_b,
        case_id=202,
        person_id=22,
    )


def _page(client, **params):
    return client.get(reverse("partners:audit_log"), params).content.decode()


def test_org_admin_sees_only_their_organisations_entries(client, network, entries):
    client.force_login(network.user("a", Role.ORG_ADMIN))

    html = _page(client)

    assert "A-ENTRY" in html
    assert "B-ENTRY" not in html


def test_coordinator_sees_every_entry(client, network, entries):
    client.force_login(network.user("m", Role.COORDINATOR))

    html = _page(client)

    assert "A-ENTRY" in html
    assert "B-ENTRY" in html


@pytest.mark.parametrize(
    ("org_key", "role"),
    [("a", Role.OPERATOR), ("a", Role.CASE_MANAGER), ("a", Role.VOLUNTEER), ("m", Role.CASE_MANAGER)],
)
def test_other_roles_get_404(client, network, entries, org_key, role):
    client.force_login(network.user(org_key, role))

    assert client.get(reverse("partners:audit_log")).status_code == 404
    assert client.get(reverse("partners:audit_log"), {"format": "csv"}).status_code == 404


@pytest.mark.parametrize(
    ("params", "shown", "hidden"),
    [
        ({"action": AuditAction.DOWNLOAD}, "B-ENTRY", "A-ENTRY"),
        ({"user": "A_OPER"}, "A-ENTRY", "B-ENTRY"),
        ({"case": "202"}, "B-ENTRY", "A-ENTRY"),
    ],
)
def test_filters(client, network, entries, params, shown, hidden):
    client.force_login(network.user("m", Role.COORDINATOR))

    html = _page(client, **params)

    assert shown in html
    assert hidden not in html


def test_date_filters_include_whole_days(client, network, entries):
    AuditEntry.objects.filter(object_id="A-ENTRY").update(
        at=timezone.make_aware(datetime.datetime(2026, 3, 10, 23, 30))
    )
    client.force_login(network.user("m", Role.COORDINATOR))

    assert "A-ENTRY" in _page(client, date_from="2026-03-10", date_to="2026-03-10")
    assert "A-ENTRY" not in _page(client, date_from="2026-03-11")
    assert "A-ENTRY" not in _page(client, date_to="2026-03-09")


def test_invalid_filters_show_an_error_not_a_500(client, network, entries):
    client.force_login(network.user("m", Role.COORDINATOR))

    response = client.get(
        reverse("partners:audit_log"),
        {"case": "abc", "date_from": "2026-05-02", "date_to": "2026-05-01", "page": "zzz"},
    )

    assert response.status_code == 200
    assert "The end date is before the start date." in response.content.decode()


def test_list_is_paginated_with_constant_query_count(client, network, django_assert_max_num_queries):
    reader = network.user("a", Role.OPERATOR)
    AuditEntry.objects.bulk_create(
        AuditEntry(
            user=reader,
            username=reader.username,
            organisation=network.org_a,
            action=AuditAction.READ,
            object_type="cases.case",
            object_id=f"bulk-{number}",
            case_id=number,
        )
        for number in range(200)
    )
    client.force_login(network.user("a", Role.ORG_ADMIN))

    with django_assert_max_num_queries(10):
        first = _page(client)
    with django_assert_max_num_queries(10):
        second = _page(client, page=2)

    assert first.count("bulk-") == 50
    assert second.count("bulk-") == 50
    assert "bulk-199" in first and "bulk-199" not in second


def _csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_csv_export_has_the_filtered_rows_and_is_audited(client, network, entries):
    coordinator = network.user("m", Role.COORDINATOR)
    client.force_login(coordinator)

    response = client.get(reverse("partners:audit_log"), {"format": "csv", "case": "202"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv_rows(response)
    assert len(rows) == 2  # header + the one entry of case 202
    assert "B-ENTRY" in rows[1]
    export = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert export.user == coordinator
    assert export.organisation == network.municipality
    assert export.detail == {"filters": {"case": "202"}, "rows": 1}


def test_org_admin_csv_export_is_limited_to_their_organisation(client, network, entries):
    client.force_login(network.user("a", Role.ORG_ADMIN))

    rows = _csv_rows(client.get(reverse("partners:audit_log"), {"format": "csv"}))

    body = "\n".join(",".join(row) for row in rows)
    assert "A-ENTRY" in body
    assert "B-ENTRY" not in body
    assert AuditEntry.objects.get(action=AuditAction.EXPORT).organisation == network.org_a


def test_csv_export_neutralises_spreadsheet_formulas(client, network):
    audit_record(
        actor=None,
        action=AuditAction.SEARCH,
        object_type="cases.person",
        object_id="=HYPERLINK(1)",
        organisation=network.org_a,
    )
    client.force_login(network.user("a", Role.ORG_ADMIN))

    rows = _csv_rows(client.get(reverse("partners:audit_log"), {"format": "csv", "action": "search"}))

    assert rows[1][5] == "'=HYPERLINK(1)"
