"""The employment API: same rules as the pages; bad payloads answer 400 with a message, never a 500."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from employment import services
from employment.models import Enrolment
from partners.roles import Role
from tests.factories import open_case
from tests.helpers.employment import save_profile, skill_list

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


@pytest.fixture
def opportunity(network, cpi):
    return services.opportunity_create(
        actor=network.user("cpi", Role.OPERATOR),
        organisation_id=cpi.pk,
        **{
            "employer": "Logistica Nord",
            "role": "Carrellista",
            "city": "Cinisello Balsamo",
            "weekly_hours": 30,
            "contract_type": "permanent",
            "closing_on": timezone.localdate() + datetime.timedelta(days=10),
        },
        skills=skill_list("licence-forklift", "licence-driving-b"),
        languages={"it": 3},
    )


@pytest.fixture
def course(network, cpi):
    return services.course_create(
        actor=network.user("cpi", Role.OPERATOR),
        organisation_id=cpi.pk,
        **{
            "title": "Patentino muletto",
            "starts_on": timezone.localdate() + datetime.timedelta(days=2),
            "ends_on": timezone.localdate() + datetime.timedelta(days=9),
            "seats": 1,
        },
    )


def test_opportunities_and_courses_are_listed(network, opportunity, course):
    client = api(network.user("b", Role.VOLUNTEER))

    opportunities = client.get("/api/v1/employment/opportunities/").json()["results"]
    courses = client.get("/api/v1/employment/courses/").json()["results"]

    assert opportunities[0]["required_skills"] == ["licence-driving-b", "licence-forklift"] or sorted(
        opportunities[0]["required_skills"]
    ) == ["licence-driving-b", "licence-forklift"]
    assert opportunities[0]["required_languages"] == [{"language": "it", "min_level": 3}]
    assert courses[0]["seats_taken"] == 0


def test_candidates_are_ranked_explained_and_filtered(network, consenting_case, opportunity):
    save_profile(network.user("a", Role.CASE_MANAGER), consenting_case)
    url = f"/api/v1/employment/opportunities/{opportunity.pk}/candidates/"

    seen_by_a = api(network.user("a", Role.CASE_MANAGER)).get(url).json()["results"]
    seen_by_b = api(network.user("b", Role.CASE_MANAGER)).get(url).json()["results"]

    assert seen_by_a == [
        {
            "rank": 1,
            "met": 2,
            "missing": 1,
            "constraints_failed": 0,
            "case": consenting_case.pk,
            "case_code": consenting_case.code,
            "person": "Giulia Bianchi",
            "explanation": "meets 2 of 3 requirements; missing: Patente B",
        }
    ]
    assert seen_by_b == []


def test_the_profile_follows_the_file_access(network, consenting_case):
    save_profile(network.user("a", Role.CASE_MANAGER), consenting_case)
    url = f"/api/v1/employment/profiles/{consenting_case.pk}/"

    assert api(network.user("a", Role.OPERATOR)).get(url).json()["languages"] == [{"language": "it", "level": 3}]
    assert api(network.user("a", Role.VOLUNTEER)).get(url).status_code == 404
    assert api(network.user("b", Role.CASE_MANAGER)).get(url).status_code == 404
    assert api(network.user("m", Role.COORDINATOR)).get(url).status_code == 404


def test_a_persons_matches(network, consenting_case, opportunity):
    save_profile(network.user("a", Role.CASE_MANAGER), consenting_case)

    response = api(network.user("a", Role.CASE_MANAGER)).get(
        f"/api/v1/employment/profiles/{consenting_case.pk}/opportunities/"
    )

    rows = response.json()["results"]
    assert rows[0]["opportunity"]["id"] == opportunity.pk and rows[0]["explanation"].startswith("meets 2 of 3")


@pytest.mark.parametrize("payload", [{}, {"case": "abc"}, {"case": -1}, {"case": [1]}, {"case": 10**30}])
def test_bad_enrol_payloads_answer_400(network, course, payload):
    response = api(network.user("a", Role.CASE_MANAGER)).post(
        f"/api/v1/employment/courses/{course.pk}/enrol/", payload, format="json"
    )
    assert response.status_code == 400
    assert "case" in response.json()["error"]["fields"]
    assert not Enrolment.objects.exists()


def test_an_overbooked_course_answers_400(network, consenting_case, course):
    manager = network.user("a", Role.CASE_MANAGER)
    client = api(manager)
    assert (
        client.post(
            f"/api/v1/employment/courses/{course.pk}/enrol/", {"case": consenting_case.pk}, format="json"
        ).status_code
        == 201
    )

    other = open_case(manager, network.org_a)
    response = client.post(f"/api/v1/employment/courses/{course.pk}/enrol/", {"case": other.pk}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"course": ["The course is full: all 1 seats are taken."]}
    assert Enrolment.objects.count() == 1


def test_enrolling_a_hidden_case_answers_404(network, consenting_case, course):
    response = api(network.user("b", Role.CASE_MANAGER)).post(
        f"/api/v1/employment/courses/{course.pk}/enrol/", {"case": consenting_case.pk}, format="json"
    )
    assert response.status_code == 404
    assert not Enrolment.objects.exists()


def test_a_bad_query_parameter_answers_400(network):
    response = api(network.user("a", Role.CASE_MANAGER)).get("/api/v1/employment/opportunities/?closed=forse")
    assert response.status_code == 400
