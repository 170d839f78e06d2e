import datetime

import pytest
from django.core.exceptions import ValidationError

from cases.models import CaseEvent, ConsentPurpose
from cases.selectors import consent_covers, consent_summary
from cases.services import consent_record, consent_withdraw
from partners.roles import Role

TODAY = datetime.date.today()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def manager(network):
    return network.user("a", Role.CASE_MANAGER)


def record(manager, person, purpose, **kwargs):
    kwargs.setdefault("given_on", TODAY - 10 * DAY)
    return consent_record(actor=manager, person=person, purpose=purpose, **kwargs)


def test_no_consent_covers_nobody(network, case_a):
    assert not consent_covers(person=case_a.person, organisation_id=network.org_b.pk)
    assert consent_summary(case_a.person)["processing"] is False


def test_network_sharing_covers_every_organisation(network, case_a, manager):
    record(manager, case_a.person, ConsentPurpose.PROCESSING)
    record(manager, case_a.person, ConsentPurpose.SHARE_NETWORK)
    assert consent_covers(person=case_a.person, organisation_id=network.org_b.pk)
    assert consent_summary(case_a.person)["network"] is True


def test_sharing_without_processing_consent_covers_nobody(network, case_a, manager):
    record(manager, case_a.person, ConsentPurpose.SHARE_NETWORK)
    assert not consent_covers(person=case_a.person, organisation_id=network.org_b.pk)


def test_named_sharing_covers_only_the_named(network, case_a, manager):
    record(manager, case_a.person, ConsentPurpose.PROCESSING)
    record(manager, case_a.person, ConsentPurpose.SHARE_NAMED, organisations=[network.org_b])
    assert consent_covers(person=case_a.person, organisation_id=network.org_b.pk)
    assert not consent_covers(person=case_a.person, organisation_id=network.municipality.pk)
    assert consent_summary(case_a.person)["named"] == [network.org_b.name]


def test_expired_consent_stops_new_sharing(network, case_a, manager):
    record(manager, case_a.person, ConsentPurpose.PROCESSING)
    record(manager, case_a.person, ConsentPurpose.SHARE_NETWORK, given_on=TODAY - 400 * DAY, expires_on=TODAY - DAY)
    assert not consent_covers(person=case_a.person, organisation_id=network.org_b.pk)
    # ... but it covered the day before it expired
    assert consent_covers(person=case_a.person, organisation_id=network.org_b.pk, on=TODAY - 2 * DAY)


def test_withdrawn_consent_stops_new_sharing_and_is_on_the_timeline(network, case_a, manager):
    record(manager, case_a.person, ConsentPurpose.PROCESSING)
    share = record(manager, case_a.person, ConsentPurpose.SHARE_NETWORK)
    consent_withdraw(actor=manager, consent=share, note="Revocato dall'interessato")
    assert not consent_covers(person=case_a.person, organisation_id=network.org_b.pk)
    assert CaseEvent.objects.filter(case=case_a, kind="consent_withdrawn").exists()
    with pytest.raises(ValidationError):
        consent_withdraw(actor=manager, consent=share)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"purpose": ConsentPurpose.SHARE_NAMED}, "organisations"),
        ({"purpose": ConsentPurpose.PROCESSING, "given_on": TODAY + DAY}, "given_on"),
        ({"purpose": ConsentPurpose.PROCESSING, "expires_on": TODAY - 30 * DAY}, "expires_on"),
        ({"purpose": "marketing"}, "purpose"),
    ],
)
def test_bad_consents_are_refused(case_a, manager, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        record(manager, case_a.person, **kwargs)
    assert field in exc.value.message_dict
    assert not case_a.person.consents.exists()


def test_other_organisation_cannot_record_consent(network, case_a):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        record(network.user("b", Role.CASE_MANAGER), case_a.person, ConsentPurpose.PROCESSING)
