"""Input validation for the work lists, the task pages and the handoff forms.

Like `cases.forms`: the forms check the shape of the input (types, choices, lengths); the services in
`workflows.services` apply the rules (who may act, consent, duplicates, states) and their ValidationError is put
back on the form by the view.
"""

from __future__ import annotations

from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cases.models import ClosureOutcome, ShareSection
from core.forms import StyledForm
from core.parsing import posted_id
from partners.models import Organisation, share_sections_normalised
from workflows.flows import FLOWS
from workflows.models import DeclineReason, HandoffKind, HandoffStatus, Outcome, Urgency

NOTE_MAX = 4000


def _note(label, *, required: bool = False, rows: int = 3):
    return forms.CharField(
        label=label, required=required, max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": rows})
    )


def step_choices() -> list[tuple[str, str]]:
    """The human steps of every flow, for the work lists' step filter (one entry per node name)."""
    choices: dict[str, str] = {}
    for flow_class in FLOWS:
        for node in flow_class.instance.nodes():
            if node.task_type == "HUMAN" and node.name not in choices:
                choices[node.name] = node.task_title or node.name
    return sorted(choices.items(), key=lambda item: str(item[1]))


# --- lists ---------------------------------------------------------------------------------------------


class TaskFilterForm(StyledForm):
    q = forms.CharField(
        label=_("Case code"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. C2026-000123")}),
    )
    step = forms.ChoiceField(label=_("Step"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["step"].choices = [("", _("All steps")), *step_choices()]


class HandoffFilterForm(StyledForm):
    q = forms.CharField(
        label=_("Case code"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. C2026-000123")}),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *HandoffStatus.choices]
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


def filters_of(form: forms.Form) -> dict:
    """The filters a list form asks for; an invalid filter is ignored (the form shows its error)."""
    if not form.is_valid():
        return {}
    data = form.cleaned_data
    return {key: value for key, value in data.items() if key != "q"} | {"query": data.get("q", "")}


# --- sending a handoff, and redirecting a declined one ----------------------------------------------


class ServiceChoiceField(forms.TypedChoiceField):
    """A service id. The select shows the chosen receiver's catalogue, but any id passes the form: the handoff
    service then says clearly when the receiver does not offer that service."""

    def valid_value(self, value) -> bool:
        return posted_id(value) is not None or super().valid_value(value)


class ServiceSelect(forms.Select):
    """The service select. Each option carries the sections its service needs (`data-sections`), so the page's
    script can tick them when the service is chosen, also after htmx replaced the select."""

    option_sections: dict[int, list[str]]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.option_sections = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        if value not in ("", None):
            option["attrs"]["data-sections"] = " ".join(self.option_sections.get(int(value), []))
        return option


class HandoffTargetForm(StyledForm):
    """The receiving organisation and the service asked of it.

    `receivers` are the organisations one may send to. The service select lists the catalogue of the chosen
    receiver (`receiver_id`), or every receiver's catalogue grouped by organisation when none is chosen yet;
    the service checks that the receiver offers the service.
    """

    receiver_organisation = forms.ModelChoiceField(
        label=_("To"), queryset=Organisation.objects.none(), empty_label=_("Choose an organisation")
    )
    service_type = ServiceChoiceField(
        label=_("Requested service"), required=False, coerce=int, empty_value=None, widget=ServiceSelect
    )

    def __init__(
        self,
        *args,
        receivers,
        receiver_id: int | None = None,
        can_override: bool = False,
        refresh_url: str = "",
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["receiver_organisation"].queryset = receivers
        if refresh_url:
            # Choosing the receiver reloads its catalogue and the consent warning (#tv-target-dynamic).
            self.fields["receiver_organisation"].widget.attrs.update(
                {
                    "hx-get": refresh_url,
                    "hx-trigger": "change",
                    "hx-include": "this",
                    "hx-select": "#tv-target-dynamic",
                    "hx-target": "#tv-target-dynamic",
                    "hx-swap": "outerHTML",
                }
            )
        choices, self.service_sections = self._service_choices(receivers, receiver_id)
        self.fields["service_type"].choices = choices
        self.fields["service_type"].widget.option_sections = self.service_sections
        if not can_override:
            del self.fields["override_consent"]
            del self.fields["override_reason"]
        self.style()

    @staticmethod
    def _service_choices(receivers, receiver_id) -> tuple[list, dict[int, list[str]]]:
        """The choices of the service select, and the sections each of those services needs (by id)."""
        through = (
            Organisation.services.through.objects.filter(organisation__in=receivers)
            .select_related("organisation", "servicetype")
            .order_by("organisation__name", "servicetype__name")
        )
        if receiver_id is not None:
            through = through.filter(organisation_id=receiver_id)
        groups: dict[str, list] = {}
        sections: dict[int, list[str]] = {}
        for row in through:
            groups.setdefault(row.organisation.name, []).append((row.servicetype_id, row.servicetype.name))
            sections[row.servicetype_id] = share_sections_normalised(row.servicetype.share_sections)
        if receiver_id is not None:
            flat = [choice for choices in groups.values() for choice in choices]
            return [("", _("Choose a service")), *flat], sections
        return [("", _("Choose a service")), *groups.items()], sections

    override_consent = forms.BooleanField(
        label=_("Send even though the person's consent does not cover this organisation (override)"),
        required=False,
        help_text=_("Only when the law allows it: the override and its reason are written to the audit log."),
    )
    override_reason = _note(_("Reason for the override"), rows=2)


class HandoffSendForm(HandoffTargetForm):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=HandoffKind.choices, initial=HandoffKind.REFERRAL, widget=forms.RadioSelect
    )
    reason = _note(_("Reason"), required=True)
    sections = forms.MultipleChoiceField(
        label=_("Sections of the file to share"),
        required=False,
        choices=ShareSection.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Choosing the service ticks the sections it usually needs. A referral shares only what is "
            "ticked; a transfer hands over the whole file."
        ),
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL, widget=forms.RadioSelect
    )

    field_order = [
        "kind",
        "receiver_organisation",
        "service_type",
        "reason",
        "sections",
        "urgency",
        "override_consent",
        "override_reason",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A new form with a service already chosen starts with the sections that service needs. A bound form
        # shows what the sender ticked: their choice, never replaced by the service's.
        service_id = self.initial.get("service_type")
        if not self.is_bound and service_id is not None and "sections" not in self.initial:
            self.initial["sections"] = self.service_sections.get(service_id, [])

    def clean_sections(self) -> list[str]:
        return share_sections_normalised(self.cleaned_data["sections"])

    def share_summary(self) -> dict:
        """What the receiver will see and will not see, as the form stands (the page's script keeps it live).

        `sections` are (code, label, shared) for every section of the file; `receiver` is the chosen
        organisation as the receiver select names it.
        """
        chosen = set(self["sections"].value() or ())
        receiver_id = posted_id(self["receiver_organisation"].value())
        receiver = None
        if receiver_id is not None:
            receiver = self.fields["receiver_organisation"].queryset.filter(pk=receiver_id).first()
        name = str(receiver) if receiver else _("The receiver")
        return {
            # Marked up so the page's script can put the receiver chosen later in its place.
            "receiver": format_html('<span class="tv-share-org">{}</span>', name),
            "transfer": self["kind"].value() == HandoffKind.TRANSFER,
            "sections": [(code, label, code in chosen) for code, label in ShareSection.choices],
            "summary_only": not chosen,
        }


class HandoffRedirectForm(HandoffTargetForm):
    reason = _note(_("Reason (leave empty to keep the one already written)"))

    field_order = ["receiver_organisation", "service_type", "reason", "override_consent", "override_reason"]


class RevokeForm(StyledForm):
    reason = _note(_("Why are you revoking it?"), required=True, rows=2)


# --- answering a handoff ------------------------------------------------------------------------------


class AcceptForm(StyledForm):
    note = _note(_("Note for the sender (optional)"), rows=2)


class DeclineForm(StyledForm):
    reason = forms.ChoiceField(label=_("Reason for declining"), choices=[("", "—"), *DeclineReason.choices])
    note = _note(_("Note (required for “other”)"), rows=2)


class OutcomeForm(StyledForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect)
    note = _note(_("Note (required unless completed)"))


class HandoffCloseForm(StyledForm):
    note = _note(_("Note (optional)"), rows=2)


class FollowUpForm(StyledForm):
    note = _note(_("What did you do about it?"), required=True)


# --- the steps of the case pathway ---------------------------------------------------------------------


class TriageForm(StyledForm):
    case_manager = forms.ModelChoiceField(
        label=_("Case manager"), queryset=None, empty_label=_("Choose the case manager")
    )

    def __init__(self, *args, case_managers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case_manager"].queryset = case_managers
        self.fields["case_manager"].label_from_instance = lambda user: user.get_full_name() or user.get_username()


class ReviewForm(StyledForm):
    keep_open = forms.TypedChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        coerce=lambda value: value == "yes",
        choices=[("yes", _("Keep the case open (schedule the next review)")), ("no", _("Go on to closure"))],
    )
    note = _note(_("Note on the review"))


class ClosureForm(StyledForm):
    outcome = forms.ChoiceField(label=_("Outcome of the case"), choices=[("", "—"), *ClosureOutcome.choices])
    note = _note(_("Closure note"))
