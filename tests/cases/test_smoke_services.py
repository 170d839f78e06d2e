import pytest
from django.http import Http404

from cases import selectors, services
from cases.models import CaseEvent
from core.models import AuditEntry
from partners.roles import Role


def test_lead_org_sees_case_other_org_does_not(network, case_a):
    assert selectors.case_get_for(user=network.user("a", Role.CASE_MANAGER), pk=case_a.pk) == case_a
    with pytest.raises(Http404):
        selectors.case_get_for(user=network.user("b", Role.CASE_MANAGER), pk=case_a.pk)


def test_note_add_records_event_and_audit(network, case_a):
    manager = network.user("a", Role.CASE_MANAGER)
    note = services.note_add(actor=manager, case=case_a, body="<script>x</script>", is_sensitive=True)
    assert CaseEvent.objects.filter(case=case_a, kind="note_added", is_sensitive=True).exists()
    assert AuditEntry.objects.filter(object_type="cases.note", object_id=str(note.pk), action="create").exists()
