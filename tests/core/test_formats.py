"""Dates and amounts in the reader's language (issue 16, item 13): English dates day first and unambiguous
("4 Dec 2026", never 12/04/2026), Italian amounts with Italian separators ("16.000,00", never "16000.00"), on
pages, in messages written by Python and in the PDFs."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django import forms
from django.urls import reverse
from django.utils import translation

from cases import services
from housing.eligibility import check_eligibility
from housing.models import EligibilityRule, HousingProfile, ResourceKind
from partners.roles import Role

pypdf = pytest.importorskip("pypdf", reason="pypdf (a dev dependency) reads the PDFs back")

EXPIRY = datetime.date(2026, 12, 4)


@pytest.fixture
def manager_a(network, client):
    user = network.user("a", Role.CASE_MANAGER)
    client.force_login(user)
    return user


@pytest.fixture
def household(network, manager_a, case_a):
    """Case A's household, ISEE 16,000 € until 4 December 2026, and a service worth 6,500 €."""
    household = services.household_create(
        actor=manager_a,
        organisation_id=network.org_a.pk,
        name="Bianchi",
        isee_value=Decimal("16000"),
        isee_expires_on=EXPIRY,
        reference_person=case_a.person,
    )
    services.case_update(actor=manager_a, case=case_a, household=household)
    services.intervention_record(actor=manager_a, case=case_a, kind="voucher", value=Decimal("6500"))
    return household


def page(client, household, language: str) -> str:
    response = client.get(reverse("cases:household_detail", args=[household.pk]), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def pdf_text(client, case, language: str) -> str:
    response = client.get(reverse("reports:case_summary_pdf", args=[case.pk]), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    return "\n".join(p.extract_text() for p in reader.pages)


def test_an_italian_page_writes_amounts_with_italian_separators(client, household):
    content = page(client, household, "it")
    assert "€ 16.000,00" in content and "€ 6.500,00" in content
    assert "16000" not in content
    assert "04/12/2026" in content


def test_an_english_page_writes_dates_day_first(client, household):
    content = page(client, household, "en")
    assert "4 Dec 2026" in content
    assert "12/04/2026" not in content
    assert "€ 16,000.00" in content


def test_the_italian_case_summary_pdf_writes_italian_amounts(client, household, case_a):
    text = pdf_text(client, case_a, "it")
    assert "16.000,00" in text and "6.500,00" in text
    assert "16000.00" not in text and "6500.00" not in text


def test_the_english_case_summary_pdf_writes_dates_day_first(client, household, case_a):
    text = pdf_text(client, case_a, "en")
    assert "4 Dec 2026" in text
    assert "12/04/2026" not in text


def test_an_eligibility_reason_writes_the_recorded_amount_in_the_readers_language(db):
    EligibilityRule.objects.create(
        kind=ResourceKind.PUBLIC,
        field="isee",
        comparison="lte",
        threshold=Decimal("16000.00"),
        message="ISEE sopra la soglia.",
    )
    profile = HousingProfile(isee=Decimal("16500.50"), household_size=1, situation="homeless")
    with translation.override("it"):
        result = check_eligibility(profile, ResourceKind.PUBLIC)
        assert result.checks[0].requirement.endswith("16.000")
        assert "16.500,50" in result.reasons[0]


@pytest.mark.parametrize(("typed", "day"), [("04/12/2026", EXPIRY), ("4 Dec 2026", EXPIRY), ("2026-12-04", EXPIRY)])
def test_an_english_date_typed_day_first_is_read_day_first(typed, day):
    with translation.override("en"):
        assert forms.DateField().clean(typed) == day
