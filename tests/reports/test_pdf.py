"""The PDFs: the text and figures they contain (extracted with pypdf), their embedded fonts, page numbers, the
case summary's permissions and its audit row."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import translation

from cases.models import Case, Household, Intervention, InterventionKind
from cases.services import note_add
from core.models import AuditAction, AuditEntry
from partners.roles import Role
from tests.factories import login

pypdf = pytest.importorskip("pypdf", reason="pypdf (a dev dependency) reads the PDFs back")

YEAR_QUERY = {"start": "2025-01-01", "end": "2025-12-31"}


def read_pdf(content: bytes):
    reader = pypdf.PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, text


def fonts_of(reader) -> dict[str, bool]:
    """Every font the pages use -> whether its program is embedded (FontFile2 for TrueType)."""
    fonts = {}
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts[str(font.get("/BaseFont"))] = embedded
    return fonts


@pytest.fixture
def report_data(network, history, case_a):
    from tests.helpers.reports import at

    Case.objects.filter(pk=case_a.pk).update(opened_on=datetime.date(2025, 2, 1))
    history.task(case_a, step="assess", organisation=network.org_a, created=at(3, 1, 8), finished=at(3, 1, 14))
    family = Household.objects.create(name="Bianchi", registered_by=network.org_a)
    manager = network.user("a", Role.CASE_MANAGER)
    for org in (network.org_a, network.org_b):
        Intervention.objects.create(
            case=case_a,
            household=family,
            organisation=org,
            kind=InterventionKind.FOOD_PARCEL,
            delivered_on=datetime.date(2025, 4, 1),
            recorded_by=manager,
        )
    return case_a


def test_the_network_report_has_the_figures_in_italian_with_embedded_fonts(client, network, report_data):
    login(client, network, "m", Role.COORDINATOR)
    with translation.override("it"):
        response = client.get(reverse("reports:network_report_pdf"), YEAR_QUERY, HTTP_ACCEPT_LANGUAGE="it")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader, text = read_pdf(response.content)
    assert "Caritas Test" in text
    assert "Bianchi" not in text and "Giulia" not in text  # pseudonymised
    assert "Nucleo n. " in text  # the duplicate-aid signal, by the household's number
    pages = len(reader.pages)
    assert f"1 / {pages}" in text or f"1 of {pages}" in text or f"1 di {pages}" in text
    fonts = fonts_of(reader)
    assert fonts and all(fonts.values()), fonts
    assert any("Vera" in name for name in fonts)


def test_the_network_report_is_audited(client, network, report_data):
    user = login(client, network, "a", Role.ORG_ADMIN)
    client.get(reverse("reports:network_report_pdf"), YEAR_QUERY)
    entry = AuditEntry.objects.get(user=user, action=AuditAction.EXPORT)
    assert entry.object_type == "reports.network_report"
    assert entry.detail["organisations"] == [network.org_a.pk]


def test_the_org_admins_report_has_only_its_organisation(client, network, report_data):
    login(client, network, "b", Role.ORG_ADMIN)
    _reader, text = read_pdf(client.get(reverse("reports:network_report_pdf"), YEAR_QUERY).content)
    assert "Cooperativa Test" in text
    assert "assess" not in text.lower() or "Caritas Test" not in text.split("Cooperativa Test")[0]


def test_the_case_summary_has_what_the_lead_may_see(client, network, report_data):
    case = report_data
    user = login(client, network, "a", Role.CASE_MANAGER)
    note_add(actor=user, case=case, body="Colloquio del lunedì: cerca lavoro.")
    response = client.get(reverse("reports:case_summary_pdf", args=[case.pk]))
    assert response.status_code == 200
    reader, text = read_pdf(response.content)
    assert case.code in text
    assert "Giulia" in text and "Bianchi" in text and "BNCGLI80A41F205F" in text
    assert "Colloquio del lunedì" in text
    assert all(fonts_of(reader).values())
    entry = AuditEntry.objects.get(user=user, action=AuditAction.DOWNLOAD, case_id=case.pk)
    assert entry.person_id == case.person_id and entry.organisation_id == network.org_a.pk


def test_a_volunteer_gets_the_summary_without_the_file(client, network, report_data):
    case = report_data
    manager = network.user("a", Role.CASE_MANAGER)
    note_add(actor=manager, case=case, body="Nota riservata al fascicolo.")
    login(client, network, "a", Role.VOLUNTEER)
    _reader, text = read_pdf(client.get(reverse("reports:case_summary_pdf", args=[case.pk])).content)
    assert case.code in text and "Giulia" in text
    assert "BNCGLI80A41F205F" not in text and "Nota riservata" not in text


@pytest.mark.parametrize(
    ("org_key", "role"), [("b", Role.CASE_MANAGER), ("b", Role.ORG_ADMIN), ("m", Role.COORDINATOR)]
)
def test_the_case_summary_of_a_hidden_case_is_404_and_not_audited(client, network, report_data, org_key, role):
    user = login(client, network, org_key, role)
    assert client.get(reverse("reports:case_summary_pdf", args=[report_data.pk])).status_code == 404
    assert not AuditEntry.objects.filter(user=user, action=AuditAction.DOWNLOAD).exists()
