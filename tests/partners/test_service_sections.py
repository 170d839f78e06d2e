"""A service of the catalogue names the sections of the case file it needs (issue 16, item 3): codes checked,
defaults for the catalogue, editable in the admin."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from partners.catalogue import SERVICE_SECTIONS
from partners.forms import ServiceTypeForm
from partners.models import ServiceType, ShareSection


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def make_service(**kwargs) -> ServiceType:
    return ServiceType(code=kwargs.pop("code", "food-aid"), name=kwargs.pop("name", "Aiuti alimentari"), **kwargs)


@pytest.mark.parametrize("value", [["file", "documents"], [], list(ShareSection.values)])
def test_known_section_codes_are_valid(db, value):
    make_service(share_sections=value).full_clean()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (["file", "household"], "Unknown sections: household"),
        (["notes", "notes"], "Each section may be listed once."),
        ("file", "Give a list of section codes."),
        ([1], "Give a list of section codes."),
    ],
)
def test_unknown_or_repeated_section_codes_are_refused(db, value, message):
    with pytest.raises(ValidationError) as error:
        make_service(share_sections=value).full_clean()
    assert message in str(error.value.message_dict["share_sections"])


def test_the_admin_form_ticks_sections_and_saves_them_in_order(db):
    form = ServiceTypeForm(
        data={
            "code": "legal-aid",
            "name": "Consulenza legale",
            "sla_working_days": 3,
            "share_sections": ["documents", "file"],
        }
    )
    assert form.is_valid(), form.errors
    assert form.save().share_sections == ["file", "documents"]


def test_the_admin_edits_a_services_sections(db, admin_client):
    service = ServiceType.objects.create(code="legal-aid", name="Consulenza legale")
    url = reverse("admin:partners_servicetype_change", args=[service.pk])
    page = admin_client.get(url).content.decode()
    assert 'type="checkbox" name="share_sections" value="documents"' in page
    response = admin_client.post(
        url,
        {
            "code": "legal-aid",
            "name": "Consulenza legale",
            "description": "",
            "sla_working_days": 3,
            "share_sections": ["file", "documents"],
        },
    )
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.share_sections == ["file", "documents"]
    listing = admin_client.get(reverse("admin:partners_servicetype_changelist")).content.decode()
    assert "Dati anagrafici, valutazione e progetto, Documenti" in listing  # the admin speaks Italian


def test_the_migration_sets_the_catalogues_defaults_and_keeps_edited_rows(db):
    migration = importlib.import_module("partners.migrations.0003_servicetype_share_sections")
    housing = ServiceType.objects.create(code="social-housing-support", name="Abitare")
    edited = ServiceType.objects.create(code="food-aid", name="Cibo", share_sections=["notes"])
    clothing = ServiceType.objects.create(code="clothing", name="Guardaroba")
    migration.set_defaults(apps, None)
    for service in (housing, edited, clothing):
        service.refresh_from_db()
    assert housing.share_sections == ["file", "documents"]
    assert edited.share_sections == ["notes"]
    assert clothing.share_sections == []
    # The migration's frozen copy and the catalogue's defaults say the same thing.
    assert migration.DEFAULTS == SERVICE_SECTIONS


def test_every_default_is_valid():
    for code, sections in SERVICE_SECTIONS.items():
        make_service(code=code, share_sections=sections).clean_fields(exclude=["code", "name"])


def test_the_demo_catalogue_gets_the_defaults_without_overwriting_edits(db):
    from demo.catalogue import load_catalogue

    ServiceType.objects.create(code="food-aid", name="Aiuti alimentari", share_sections=["notes"])
    catalogue = load_catalogue()
    assert catalogue["job-placement"].share_sections == ["file", "documents"]
    assert catalogue["clothing"].share_sections == []
    assert ServiceType.objects.get(code="food-aid").share_sections == ["notes"]
