"""Input validation of the housing pages: the shapes (dates, sums, counts, choices) are parsed here, once; the
services take the cleaned values and check only the domain rules (dates in order, capacity, eligibility...),
raising ValidationError keyed on the field, which the views put back on the form (`core.views.apply_errors`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import StyledForm
from housing.models import (
    Comparison,
    ExitReason,
    ResourceKind,
    RuleField,
    Situation,
    TargetGroup,
)
from housing.services.offers import default_hold_days
from housing.services.resources import WEIGHT_FIELDS
from partners.models import Organisation


class ProfileForm(StyledForm):
    situation = forms.ChoiceField(label=_("current situation"), choices=Situation.choices)
    eviction_date = forms.DateField(label=_("eviction date"), required=False)
    household_size = forms.IntegerField(label=_("household size"), min_value=1, max_value=30, initial=1)
    minors = forms.IntegerField(label=_("minors in the household"), min_value=0, max_value=29, initial=0)
    disabled_members = forms.IntegerField(label=_("members with a disability"), min_value=0, max_value=30, initial=0)
    isee = forms.DecimalField(label=_("ISEE (€)"), required=False, max_digits=10, decimal_places=2)
    isee_erp = forms.DecimalField(label=_("ISEE-ERP (€)"), required=False, max_digits=10, decimal_places=2)
    income = forms.DecimalField(label=_("yearly income (€)"), required=False, max_digits=10, decimal_places=2)
    years_in_region = forms.IntegerField(
        label=_("years of residence in Lombardy"), required=False, min_value=0, max_value=120
    )
    notes = forms.CharField(label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ApplicationForm(StyledForm):
    kind = forms.ChoiceField(label=_("resource type"), choices=ResourceKind.choices)
    applied_on = forms.DateField(label=_("applied on"), required=False)
    protocol_number = forms.CharField(label=_("protocol number"), required=False, max_length=40)
    official_rank = forms.IntegerField(
        label=_("position in the official ranking"), required=False, min_value=1, max_value=999999
    )
    override = forms.BooleanField(label=_("Apply although the household is not eligible (override)"), required=False)
    override_reason = forms.CharField(
        label=_("reason for the override"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ResourceForm(StyledForm):
    kind = forms.ChoiceField(label=_("type"), choices=ResourceKind.choices)
    name = forms.CharField(label=_("name"), max_length=160)
    address = forms.CharField(label=_("address"), max_length=200)
    city = forms.CharField(label=_("city"), max_length=100, initial="Cinisello Balsamo")
    capacity = forms.IntegerField(label=_("places"), min_value=1, max_value=500, initial=1)
    target_groups = forms.MultipleChoiceField(
        label=_("target groups"), choices=TargetGroup.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    max_stay_days = forms.IntegerField(label=_("maximum stay (days)"), required=False, min_value=1, max_value=3650)

    def __init__(self, *args, providers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if providers is not None:
            self.fields["provider"] = forms.ModelChoiceField(label=_("provider"), queryset=providers, empty_label=None)
            self.order_fields(["provider"])
            self.style()


class OfferForm(StyledForm):
    application = forms.IntegerField(widget=forms.HiddenInput)
    place = forms.IntegerField(label=_("place"))
    hold_days = forms.IntegerField(label=_("hold the place for (days)"), min_value=1, max_value=30)
    override = forms.BooleanField(label=_("Offer although the household is not eligible (override)"), required=False)
    override_reason = forms.CharField(
        label=_("reason for the override"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, places=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hold_days"].initial = default_hold_days()
        if places is not None:
            self.fields["place"] = forms.TypedChoiceField(
                label=_("place"), coerce=int, choices=[(p.pk, str(p)) for p in places]
            )
            self.order_fields(["place"])
            self.style()


class AcceptOfferForm(StyledForm):
    move_in = forms.DateField(label=_("move-in"), required=False)
    planned_move_out = forms.DateField(label=_("planned move-out"), required=False)
    accompaniment_plan = forms.CharField(
        label=_("accompaniment plan"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class DeclineOfferForm(StyledForm):
    reason = forms.CharField(label=_("reason for declining"), widget=forms.Textarea(attrs={"rows": 2}))


class StayStartForm(StyledForm):
    case_code = forms.CharField(label=_("case code"), max_length=20)
    move_in = forms.DateField(label=_("move-in"), required=False)
    planned_move_out = forms.DateField(label=_("planned move-out"), required=False)
    accompaniment_plan = forms.CharField(
        label=_("accompaniment plan"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class StayEndForm(StyledForm):
    move_out = forms.DateField(label=_("move-out"), required=False)
    exit_reason = forms.ChoiceField(label=_("reason for leaving"), choices=ExitReason.choices)


class StayPlanForm(StyledForm):
    accompaniment_plan = forms.CharField(label=_("accompaniment plan"), widget=forms.Textarea(attrs={"rows": 4}))
    planned_move_out = forms.DateField(label=_("planned move-out"), required=False)


class RuleForm(StyledForm):
    kind = forms.ChoiceField(label=_("resource type"), choices=ResourceKind.choices)
    field = forms.ChoiceField(label=_("value"), choices=RuleField.choices)
    comparison = forms.ChoiceField(label=_("comparison"), choices=Comparison.choices)
    threshold = forms.DecimalField(label=_("threshold"), min_value=0, max_digits=12, decimal_places=2)
    message = forms.CharField(label=_("message when not met"), max_length=300)
    source = forms.CharField(label=_("source"), max_length=300, required=False)
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)


class WeightsForm(StyledForm):
    effective_from = forms.DateField(label=_("valid from"))
    note = forms.CharField(label=_("why this version"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from housing.models import PriorityWeights

        for name in WEIGHT_FIELDS:
            model_field = PriorityWeights._meta.get_field(name)
            self.fields[name] = forms.IntegerField(
                label=model_field.verbose_name, min_value=0, max_value=3650 if name == "eviction_window_days" else 1000
            )
        self.style()


# --- the steps of the housing pathway ------------------------------------------------------------------------


def provider_choices(step: str):
    """The organisations offering the kind of housing of `step` (the pathway's one rule, `step_providers`)."""
    from housing.services.pathway import step_providers

    return step_providers(step)


class AssessmentStepForm(StyledForm):
    emergency_needed = forms.BooleanField(label=_("An emergency placement is needed"), required=False)
    emergency_provider = forms.ModelChoiceField(
        label=_("emergency provider"), queryset=Organisation.objects.none(), required=False
    )
    temporary_provider = forms.ModelChoiceField(
        label=_("temporary housing provider"), queryset=Organisation.objects.none()
    )
    public_provider = forms.ModelChoiceField(label=_("public housing provider"), queryset=Organisation.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for step in ("emergency", "temporary", "public"):
            self.fields[f"{step}_provider"].queryset = provider_choices(step)


class DoneStepForm(StyledForm):
    """A step whose work is recorded on the provider page: the button says it is done."""


class PublicApplicationStepForm(StyledForm):
    applied_on = forms.DateField(label=_("applied on"), required=False)
    protocol_number = forms.CharField(label=_("protocol number"), max_length=40)
    official_rank = forms.IntegerField(
        label=_("position in the official ranking"), required=False, min_value=1, max_value=999999
    )
    override = forms.BooleanField(label=_("Apply although the household is not eligible (override)"), required=False)
    override_reason = forms.CharField(
        label=_("reason for the override"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class FollowUpStepForm(StyledForm):
    note = forms.CharField(label=_("how the household is doing"), widget=forms.Textarea(attrs={"rows": 3}))


class FinalFollowUpStepForm(FollowUpStepForm):
    outcome = forms.ChoiceField(
        label=_("outcome"),
        choices=[
            ("autonomy", _("Autonomy: the household lives on its own")),
            ("return", _("Return: the household needs the pathway again")),
        ],
        widget=forms.RadioSelect,
    )
