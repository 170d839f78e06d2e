"""The permission matrix of the API: every role of the lead organisation (A), of another partner (B)
and of the coordinating municipality, against one case of A, for people, cases, notes and
interventions — in three situations: A alone, A's case shared with B (view only), and a per-user
grant to the coordinator.

Expectations are written out by hand (not derived from the role table), so that a change in the
rules shows up here as a failing cell.
"""

import pytest
from django.urls import reverse

from cases import services
from cases.permissions import grants
from partners.roles import Role
from tests.factories import register_person
from workflows.services import lifecycle

USERS = {
    "a_cm": ("a", Role.CASE_MANAGER),
    "a_op": ("a", Role.OPERATOR),
    "a_vol": ("a", Role.VOLUNTEER),
    "a_admin": ("a", Role.ORG_ADMIN),
    "b_cm": ("b", Role.CASE_MANAGER),
    "b_op": ("b", Role.OPERATOR),
    "b_vol": ("b", Role.VOLUNTEER),
    "b_admin": ("b", Role.ORG_ADMIN),
    "m_coord": ("m", Role.COORDINATOR),
    "m_cm": ("m", Role.CASE_MANAGER),
}
ACTIONS = [
    "persons_list",
    "person_detail",
    "cases_list",
    "case_detail",
    "note_create",
    "notes",
    "interventions_list",
    "case_interventions",
]

# persons_list / cases_list / interventions_list: "seen" or "hidden" (the row and the name are absent).
# notes: "all" (A's sensitive note included), "shared" (only the non-sensitive one), or a status code.
LEAD = dict(zip(ACTIONS, ["seen", 200, "seen", 200, 201, "all", "seen", 200], strict=True))
LEAD_VOLUNTEER = dict(zip(ACTIONS, ["seen", 404, "seen", 200, 403, 403, "seen", 200], strict=True))
LEAD_ADMIN = dict(zip(ACTIONS, ["seen", 200, "seen", 200, 403, "all", "seen", 200], strict=True))
NOTHING = dict(zip(ACTIONS, ["hidden", 404, "hidden", 404, 404, 404, "hidden", 404], strict=True))
SHARED = dict(zip(ACTIONS, ["seen", 200, "seen", 200, 201, "shared", "seen", 200], strict=True))
SHARED_VOLUNTEER = dict(zip(ACTIONS, ["seen", 404, "seen", 200, 403, 403, "seen", 200], strict=True))
SHARED_ADMIN = dict(zip(ACTIONS, ["seen", 200, "seen", 200, 403, "shared", "seen", 200], strict=True))
COORDINATOR_GRANTED = dict(zip(ACTIONS, ["seen", 200, "seen", 200, 403, "shared", "seen", 200], strict=True))

A_ONLY = {
    "a_cm": LEAD,
    "a_op": LEAD,
    "a_vol": LEAD_VOLUNTEER,
    "a_admin": LEAD_ADMIN,
    "b_cm": NOTHING,
    "b_op": NOTHING,
    "b_vol": NOTHING,
    "b_admin": NOTHING,
    "m_coord": NOTHING,
    "m_cm": NOTHING,
}
EXPECTED = {
    "a_only": A_ONLY,
    "shared_with_b": {**A_ONLY, "b_cm": SHARED, "b_op": SHARED, "b_vol": SHARED_VOLUNTEER, "b_admin": SHARED_ADMIN},
    "coordinator_grant": {**A_ONLY, "m_coord": COORDINATOR_GRANTED},
}

CELLS = [(scenario, user, action_name) for scenario in EXPECTED for user in USERS for action_name in ACTIONS]

PERSON_NAME = "Ermenegilda"
SENSITIVE = "Diagnosi riservata"
PLAIN = "Colloquio svolto"


@pytest.fixture
def scene(network):
    """A's case for a person registered by A, with a plain and a sensitive note and one service."""
    manager = network.user("a", Role.CASE_MANAGER)
    person = register_person(manager, network.org_a, first_name=PERSON_NAME, last_name="Zanetti")
    case = lifecycle.case_open(
        actor=manager, organisation_id=network.org_a.pk, person=person, title="Matrice", with_pathway=False
    )
    services.note_add(actor=manager, case=case, body=PLAIN)
    services.note_add(actor=manager, case=case, body=SENSITIVE, is_sensitive=True)
    intervention = services.intervention_record(actor=manager, case=case, kind="food_parcel")
    return {"person": person, "case": case, "intervention": intervention}


def _apply(scenario, network, case):
    if scenario == "shared_with_b":
        grants.grant_case_access(case, network.org_b, change=False)
    elif scenario == "coordinator_grant":
        grants.grant_user_case_view(case, network.user("m", Role.COORDINATOR))


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _run(client, action_name, scene):
    person, case = scene["person"], scene["case"]
    if action_name == "persons_list":
        response = client.get(reverse("api-person-list"))
        seen = person.pk in _ids(response)
        assert seen == (PERSON_NAME in response.content.decode())
        return "seen" if seen else "hidden"
    if action_name == "person_detail":
        return client.get(reverse("api-person-detail", args=[person.pk])).status_code
    if action_name == "cases_list":
        response = client.get(reverse("api-case-list"))
        seen = case.pk in _ids(response)
        assert seen == (case.code in response.content.decode())
        return "seen" if seen else "hidden"
    if action_name == "case_detail":
        return client.get(reverse("api-case-detail", args=[case.pk])).status_code
    if action_name == "note_create":
        response = client.post(reverse("api-case-note-list", args=[case.pk]), {"body": "Nuova nota"}, format="json")
        return response.status_code
    if action_name == "notes":
        response = client.get(reverse("api-case-note-list", args=[case.pk]))
        if response.status_code != 200:
            assert SENSITIVE not in response.content.decode()
            return response.status_code
        bodies = {row["body"] for row in response.json()["results"]}
        assert PLAIN in bodies
        return "all" if SENSITIVE in bodies else "shared"
    if action_name == "interventions_list":
        response = client.get(reverse("api-intervention-list"))
        return "seen" if scene["intervention"].pk in _ids(response) else "hidden"
    if action_name == "case_interventions":
        return client.get(reverse("api-case-intervention-list", args=[case.pk])).status_code
    raise AssertionError(action_name)


@pytest.mark.parametrize(("scenario", "user_key", "action_name"), CELLS)
def test_permission_matrix(network, scene, client_for, scenario, user_key, action_name):
    # given
    _apply(scenario, network, scene["case"])
    client = client_for(network.user(*USERS[user_key]))
    # when
    outcome = _run(client, action_name, scene)
    # then
    assert outcome == EXPECTED[scenario][user_key][action_name]


def test_matrix_covers_every_cell():
    assert len(CELLS) == 3 * 10 * 8
