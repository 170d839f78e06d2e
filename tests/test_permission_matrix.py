"""The permission matrix over HTTP: every role of the lead organisation, of another organisation and of the
coordinating municipality x every action on one case, through the web UI and the API — before and after
the other organisation is given read access (as an accepted referral does).

Outcomes: "ok" (allowed, and the data is there), "forbidden" (403: visible, but not for this role),
"hidden" (404, or absent from a list). Expected values are written out by hand.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cases import services
from cases.models import Note
from cases.permissions import grants
from core.models import AuditEntry
from partners.roles import Role
from tests.factories import PASSWORD

OK, FORBIDDEN, HIDDEN = "ok", "forbidden", "hidden"
SENSITIVE_TEXT = "Diagnosi riservata 4711"
PLAIN_TEXT = "Colloquio ordinario 0815"

ACTIONS = [
    "list",
    "search",
    "view",
    "person_file",
    "edit",
    "note",
    "sensitive_note",
    "document",
    "timeline",
    "audit",
    "api_list",
    "api_detail",
]

CM, OP, VOL, ADM = Role.CASE_MANAGER, Role.OPERATOR, Role.VOLUNTEER, Role.ORG_ADMIN
# What each role of the organisation that holds a grant may do (lead = view+change; reader = view only).
LEAD = {
    CM: dict(
        list=OK,
        search=OK,
        view=OK,
        person_file=OK,
        edit=OK,
        note=OK,
        sensitive_note=OK,
        document=OK,
        timeline=OK,
        api_list=OK,
        api_detail=OK,
    ),
    OP: dict(
        list=OK,
        search=OK,
        view=OK,
        person_file=OK,
        edit=FORBIDDEN,
        note=OK,
        sensitive_note=OK,
        document=OK,
        timeline=OK,
        api_list=OK,
        api_detail=OK,
    ),
    VOL: dict(
        list=OK,
        search=OK,
        view=OK,
        person_file=HIDDEN,
        edit=FORBIDDEN,
        note=FORBIDDEN,
        sensitive_note=HIDDEN,
        document=HIDDEN,
        timeline=FORBIDDEN,
        api_list=OK,
        api_detail=OK,
    ),
    ADM: dict(
        list=OK,
        search=OK,
        view=OK,
        person_file=OK,
        edit=FORBIDDEN,
        note=FORBIDDEN,
        sensitive_note=OK,
        document=OK,
        timeline=OK,
        api_list=OK,
        api_detail=OK,
    ),
}
READER = {
    role: {**outcomes, "edit": FORBIDDEN if outcomes["edit"] != HIDDEN else HIDDEN, "sensitive_note": HIDDEN}
    for role, outcomes in LEAD.items()
}
NOTHING = dict.fromkeys(ACTIONS, HIDDEN)


def expected(scenario: str, org: str, role: str, action: str) -> str:
    if action == "audit":
        # the audit log of the case's reads and writes: the lead's org_admin and the coordinator
        return OK if (org, role) in {("a", ADM), ("m", Role.COORDINATOR)} else HIDDEN
    if org == "a":
        return LEAD[role][action]
    if org == "b" and scenario == "shared":
        return READER[role][action]
    return NOTHING[action]


USERS = (
    [("a", r) for r in (CM, OP, VOL, ADM)]
    + [("b", r) for r in (CM, OP, VOL, ADM)]
    + [("m", Role.COORDINATOR), ("m", CM)]
)


@pytest.fixture
def world(network, case_a, settings, tmp_path):
    manager = network.user("a", CM)
    services.note_add(actor=manager, case=case_a, body=SENSITIVE_TEXT, is_sensitive=True)
    services.note_add(actor=manager, case=case_a, body=PLAIN_TEXT)
    document = services.document_upload(
        actor=manager,
        case=case_a,
        kind="identity",
        title="Carta d'identità",
        uploaded=SimpleUploadedFile("ci.pdf", b"%PDF-1.4 test", content_type="application/pdf"),
    )
    return case_a, document


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username=user.username, password=PASSWORD)
    return client


def outcome_of_status(status: int) -> str:
    return {200: OK, 302: OK, 201: OK, 403: FORBIDDEN, 404: HIDDEN}[status]


def perform(action: str, client: Client, case, document) -> str:
    if action == "list":
        return OK if case.code in client.get(reverse("cases:case_list")).content.decode() else HIDDEN
    if action == "search":
        response = client.get(reverse("cases:person_search"), {"q": "Bianchi"})
        # the results themselves, not the page text: a generated staff name could contain "Bianchi" too
        return OK if case.person_id in [p.pk for p in response.context["page"]] else HIDDEN
    if action == "view":
        return outcome_of_status(client.get(reverse("cases:case_detail", args=[case.pk])).status_code)
    if action == "person_file":
        return outcome_of_status(client.get(reverse("cases:person_detail", args=[case.person_id])).status_code)
    if action == "edit":
        response = client.post(reverse("cases:case_edit", args=[case.pk]), {"title": "Nuovo titolo"})
        result = outcome_of_status(response.status_code)
        case.refresh_from_db()
        assert (case.title == "Nuovo titolo") is (result == OK)
        return result
    if action == "note":
        before = Note.objects.count()
        response = client.post(reverse("cases:note_add", args=[case.pk]), {"body": "Nota di prova"})
        result = outcome_of_status(response.status_code)
        assert (Note.objects.count() == before + 1) is (result == OK)
        return result
    if action == "sensitive_note":
        response = client.get(reverse("cases:case_detail", args=[case.pk]))
        return OK if response.status_code == 200 and SENSITIVE_TEXT in response.content.decode() else HIDDEN
    if action == "document":
        response = client.get(reverse("cases:document_download", args=[document.pk]))
        return outcome_of_status(response.status_code)
    if action == "timeline":
        return outcome_of_status(client.get(reverse("cases:timeline", args=[case.pk])).status_code)
    if action == "audit":
        response = client.get(reverse("partners:audit_log"), {"case": case.pk})
        if response.status_code != 200:
            return outcome_of_status(response.status_code)
        return (
            OK
            if AuditEntry.objects.filter(case_id=case.pk).exists() and "note" in response.content.decode()
            else HIDDEN
        )
    if action == "api_list":
        ids = [row["id"] for row in client.get("/api/v1/cases/").json()["results"]]
        return OK if case.pk in ids else HIDDEN
    if action == "api_detail":
        return outcome_of_status(client.get(f"/api/v1/cases/{case.pk}/").status_code)
    raise AssertionError(action)


@pytest.mark.parametrize("scenario", ["lead_only", "shared"])
@pytest.mark.parametrize(("org", "role"), USERS, ids=[f"{o}-{r}" for o, r in USERS])
@pytest.mark.parametrize("action", ACTIONS)
def test_permission_matrix(network, world, scenario, org, role, action):
    case, document = world
    if scenario == "shared":
        grants.grant_case_access(case, network.org_b, change=False)
    client = client_for(network.user(org, role))
    assert perform(action, client, case, document) == expected(scenario, org, role, action)
