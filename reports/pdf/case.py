"""The case summary as a PDF: everything the reader may see of one case."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate

from cases import selectors as case_selectors
from cases.permissions.checks import case_capabilities
from core import l10n
from partners.roles import Capability
from partners.selectors import active_memberships
from reports.pdf.layout import _kv, _numbered_canvas, _p, _rows, _styles


def reader_organisation_id(user, case) -> int | None:
    """The organisation on whose behalf the reader reads the case (the lead first), for the audit row."""
    memberships = active_memberships(user)
    for m in memberships:
        if m.organisation_id == case.lead_organisation_id:
            return m.organisation_id
    return memberships[0].organisation_id if memberships else None


def case_summary(*, user, case_pk: int) -> tuple[bytes, object]:
    """Everything the reader may see of one case (the same selectors as the case page, so the same rules):
    the summary; with the file: personal data, household, consents, assessment and plan; the notes, services,
    documents (titles), handoffs and timeline they may read. Raises Http404 for a case they may not see."""
    from workflows import selectors as wf_selectors

    case = case_selectors.case_get_for(user=user, pk=case_pk)
    caps = case_capabilities(user, case)
    styles = _styles()
    buffer = io.BytesIO()
    title = _("Case summary %(code)s") % {"code": case.code}
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=title,
        author="Tavolo",
    )
    width = A4[0] - 30 * mm
    person = case.person
    story: list = [
        _p(title, styles["h1"]),
        _p(
            _("What your organisation may see of this case, on %(day)s.")
            % {"day": l10n.short_date(timezone.localdate())},
            styles["small"],
        ),
        _p(_("Case"), styles["h2"]),
        _kv(
            [
                (_("Code"), case.code),
                (_("Title"), case.title),
                (_("Status"), case.get_status_display()),
                (_("Lead organisation"), case.lead_organisation),
                (_("Case manager"), case.case_manager.get_full_name() if case.case_manager else ""),
                (_("Opened on"), case.opened_on),
                (_("Closed on"), case.closed_on),
                (_("Name"), f"{person.first_name} {person.last_name}"),
                (_("Birth date"), person.birth_date),
            ],
            styles,
            width,
        ),
    ]
    if Capability.VIEW_FILE in caps:
        story += [
            _p(_("Personal data"), styles["h2"]),
            _kv(
                [
                    (_("Codice fiscale"), person.codice_fiscale),
                    (_("Sex"), person.get_sex_display()),
                    (_("Birth place"), person.birth_place),
                    (_("Citizenship"), person.citizenship),
                    (_("Languages spoken"), person.languages),
                    (_("Phone"), person.phone),
                    (_("E-mail"), person.email),
                    (_("Address"), " ".join(p for p in (person.address, person.postcode, person.city) if p)),
                    (_("Homeless"), _("yes") if person.is_homeless else _("no")),
                ],
                styles,
                width,
            ),
        ]
        if case.household_id:
            household = case.household
            members = household.members.select_related("person")
            story += [
                _p(_("Household"), styles["h2"]),
                _kv(
                    [
                        (_("Name"), household.name),
                        (_("Address"), household.address),
                        (_("ISEE"), household.isee_value),
                        (_("ISEE expiry date"), household.isee_expires_on),
                    ],
                    styles,
                    width,
                ),
            ]
            story += _rows(
                [_("Member"), _("Relationship")],
                [(f"{m.person.first_name} {m.person.last_name}", m.get_relationship_display()) for m in members],
                styles,
                width,
            )
        story.append(_p(_("Consents"), styles["h2"]))
        story += _rows(
            [_("Purpose"), _("Given on"), _("Expires on"), _("Withdrawn on")],
            [
                (c.get_purpose_display(), c.given_on, c.expires_on, c.withdrawn_on)
                for c in case_selectors.consent_list_for(user=user, person=person)
            ],
            styles,
            width,
        )
        story.append(_p(_("Assessment of needs"), styles["h2"]))
        story += _rows(
            [_("Domain"), _("Severity"), _("Assessed on"), _("Notes")],
            [
                (a.get_domain_display(), a.get_severity_display(), a.assessed_on, a.notes)
                for a in case_selectors.assessment_latest_for(user=user, case=case)
            ],
            styles,
            width,
        )
        plan = case_selectors.plan_for(user=user, case=case)
        if plan is not None:
            story += [_p(_("Plan"), styles["h2"]), _p(plan.summary, styles["body"])]
            story += _rows(
                [_("Goal"), _("Status"), _("Actions")],
                [
                    (
                        g.description,
                        g.get_status_display(),
                        "; ".join(f"{a.description} ({a.owner_organisation})" for a in g.actions.all()),
                    )
                    for g in plan.goals.all()
                ],
                styles,
                width,
            )
    # The selectors decide what is listed: the organisation's own records always, others' as shared.
    notes = case_selectors.note_list_for(user=user, case=case)
    if Capability.READ_NOTES in caps or notes:
        story.append(_p(_("Notes"), styles["h2"]))
        story += _rows(
            [_("Date"), _("Organisation"), _("Text")],
            [(l10n.short_datetime(n.created_at), n.author_organisation, n.body) for n in notes],
            styles,
            width,
        )
    story.append(_p(_("Services delivered"), styles["h2"]))
    story += _rows(
        [_("Delivered on"), _("Kind"), _("Organisation"), _("Quantity"), _("Value (€)")],
        [
            (i.delivered_on, i.get_kind_display(), i.organisation, i.quantity, i.value)
            for i in case_selectors.intervention_list_for(user=user, case=case)
        ],
        styles,
        width,
    )
    documents = case_selectors.document_list_for(user=user, case=case)
    story.append(_p(_("Documents"), styles["h2"]))
    story += _rows(
        [_("Title"), _("Kind"), _("Organisation"), _("Uploaded on")],
        [
            (d.title, d.get_kind_display(), d.organisation, l10n.short_date(timezone.localtime(d.created_at)))
            for d in documents
        ],
        styles,
        width,
    )
    story.append(_p(_("Handoffs"), styles["h2"]))
    story += _rows(
        [_("Sent at"), _("From"), _("To"), _("Kind"), _("Status")],
        [
            (
                l10n.short_datetime(h.sent_at),
                h.sender_organisation,
                h.receiver_organisation,
                h.get_kind_display(),
                h.get_status_display(),
            )
            for h in wf_selectors.case_handoffs_for(user=user, case=case)
        ],
        styles,
        width,
    )
    if Capability.VIEW_TIMELINE in caps:
        story.append(_p(_("Timeline"), styles["h2"]))
        story += _rows(
            [_("When"), _("Organisation"), _("Event")],
            [
                (l10n.short_datetime(e.at), e.organisation, e.display_summary() or e.get_kind_display())
                for e in case_selectors.timeline_for(user=user, case=case)
            ],
            styles,
            width,
        )
    doc.build(story, canvasmaker=_numbered_canvas(title))
    return buffer.getvalue(), case
