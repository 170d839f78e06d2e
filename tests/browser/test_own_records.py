"""Organisation B accepts a referral shared as "summary only", records a service and uploads a document on the
case page, then sees both listed and downloads its document; the lead's document stays hidden (issue 16,
item 2)."""

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from viewflow.workflow.models import Task

from cases import services
from cases.models import Document, Intervention
from partners.roles import Role
from tests.factories import PASSWORD
from tests.helpers.browser import login
from workflows.flows import HandoffFlow
from workflows.models import HandoffKind, HandoffStatus
from workflows.services import handoffs

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _submit(page, action: str) -> None:
    with page.expect_navigation():
        page.click(f"main form[action='{action}'] [type=submit]")


def test_a_summary_only_receiver_sees_and_downloads_what_it_recorded(
    network, consenting_case, service, new_page, live_server, tmp_path
):
    case = consenting_case
    manager_a = network.user("a", Role.CASE_MANAGER)
    services.document_upload(
        actor=manager_a,
        case=case,
        kind="isee",
        title="ISEE del Comune",
        uploaded=SimpleUploadedFile("isee.pdf", PDF),
        is_sensitive=False,
    )
    handoff = handoffs.handoff_send(
        actor=manager_a,
        case=case,
        kind=HandoffKind.REFERRAL,
        receiver_organisation_id=network.org_b.pk,
        service_type_id=service.pk,
        reason="Pacco alimentare",
        sections=[],
    )
    task = Task.objects.get(process_id=handoff.process_id, flow_task=HandoffFlow.decide)
    page = new_page("en-GB")
    login(page, network.user("b", Role.OPERATOR).username, PASSWORD)

    # given: B's operator accepts the summary-only referral
    page.goto(reverse("workflows:task_detail", args=[task.pk]))
    with page.expect_navigation():
        page.click("main form.tv-accept-form [type=submit]")
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.ACCEPTED

    # when: it records a food parcel and uploads a document on the case page
    case_url = reverse("cases:case_detail", args=[case.pk])
    page.goto(case_url)
    service_form = f"main form[action='{reverse('cases:intervention_add', args=[case.pk])}']"
    page.select_option(f"{service_form} select[name=kind]", "food_parcel")
    page.fill(f"{service_form} [name=note]", "Pacco consegnato da B")
    _submit(page, reverse("cases:intervention_add", args=[case.pk]))
    assert Intervention.objects.filter(case=case, organisation=network.org_b).exists()
    page.goto(case_url)
    upload_form = f"main form[action='{reverse('cases:document_upload', args=[case.pk])}']"
    page.click("#documents summary")
    page.select_option(f"{upload_form} select[name=kind]", "other")
    page.fill(f"{upload_form} input[name=title]", "Ricevuta della consegna")
    file = tmp_path / "ricevuta.pdf"
    file.write_bytes(PDF)
    page.set_input_files(f"{upload_form} input[name=file]", str(file))
    _submit(page, reverse("cases:document_upload", args=[case.pk]))
    document = Document.objects.get(case=case, organisation=network.org_b)

    # then: the case page lists both, and not the lead's document
    page.goto(case_url)
    assert "Pacco consegnato da B" in page.locator("#interventions").inner_text()
    documents = page.locator("#documents").inner_text()
    assert "Ricevuta della consegna" in documents
    assert "ISEE del Comune" not in documents
    # and: its own document downloads
    with page.expect_download() as download:
        page.click(f"#documents a[href='{reverse('cases:document_download', args=[document.pk])}']")
    assert Path(download.value.path()).read_bytes() == PDF
