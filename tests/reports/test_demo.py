from io import StringIO

from django.core.management import call_command

from core.models import AuditEntry


def test_demo_reports_without_the_demo_network_says_so(db):
    out = StringIO()
    call_command("demo_reports", stdout=out)
    assert "not there" in out.getvalue()


def test_demo_reports_prints_the_figures_and_writes_nothing(network, case_a):
    network.user("m", "coordinator").username = "coordinatore"
    type(network.user("m", "coordinator")).objects.filter(username="m_coordinator").update(username="coordinatore")
    before = AuditEntry.objects.count()
    out = StringIO()
    call_command("demo_reports", stdout=out)
    call_command("demo_reports", stdout=out)
    text = out.getvalue()
    assert text.count("coordinatore:") == 2
    assert AuditEntry.objects.count() == before
