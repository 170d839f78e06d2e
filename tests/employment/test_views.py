"""The employment pages: what each role sees, hidden cases answer 404, bad input never a 500."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from employment import services
from employment.models import EmployabilityProfile, Enrolment, Internship
from partners.roles import Role
from tests.factories import PASSWORD, open_case
from tests.helpers.employment import save_profile, skill_list, skills, to_training

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_case_panel_offers_the_start_to_the_lead_case_manager(client, network, consenting_case):
    login(client, network.user("a", Role.CASE_MANAGER))

    response = client.get(reverse("employment:case_panel", args=[consenting_case.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert reverse("employment:pathway_start", args=[consenting_case.pk]) in body


def test_the_start_button_starts_the_pathway(client, network, consenting_case):
    login(client, network.user("a", Role.CASE_MANAGER))

    response = client.post(reverse("employment:pathway_start", args=[consenting_case.pk]))

    assert response.status_code == 302
    assert services.running_pathway(consenting_case) is not None


@pytest.mark.parametrize(
    ("org", "role", "status"),
    [
        ("a", Role.CASE_MANAGER, 200),
        ("a", Role.OPERATOR, 200),
        ("a", Role.VOLUNTEER, 200),
        ("a", Role.ORG_ADMIN, 200),
        ("b", Role.CASE_MANAGER, 404),
        ("b", Role.OPERATOR, 404),
        ("m", Role.COORDINATOR, 404),
        ("cpi", Role.OPERATOR, 404),
    ],
)
def test_the_case_panel_follows_the_case_access(client, network, consenting_case, cpi, org, role, status):
    save_profile(network.user("a", Role.CASE_MANAGER), consenting_case)
    login(client, network.user(org, role))

    response = client.get(reverse("employment:case_panel", args=[consenting_case.pk]))

    assert response.status_code == status
    if status == 200:
        shows_profile = "tv-employment-profile" in response.content.decode()
        # The profile is a section of the file: read by those who may read the file, not by a volunteer.
        assert shows_profile == (role != Role.VOLUNTEER)


@pytest.mark.parametrize(
    ("org", "role", "status"),
    [
        ("a", Role.CASE_MANAGER, 200),
        ("a", Role.OPERATOR, 403),
        ("a", Role.VOLUNTEER, 404),
        ("b", Role.CASE_MANAGER, 404),
        ("m", Role.COORDINATOR, 404),
    ],
)
def test_the_profile_is_edited_by_who_may_change_the_case(client, network, consenting_case, cpi, org, role, status):
    login(client, network.user(org, role))
    assert client.get(reverse("employment:profile_edit", args=[consenting_case.pk])).status_code == status


def test_the_profile_form_saves_and_audits(client, network, consenting_case):
    login(client, network.user("a", Role.CASE_MANAGER))
    data = {
        "education_level": "upper_secondary",
        "max_weekly_hours": "30",
        "days": ["mon", "tue", "wed"],
        "mobility": "2",
        "did_status": "active",
        "did_date": "2026-02-01",
        "skills": skills("cert-haccp"),
        "language_0": "it",
        "level_0": "4",
        "language_1": "ar",
        "level_1": "6",
    }

    response = client.post(reverse("employment:profile_edit", args=[consenting_case.pk]), data)

    assert response.status_code == 302
    profile = EmployabilityProfile.objects.get(case=consenting_case)
    assert profile.available_days == 1 | 2 | 4 and profile.max_weekly_hours == 30
    assert dict(profile.languages.values_list("language", "level")) == {"it": 4, "ar": 6}
    assert AuditEntry.objects.filter(
        object_type="employment.employabilityprofile", action="create", case_id=consenting_case.pk
    ).exists()


@pytest.mark.parametrize(
    "bad",
    [
        {"did_date": ""},
        {"max_weekly_hours": "molte"},
        {"language_0": "it", "level_0": ""},
        {"skills": ["99999"]},
        {"did_date": "2999-01-01"},
    ],
)
def test_a_bad_profile_form_shows_errors_and_saves_nothing(client, network, consenting_case, bad):
    login(client, network.user("a", Role.CASE_MANAGER))
    data = {
        "education_level": "upper_secondary",
        "max_weekly_hours": "30",
        "days": ["mon"],
        "mobility": "2",
        "did_status": "active",
        "did_date": "2026-02-01",
        **bad,
    }

    response = client.post(reverse("employment:profile_edit", args=[consenting_case.pk]), data)

    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()
    assert not EmployabilityProfile.objects.exists()


def test_the_pathway_page_records_an_enrolment_and_refuses_a_full_course(
    client, network, consenting_case, cpi, job_placement
):
    to_training(network, consenting_case, cpi, job_placement)
    operator = network.user("cpi", Role.OPERATOR)
    course = services.course_create(
        actor=operator,
        organisation_id=cpi.pk,
        **{
            "title": "Patentino muletto",
            "starts_on": timezone.localdate() + datetime.timedelta(days=2),
            "ends_on": timezone.localdate() + datetime.timedelta(days=9),
            "seats": 1,
        },
    )
    login(client, operator)
    url = reverse("employment:case_pathway", args=[consenting_case.pk])

    assert client.post(url, {"action": "enrol", "enrol-course": course.pk}).status_code == 302
    Enrolment.objects.filter(course=course).update(case=open_case(network.user("a", Role.CASE_MANAGER), network.org_a))
    response = client.post(url, {"action": "enrol", "enrol-course": course.pk})

    assert response.status_code == 400
    assert "The course is full" in response.content.decode()
    assert Enrolment.objects.filter(course=course).count() == 1


def test_the_pathway_page_refuses_an_internship_ending_before_it_starts(
    client, network, consenting_case, cpi, job_placement
):
    to_training(network, consenting_case, cpi, job_placement)
    login(client, network.user("cpi", Role.OPERATOR))

    response = client.post(
        reverse("employment:case_pathway", args=[consenting_case.pk]),
        {
            "action": "internship",
            "internship-host_employer": "Bar Centrale",
            "internship-tutor": "Rita Galli",
            "internship-starts_on": "2026-05-01",
            "internship-ends_on": "2026-04-01",
            "internship-weekly_hours": "20",
            "internship-monthly_allowance": "450",
        },
    )

    assert response.status_code == 400
    assert "The internship cannot end before it starts." in response.content.decode()
    assert not Internship.objects.exists()


def test_the_operators_home_lists_people_per_stage(
    client, network, consenting_case, cpi, job_placement, django_assert_max_num_queries
):
    to_training(network, consenting_case, cpi, job_placement)
    login(client, network.user("cpi", Role.OPERATOR))

    response = client.get(reverse("employment:home"))

    assert response.status_code == 200
    assert consenting_case.person.full_name in response.content.decode()
    assert response.context["figures"] is None


def test_home_query_count_does_not_grow_with_pathways(
    client, network, cpi, job_placement, django_assert_max_num_queries
):
    manager = network.user("a", Role.CASE_MANAGER)
    login(client, manager)

    def add_pathways(count):
        for _ in range(count):
            services.pathway_start(actor=manager, case=open_case(manager, network.org_a))

    add_pathways(2)
    with django_assert_max_num_queries(30) as few:
        assert client.get(reverse("employment:home")).status_code == 200
    add_pathways(8)
    with django_assert_max_num_queries(30) as many:
        assert client.get(reverse("employment:home")).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_coordinator_sees_figures_and_case_codes_without_names(
    client, network, consenting_case, cpi, job_placement
):
    to_training(network, consenting_case, cpi, job_placement)
    login(client, network.user("m", Role.COORDINATOR))

    response = client.get(reverse("employment:home"))

    body = response.content.decode()
    assert response.context["figures"]["referrals"][0]["n"] == 1
    assert consenting_case.code in body
    assert consenting_case.person.last_name not in body


def test_opportunity_candidates_show_only_visible_people(client, network, consenting_case, cpi):
    save_profile(network.user("a", Role.CASE_MANAGER), consenting_case)
    opportunity = services.opportunity_create(
        actor=network.user("cpi", Role.OPERATOR),
        organisation_id=cpi.pk,
        **{
            "employer": "Logistica Nord",
            "role": "Carrellista",
            "city": "Sesto San Giovanni",
            "weekly_hours": 30,
            "contract_type": "permanent",
            "closing_on": timezone.localdate() + datetime.timedelta(days=10),
        },
        skills=skill_list("licence-forklift", "licence-driving-b"),
    )
    url = reverse("employment:opportunity_detail", args=[opportunity.pk])

    body_a = login(client, network.user("a", Role.CASE_MANAGER)).get(url).content.decode()
    client.logout()
    body_b = login(client, network.user("b", Role.CASE_MANAGER)).get(url).content.decode()

    assert "Bianchi" in body_a and "meets 1 of 2 requirements; missing: Patente B" in body_a
    assert "Bianchi" not in body_b
    assert AuditEntry.objects.filter(action="read", case_id=consenting_case.pk, detail__via="opportunity").count() == 1


def test_a_persons_opportunities_need_the_file(client, network, consenting_case, cpi):
    save_profile(network.user("a", Role.CASE_MANAGER), consenting_case)
    url = reverse("employment:case_opportunities", args=[consenting_case.pk])

    assert login(client, network.user("a", Role.OPERATOR)).get(url).status_code == 200
    client.logout()
    assert login(client, network.user("a", Role.VOLUNTEER)).get(url).status_code == 404


def test_publishing_needs_an_employment_service(client, network, cpi):
    assert (
        login(client, network.user("a", Role.CASE_MANAGER)).get(reverse("employment:opportunity_create")).status_code
        == 403
    )
    client.logout()
    login(client, network.user("cpi", Role.OPERATOR))
    response = client.post(
        reverse("employment:course_create"),
        {"title": "HACCP", "starts_on": "2026-12-20", "ends_on": "2026-12-10", "seats": "10"},
    )
    assert response.status_code == 400
    assert "The course cannot end before it starts." in response.content.decode()


def _text(html: str) -> str:
    """The page's text as a screen reader or a copy-paste gets it: tags dropped, no spaces added."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_the_requirements_of_an_opportunity_read_as_a_list(client, network, cpi):
    opportunity = services.opportunity_create(
        actor=network.user("cpi", Role.OPERATOR),
        organisation_id=cpi.pk,
        **{
            "employer": "Logistica Nord",
            "role": "Carrellista",
            "city": "Sesto San Giovanni",
            "weekly_hours": 30,
            "contract_type": "permanent",
            "closing_on": timezone.localdate() + datetime.timedelta(days=10),
        },
        skills=skill_list("licence-forklift", "licence-driving-b"),
    )
    login(client, network.user("cpi", Role.OPERATOR))

    text = _text(client.get(reverse("employment:opportunity_detail", args=[opportunity.pk])).content.decode())

    labels = sorted(opportunity.skill_requirements.values_list("skill__label", flat=True))
    assert f"{labels[0]}, {labels[1]}" in text or f"{labels[1]}, {labels[0]}" in text
    assert f"{labels[0]}{labels[1]}" not in text and f"{labels[1]}{labels[0]}" not in text
