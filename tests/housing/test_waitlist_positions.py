"""Issue 16, item 8: one rule for a household's waitlist position. It is the rank on the whole waitlist of its type
(the same for every reader); the waitlist page numbers its lines 1..n without holes (households the reader may not
read show as numbered lines without details), and the case page shows the same position as the waitlist. The
position in the municipality's official ranking is a different number and says so."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from cases.permissions import grants as case_grants
from housing import selectors
from housing.models import Application, ResourceKind
from housing.services import households
from tests.factories import open_case
from tests.helpers.housing import record_profile

pytestmark = pytest.mark.django_db

# Best first: the situation decides the score (30, 20, 10, 8, 6 points).
SITUATIONS = ["homeless", "eviction", "unfit", "overcrowding", "precarious"]


@pytest.fixture
def waitlist(network, lead, provider_cm):
    """Five households on the shelter waitlist; A's lead reads the 2nd, 3rd and 5th only."""
    mine = {1, 2, 4}
    applications = []
    for index, situation in enumerate(SITUATIONS):
        actor, org = (lead, network.org_a) if index in mine else (provider_cm, network.org_b)
        case = open_case(actor, org)
        far = datetime.date.today() + datetime.timedelta(days=200)  # no "eviction within the window" points
        record_profile(actor, case, situation=situation, eviction_date=far if situation == "eviction" else None)
        applications.append(
            households.application_create(
                actor=actor, case=case, kind=ResourceKind.SHELTER, official_rank=12 if index == 2 else None
            )
        )
    return applications


def _positions(html: str) -> list[str]:
    return re.findall(r'class="tv-position">([^<]+)<', html)


def test_the_waitlist_reads_one_to_n_for_a_reader_who_sees_part_of_it(client, lead, waitlist):
    client.force_login(lead)
    html = client.get(reverse("housing:waitlist", args=[ResourceKind.SHELTER])).content.decode()
    # the lines read 1, 2, 3, 4, 5: the households A may read keep their true position, the others are counted
    assert _positions(html) == ["1", "2", "3", "4", "5"]
    assert re.findall(r'data-position="(\d+)"', html) == ["2", "3", "5"]
    assert waitlist[0].case.code not in html and waitlist[3].case.code not in html
    assert waitlist[1].case.code in html


def test_the_case_page_shows_the_waitlist_position(client, lead, waitlist):
    client.force_login(lead)
    third = waitlist[2]
    panel = client.get(reverse("housing:case_panel", args=[third.case_id])).content.decode()
    html = client.get(reverse("housing:waitlist", args=[ResourceKind.SHELTER])).content.decode()
    row = re.search(r'data-position="(\d+)">(?:(?!</tr>).)*' + re.escape(third.case.code), html, re.S)
    assert row is not None and row.group(1) == "3"
    assert "position 3 of 5 on the waitlist" in panel
    # the official ranking's number is labelled as such, not as the waitlist position
    assert "position in the official ranking 12" in panel


def test_positions_follow_the_whole_waitlist_for_everyone(network, lead, provider_cm, waitlist):
    ids = [a.pk for a in waitlist]
    assert selectors.waitlist_positions(application_ids=ids) == {pk: (i + 1, 5) for i, pk in enumerate(ids)}
    # sharing a case does not renumber anything
    case_grants.share_case(waitlist[0].case, network.org_a, sections=["file"])
    assert selectors.waitlist_positions(application_ids=ids[:1]) == {ids[0]: (1, 5)}


def test_positions_take_two_queries_whatever_the_rows(network, provider_cm, waitlist, django_assert_num_queries):
    for _ in range(20):
        case = open_case(provider_cm, network.org_b)
        record_profile(provider_cm, case, situation="precarious")
        households.application_create(actor=provider_cm, case=case, kind=ResourceKind.SHELTER)
    ids = list(Application.objects.values_list("pk", flat=True))
    with django_assert_num_queries(2):  # the weights valid that day, then every position
        positions = selectors.waitlist_positions(application_ids=ids)
    assert sorted(p for p, _size in positions.values()) == list(range(1, 26))
