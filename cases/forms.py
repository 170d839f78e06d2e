"""Input validation for the case pages.

The forms check the shape of the input only (types, choices, lengths); the services apply the rules
(permissions, duplicates, dates, consent) and save. A service's ValidationError is put back on the
form by the view. That is why these are plain forms whose fields are taken from the models
(labels, choices and lengths stay in one place) rather than ModelForms: a ModelForm would run the
model's uniqueness and constraint checks with generic messages before the service could answer.
"""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from cases.models import (
    Action,
    Assessment,
    CaseStatus,
    ClosureOutcome,
    Consent,
    Document,
    Goal,
    Household,
    Intervention,
    Note,
    Person,
    Plan,
    Relationship,
)
from cases.services.persons import PERSON_FIELDS, PersonFields
from core.forms import StyledForm, model_fields
from partners.models import Organisation

User = get_user_model()


def organisation_field(memberships, *, label=None) -> forms.TypedChoiceField:
    """A choice among the user's memberships (e.g. where they are a case manager); hidden when only one."""
    field = forms.TypedChoiceField(
        label=label or _("Organisation"),
        coerce=int,
        choices=[(m.organisation_id, m.organisation_name) for m in memberships],
    )
    if len(memberships) == 1:
        field.widget = forms.HiddenInput()
        field.initial = field.empty_value = memberships[0].organisation_id
        field.required = False
    return field


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


# --- people --------------------------------------------------------------------------------------


class PersonSearchForm(StyledForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "placeholder": _("Surname and name, codice fiscale or birth date (dd/mm/yyyy)"),
                "autofocus": True,
                "type": "search",
            }
        ),
    )


@model_fields(Person, PERSON_FIELDS, widgets={"languages": forms.TextInput})
class PersonForm(StyledForm):
    # Longer than 16: people type it with spaces; the service compacts and checks it.
    codice_fiscale = forms.CharField(
        label=_("codice fiscale"),
        max_length=24,
        required=False,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"}),
    )

    def person_data(self) -> PersonFields:
        return cast(PersonFields, {key: self.cleaned_data.get(key) for key in PERSON_FIELDS})


class PersonRegisterForm(PersonForm):
    field_order = ["organisation"]
    confirmed_new = forms.BooleanField(
        label=_("None of these is the person: register a new one"),
        required=False,
    )

    def __init__(self, *args, memberships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"] = organisation_field(memberships, label=_("Registering organisation"))
        self.order_fields(self.field_order)
        self.style()


class PersonMergeForm(StyledForm):
    merged = forms.ModelChoiceField(queryset=Person.objects.none(), widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason for the merge"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    confirm = forms.BooleanField(label=_("I have checked: these two records are the same person"))

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["merged"].queryset = candidates


@model_fields(
    Consent,
    ["purpose", "given_on", "expires_on", "organisations", "signed_document"],
    widgets={"organisations": forms.CheckboxSelectMultiple},
)
class ConsentForm(StyledForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = Organisation.objects.filter(is_active=True).order_by("name")
        self.fields["organisations"].help_text = _("Only for sharing with named organisations.")


class ConsentWithdrawForm(StyledForm):
    withdrawn_on = forms.DateField(label=_("withdrawn on"), required=False)
    note = forms.CharField(label=_("withdrawal note"), max_length=200, required=False)


# --- households ----------------------------------------------------------------------------------


@model_fields(Household, ["name", "address", "isee_value", "isee_expires_on"])
class HouseholdForm(StyledForm):
    pass


class HouseholdCreateForm(HouseholdForm):
    def __init__(self, *args, memberships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"] = organisation_field(memberships)
        self.style()


class HouseholdMemberForm(StyledForm):
    # Rendered as radio buttons over the search results by the template, not from the queryset.
    person = forms.ModelChoiceField(
        label=_("person"),
        queryset=Person.objects.none(),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the person among the search results.")},
    )
    relationship = forms.ChoiceField(label=_("relationship"), choices=Relationship.choices)

    def __init__(self, *args, persons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = persons


# --- cases ---------------------------------------------------------------------------------------


class CaseFilterForm(StyledForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Name, codice fiscale or case code"), "type": "search"}),
    )
    status = forms.ChoiceField(
        label=_("status"), required=False, choices=[("", _("All statuses")), *CaseStatus.choices]
    )
    mine = forms.BooleanField(label=_("Only my cases"), required=False)


class CaseOpenForm(StyledForm):
    person = forms.IntegerField(widget=forms.HiddenInput)
    codice_fiscale_proof = forms.CharField(required=False, max_length=24, widget=forms.HiddenInput)
    title = forms.CharField(label=_("title"), max_length=160, required=False)
    household = forms.ModelChoiceField(label=_("household"), queryset=Household.objects.none(), required=False)
    case_manager = UserChoiceField(
        label=_("case manager"), queryset=User.objects.none(), required=False, help_text=_("Empty: you.")
    )

    def __init__(self, *args, memberships, households, case_managers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"] = organisation_field(memberships, label=_("lead organisation"))
        self.order_fields(["person", "codice_fiscale_proof", "organisation"])
        self.style()
        self.fields["household"].queryset = households
        self.fields["case_manager"].queryset = case_managers


class CaseEditForm(StyledForm):
    title = forms.CharField(label=_("title"), max_length=160, required=False)
    household = forms.ModelChoiceField(label=_("household"), queryset=Household.objects.none(), required=False)
    case_manager = UserChoiceField(label=_("case manager"), queryset=User.objects.none(), required=False)

    def __init__(self, *args, households, case_managers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households
        self.fields["case_manager"].queryset = case_managers


class CaseStatusForm(StyledForm):
    status = forms.ChoiceField(
        label=_("status"), choices=[(s.value, s.label) for s in CaseStatus if s != CaseStatus.CLOSED]
    )


class CaseCloseForm(StyledForm):
    outcome = forms.ChoiceField(label=_("outcome"), choices=ClosureOutcome.choices)
    note = forms.CharField(
        label=_("closure note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    closed_on = forms.DateField(label=_("closed on"), required=False)


class OverviewFilterForm(StyledForm):
    status = forms.ChoiceField(
        label=_("status"), required=False, choices=[("", _("All statuses")), *CaseStatus.choices]
    )
    organisation = forms.ModelChoiceField(
        label=_("lead organisation"),
        required=False,
        queryset=Organisation.objects.all(),
        empty_label=_("All organisations"),
    )


# --- the case file -------------------------------------------------------------------------------


@model_fields(
    Assessment,
    ["domain", "severity", "notes", "assessed_on"],
    widgets={"notes": forms.Textarea(attrs={"rows": 2})},
)
class AssessmentForm(StyledForm):
    pass


@model_fields(Plan, ["agreed_on", "next_review_on", "summary"], widgets={"summary": forms.Textarea(attrs={"rows": 4})})
class PlanForm(StyledForm):
    pass


@model_fields(Goal, ["domain", "description"])
class GoalForm(StyledForm):
    pass


@model_fields(Action, ["description", "owner_organisation", "due_on", "status"])
class ActionForm(StyledForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_organisation"].queryset = Organisation.objects.filter(is_active=True)


@model_fields(Note, ["body", "is_sensitive"], widgets={"body": forms.Textarea(attrs={"rows": 4})})
class NoteForm(StyledForm):
    pass


@model_fields(Document, ["kind", "title", "is_sensitive"])
class DocumentForm(StyledForm):
    field_order = ["kind", "title", "file", "is_sensitive"]
    file = forms.FileField(
        label=_("file"),
        help_text=_("PDF, PNG or JPEG."),
        widget=forms.FileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )


@model_fields(Intervention, ["kind", "service_type", "delivered_on", "quantity", "value", "note"])
class InterventionForm(StyledForm):
    pass
