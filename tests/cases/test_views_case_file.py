"""Adding to the case file through the web pages: notes, assessment, plan, services delivered."""

import datetime

from django.urls import reverse

from cases import services
from cases.models import Action, Assessment, Goal, Intervention, Note, Plan
from cases.permissions.grants import grant_case_access
from partners.roles import Role
from tests.factories import login

# --- notes -----------------------------------------------------------------------------------------


def test_note_add_redirects_to_the_notes(network, client, case_a):
    user = login(client, network, "a", Role.OPERATOR)
    response = client.post(reverse("cases:note_add", args=[case_a.pk]), {"body": "Primo colloquio"})
    assert response.status_code == 302
    assert response["Location"].endswith("#notes")
    note = Note.objects.get(case=case_a)
    assert (note.body, note.author, note.is_sensitive) == ("Primo colloquio", user, False)


def test_note_with_script_is_shown_escaped_with_line_breaks(network, client, case_a):
    login(client, network, "a", Role.CASE_MANAGER)
    client.post(reverse("cases:note_add", args=[case_a.pk]), {"body": "<script>alert(1)</script>\nseconda riga"})
    content = client.get(reverse("cases:case_detail", args=[case_a.pk])).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>seconda riga" in content


def test_empty_note_is_a_field_error(network, client, case_a):
    login(client, network, "a", Role.CASE_MANAGER)
    response = client.post(reverse("cases:note_add", args=[case_a.pk]), {"body": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors["body"]
    assert not Note.objects.exists()


def test_note_add_is_403_for_a_volunteer(network, client, case_a):
    login(client, network, "a", Role.VOLUNTEER)
    assert client.get(reverse("cases:note_add", args=[case_a.pk])).status_code == 403
    assert client.post(reverse("cases:note_add", args=[case_a.pk]), {"body": "x"}).status_code == 403
    assert not Note.objects.exists()


def test_note_add_is_404_for_another_organisation(network, client, case_a):
    login(client, network, "b", Role.CASE_MANAGER)
    assert client.post(reverse("cases:note_add", args=[case_a.pk]), {"body": "x"}).status_code == 404


def test_sensitive_note_is_hidden_from_another_organisation_after_a_grant(network, client, case_a):
    # given: A writes a sensitive and an ordinary note, then shares the case with B (view only)
    manager_a = network.user("a", Role.CASE_MANAGER)
    client.force_login(manager_a)
    client.post(reverse("cases:note_add", args=[case_a.pk]), {"body": "Diagnosi riservata", "is_sensitive": "on"})
    client.post(reverse("cases:note_add", args=[case_a.pk]), {"body": "Nota ordinaria"})
    grant_case_access(case_a, network.org_b, change=False)
    # when
    own = client.get(reverse("cases:case_detail", args=[case_a.pk])).content.decode()
    login(client, network, "b", Role.OPERATOR)
    other = client.get(reverse("cases:case_detail", args=[case_a.pk])).content.decode()
    # then
    assert "Diagnosi riservata" in own and "sensitive" in own
    assert "Nota ordinaria" in other
    assert "Diagnosi riservata" not in other


# --- assessment and plan ---------------------------------------------------------------------------


def test_assessment_add_and_latest_per_domain_with_severity(network, client, case_a):
    manager = login(client, network, "a", Role.CASE_MANAGER)
    services.assessment_record(
        actor=manager, case=case_a, domain="housing", severity=1, assessed_on=datetime.date(2025, 1, 1)
    )
    response = client.post(
        reverse("cases:assessment_add", args=[case_a.pk]),
        {"domain": "housing", "severity": "4", "assessed_on": "2026-01-05", "notes": "Sfratto"},
    )
    assert response.status_code == 302
    assert Assessment.objects.filter(case=case_a).count() == 2
    page = client.get(reverse("cases:case_detail", args=[case_a.pk]))
    assert [a.severity for a in page.context["assessments"]] == [4]
    assert b"Critical" in page.content and b"Sfratto" in page.content


def test_assessment_with_a_future_date_is_a_field_error(network, client, case_a):
    login(client, network, "a", Role.CASE_MANAGER)
    response = client.post(
        reverse("cases:assessment_add", args=[case_a.pk]),
        {"domain": "work", "severity": "2", "assessed_on": "2999-01-01"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["assessed_on"]


def test_assessment_add_is_403_for_an_operator(network, client, case_a):
    login(client, network, "a", Role.OPERATOR)
    response = client.post(
        reverse("cases:assessment_add", args=[case_a.pk]),
        {"domain": "work", "severity": "2", "assessed_on": "2026-01-01"},
    )
    assert response.status_code == 403
    assert not Assessment.objects.exists()


def test_plan_goal_and_action(network, client, case_a):
    login(client, network, "a", Role.CASE_MANAGER)
    plan_url = reverse("cases:plan_edit", args=[case_a.pk])
    assert (
        client.post(
            plan_url, {"agreed_on": "2026-01-10", "next_review_on": "2026-04-10", "summary": "Patto"}
        ).status_code
        == 302
    )
    assert client.get(plan_url).context["form"].initial["summary"] == "Patto"
    assert (
        client.post(
            reverse("cases:goal_add", args=[case_a.pk]), {"domain": "work", "description": "Trovare lavoro"}
        ).status_code
        == 302
    )
    goal = Goal.objects.get(plan__case=case_a)
    response = client.post(
        reverse("cases:action_add", args=[goal.pk]),
        {
            "description": "Iscrizione al CPI",
            "owner_organisation": network.org_b.pk,
            "due_on": "2026-02-01",
            "status": "planned",
        },
    )
    assert response.status_code == 302
    action = Action.objects.get(goal=goal)
    assert action.owner_organisation == network.org_b
    page = client.get(reverse("cases:case_detail", args=[case_a.pk]))
    assert b"Iscrizione al CPI" in page.content and b"Cooperativa Test" in page.content
    assert Plan.objects.get(case=case_a).summary == "Patto"


def test_plan_review_before_agreement_is_a_field_error(network, client, case_a):
    login(client, network, "a", Role.CASE_MANAGER)
    response = client.post(
        reverse("cases:plan_edit", args=[case_a.pk]), {"agreed_on": "2026-01-10", "next_review_on": "2025-01-10"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["next_review_on"]


def test_action_add_is_404_for_another_organisation(network, client, case_a):
    manager = network.user("a", Role.CASE_MANAGER)
    goal = services.goal_add(actor=manager, case=case_a, domain="work", description="x")
    login(client, network, "b", Role.CASE_MANAGER)
    assert client.get(reverse("cases:action_add", args=[goal.pk])).status_code == 404


# --- services delivered ----------------------------------------------------------------------------


def test_volunteer_records_a_service(network, client, case_a):
    user = login(client, network, "a", Role.VOLUNTEER)
    response = client.post(
        reverse("cases:intervention_add", args=[case_a.pk]),
        {"kind": "food_parcel", "delivered_on": "2026-01-05", "quantity": "2", "value": "30.50"},
    )
    assert response.status_code == 302
    intervention = Intervention.objects.get(case=case_a)
    assert (intervention.recorded_by, intervention.quantity, intervention.organisation) == (user, 2, network.org_a)


def test_service_with_a_future_date_or_zero_quantity_shows_errors(network, client, case_a):
    login(client, network, "a", Role.VOLUNTEER)
    response = client.post(
        reverse("cases:intervention_add", args=[case_a.pk]),
        {"kind": "food_parcel", "delivered_on": "2999-01-05", "quantity": "0"},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"quantity"}
    assert not Intervention.objects.exists()


def test_service_add_is_404_for_another_organisations_volunteer(network, client, case_a):
    login(client, network, "b", Role.VOLUNTEER)
    response = client.post(
        reverse("cases:intervention_add", args=[case_a.pk]),
        {"kind": "meal", "delivered_on": "2026-01-05", "quantity": "1"},
    )
    assert response.status_code == 404
