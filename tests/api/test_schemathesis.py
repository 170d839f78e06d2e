"""Every operation of the OpenAPI schema, fuzzed by schemathesis against the app itself: no 5xx, every status the
schema declares, every body in the schema's shape.

The schema is the one the app serves (``/api/v1/schema/``); requests go through Django's WSGI handler in this
thread, so they see the test database. Each example runs in a savepoint that is rolled back: what one example
writes (a case closed, a handoff declined) does not leak into the next, and the run is reproducible
(``derandomize``). A partner's case manager and the municipality's coordinator each run every operation, with
schema-valid (positive) and schema-invalid (negative) requests, over data where the blanks of issue 16 (item 21)
show: an open case (no ``closure_outcome``), a pending referral (no ``decline_reason``), organisations without a
website or an e-mail. Before core.schema declared those blanks, the run failed on the lists of cases, handoffs
and organisations; and the catch-all ``default`` response that core.schema replaced with the declared error
statuses made schemathesis skip its status check altogether.
"""

from __future__ import annotations

import datetime

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from knox.models import AuthToken
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from cases.models import ClosureOutcome, ConsentPurpose
from cases.services import consent_record
from partners.models import ServiceType
from partners.roles import Role
from tests.factories import open_case
from workflows.models import DeclineReason, HandoffKind
from workflows.services import handoffs, lifecycle

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]


@pytest.fixture
def _wsgi_in_test_transaction():
    """Django closes "old" connections around each request; inside the test's transaction that would break it.
    Django's own test client turns this off the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _network_data(network) -> None:
    """Rows for organisation A's case manager to read, blanks included: A leads an open case and a closed one
    (``closure_outcome`` blank and set) and has received two referrals from B, one pending and one declined
    (``decline_reason`` blank and set, ``outcome`` blank); no organisation has a website or an e-mail."""
    manager_a = network.user("a", Role.CASE_MANAGER)
    manager_b = network.user("b", Role.CASE_MANAGER)
    open_case(manager_a, network.org_a, title="Sostegno abitativo")
    closed = open_case(manager_a, network.org_a, title="Chiuso")
    lifecycle.case_close(actor=manager_a, case=closed, outcome=ClosureOutcome.GOALS_REACHED)
    service = ServiceType.objects.create(code="pacco-alimentare", name="Pacco alimentare")
    network.org_a.services.add(service)
    for title in ("Invio in attesa", "Invio rifiutato"):
        case = open_case(manager_b, network.org_b, title=title)
        for purpose in (ConsentPurpose.PROCESSING, ConsentPurpose.SHARE_NETWORK):
            consent_record(
                actor=manager_b,
                person=case.person,
                purpose=purpose,
                given_on=timezone.localdate() - datetime.timedelta(days=1),
            )
        handoff = handoffs.handoff_send(
            actor=manager_b,
            case=case,
            kind=HandoffKind.REFERRAL,
            receiver_organisation_id=network.org_a.pk,
            service_type_id=service.pk,
            reason="Pacco alimentare",
            sections=[],
        )
    handoffs.handoff_decline(actor=manager_a, handoff_id=handoff.pk, reason=DeclineReason.CAPACITY)


@pytest.fixture
def network_data(network):
    _network_data(network)
    return network


@pytest.fixture
def api_schema(db, _wsgi_in_test_transaction):
    return schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", WSGIHandler())


# Few examples per operation and mode, the same ones on every run; no shrinking (a failure shows the example that
# found it): the whole schema, twice, stays within a couple of minutes on SQLite.
FUZZ = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _fuzz_every_operation(api_schema, user) -> dict[str, BaseException]:
    """Each operation's failure (the first example that broke a check), by operation and generation mode."""
    _instance, token = AuthToken.objects.create(user=user)
    headers = {"Authorization": f"Token {token}", "Accept-Language": "en"}
    failures: dict[str, BaseException] = {}
    for result in api_schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @FUZZ
            @given(case=operation.as_strategy(generation_mode=mode))
            def example(case):
                with transaction.atomic():  # rolled back: no example sees what another one wrote
                    case.call_and_validate(headers=headers, checks=CHECKS)
                    transaction.set_rollback(True)

            try:
                example()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE, operation.label  # nothing to send wrong: no parameters
            except (Exception, FailureGroup) as exc:  # FailureGroup: checks that failed, a BaseExceptionGroup
                failures[f"{operation.label} ({mode.value})"] = exc
    return failures


def _report(failures: dict[str, BaseException]) -> str:
    return f"{len(failures)} operations broke their schema:\n" + "\n\n".join(
        f"--- {label}\n{exc}" for label, exc in failures.items()
    )


def test_every_operation_keeps_its_schema_for_a_partner_member(api_schema, network_data):
    failures = _fuzz_every_operation(api_schema, network_data.user("a", Role.CASE_MANAGER))
    assert not failures, _report(failures)


def test_every_operation_keeps_its_schema_for_the_coordinator(api_schema, network_data):
    failures = _fuzz_every_operation(api_schema, network_data.user("m", Role.COORDINATOR))
    assert not failures, _report(failures)
