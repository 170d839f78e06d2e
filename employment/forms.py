"""Input shape only (types, choices, lengths); `employment.services` applies the rules and saves."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import StyledForm
from employment.models import (
    DAY_BITS,
    CefrLevel,
    ContractType,
    DidStatus,
    EducationLevel,
    EnrolmentStatus,
    InternshipStatus,
    Language,
    Mobility,
    Opportunity,
    PathType,
    Shift,
    Skill,
    day_labels,
)
from partners.models import ServiceType
from workflows.models import Urgency

LANGUAGE_ROWS = 4


def days_to_mask(days) -> int:
    return sum(DAY_BITS[day] for day in days or () if day in DAY_BITS)


def mask_to_days(mask: int) -> list[str]:
    return [day for day, bit in DAY_BITS.items() if mask & bit]


class DaysField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(choices=day_labels, **kwargs)


def skill_field(label, required: bool = False) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        queryset=Skill.objects.all(), required=required, label=label, widget=forms.SelectMultiple(attrs={"size": 10})
    )


class LanguagesMixin:
    """`language_N` + `level_N` rows, read back as {language: level}."""

    def add_language_rows(self, initial: list[tuple[str, int]] | None = None) -> None:
        initial = list(initial or [])
        for index in range(LANGUAGE_ROWS):
            language, level = initial[index] if index < len(initial) else ("", "")
            self.fields[f"language_{index}"] = forms.ChoiceField(  # type: ignore[attr-defined]
                choices=[("", "—"), *Language.choices], required=False, label=_("Language"), initial=language
            )
            self.fields[f"level_{index}"] = forms.TypedChoiceField(  # type: ignore[attr-defined]
                choices=[("", "—"), *CefrLevel.choices],
                coerce=int,
                required=False,
                label=_("CEFR level"),
                initial=level,
                empty_value=None,
            )

    def language_levels(self) -> dict[str, int]:
        """{language: CEFR level}; a language given twice keeps its highest level."""
        levels: dict[str, int] = {}
        for index in range(LANGUAGE_ROWS):
            language = self.cleaned_data.get(f"language_{index}")  # type: ignore[attr-defined]
            level = self.cleaned_data.get(f"level_{index}")  # type: ignore[attr-defined]
            if language and level:
                levels[language] = max(level, levels.get(language, 0))
            elif language or level:
                self.add_error(f"level_{index}", _("Give both the language and its level."))  # type: ignore
        return levels

    def language_rows(self):
        return [(self[f"language_{index}"], self[f"level_{index}"]) for index in range(LANGUAGE_ROWS)]  # type: ignore


class ProfileForm(LanguagesMixin, StyledForm):
    education_level = forms.ChoiceField(choices=EducationLevel.choices, label=_("Education"))
    qualifications = forms.CharField(
        label=_("Titles and qualifications"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    work_history = forms.CharField(
        label=_("Work history"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    skills = skill_field(_("Skills, qualifications and licences"))
    max_weekly_hours = forms.IntegerField(label=_("Hours available per week"), min_value=1, max_value=60)
    days = DaysField(label=_("Days available"))
    childcare_constraint = forms.BooleanField(label=_("Childcare limits work to daytime"), required=False)
    mobility = forms.TypedChoiceField(choices=Mobility.choices, coerce=int, label=_("Can reach work in"))
    did_status = forms.ChoiceField(choices=DidStatus.choices, label=_("DID (dichiarazione di immediata disponibilità)"))
    did_date = forms.DateField(label=_("DID date"), required=False)
    receives_adi = forms.BooleanField(label=_("Receives ADI (Assegno di inclusione)"), required=False)
    receives_sfl = forms.BooleanField(label=_("Receives SFL (Supporto formazione e lavoro)"), required=False)

    def __init__(self, *args, languages=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_language_rows(languages)
        self.style()

    def clean(self):
        data = super().clean()
        data["languages"] = self.language_levels()
        return data

    def visible_main_fields(self):
        return [field for field in self.visible_fields() if not field.name.startswith(("language_", "level_"))]


class ReferForm(StyledForm):
    receiver_organisation = forms.ModelChoiceField(queryset=None, label=_("Employment service"))
    service_type = forms.ModelChoiceField(queryset=None, label=_("Service requested"))
    reason = forms.CharField(
        label=_("Reason for the referral"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    urgency = forms.ChoiceField(choices=Urgency.choices, label=_("Urgency"), initial=Urgency.NORMAL)

    def __init__(self, *args, providers=None, **kwargs):
        from employment.permissions import EMPLOYMENT_SERVICE_CODES

        super().__init__(*args, **kwargs)
        self.fields["receiver_organisation"].queryset = providers  # type: ignore[attr-defined]
        self.fields["service_type"].queryset = ServiceType.objects.filter(  # type: ignore[attr-defined]
            code__in=EMPLOYMENT_SERVICE_CODES
        )


class AgreeForm(StyledForm):
    path_type = forms.ChoiceField(choices=PathType.choices, label=_("Agreed path"))
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class TrainingDoneForm(StyledForm):
    """Training and internships are recorded on the pathway page; this says the stage is over."""


class PlacementForm(StyledForm):
    # The employer may be left blank here: the service refuses it with its own message ("needs its employer").
    employer = forms.CharField(label=_("Employer"), max_length=150, required=False)
    contract_type = forms.ChoiceField(choices=[("", "—"), *ContractType.choices], label=_("Contract type"))
    starts_on = forms.DateField(label=_("Start date"))
    opportunity = forms.ModelChoiceField(queryset=Opportunity.objects.all(), widget=forms.HiddenInput, required=False)


class NotPlacedForm(StyledForm):
    note = forms.CharField(
        label=_("Why the path ends without a placement"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


class FollowUpForm(StyledForm):
    checked_on = forms.DateField(label=_("Checked on"))
    still_employed = forms.TypedChoiceField(
        choices=[("yes", _("Yes, still employed")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        label=_("Is the person still employed?"),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class EnrolForm(StyledForm):
    course = forms.ModelChoiceField(queryset=None, label=_("Course"))

    def __init__(self, *args, courses=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses  # type: ignore[attr-defined]


class InternshipForm(StyledForm):
    host_employer = forms.CharField(label=_("Host employer"), max_length=150)
    tutor = forms.CharField(label=_("Tutor"), max_length=150)
    starts_on = forms.DateField(label=_("Starts on"))
    ends_on = forms.DateField(label=_("Ends on"))
    weekly_hours = forms.IntegerField(label=_("Hours per week"), min_value=1, max_value=40)
    monthly_allowance = forms.DecimalField(
        label=_("Monthly allowance (€)"), min_value=0, max_digits=7, decimal_places=2
    )


class StatusForm(StyledForm):
    status = forms.ChoiceField(choices=(), label=_("Status"))

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = choices  # type: ignore[attr-defined]


INTERNSHIP_STATUS_CHOICES = InternshipStatus.choices
ENROLMENT_STATUS_CHOICES = EnrolmentStatus.choices


class DropOutForm(StyledForm):
    note = forms.CharField(
        label=_("Why the person leaves the pathway"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class OpportunityForm(LanguagesMixin, StyledForm):
    employer = forms.CharField(label=_("Employer"), max_length=150)
    role = forms.CharField(label=_("Role"), max_length=150)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    city = forms.CharField(label=_("Location"), max_length=100)
    area = forms.TypedChoiceField(choices=Mobility.choices, coerce=int, label=_("Reachable from"))
    weekly_hours = forms.IntegerField(label=_("Hours per week"), min_value=1, max_value=60)
    days = DaysField(label=_("Working days"))
    shift = forms.ChoiceField(choices=Shift.choices, label=_("Shift"))
    contract_type = forms.ChoiceField(choices=ContractType.choices, label=_("Contract type"))
    closing_on = forms.DateField(label=_("Closing date"))
    required_skills = skill_field(_("Required skills and licences"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_language_rows()
        self.style()

    def clean(self):
        data = super().clean()
        data["languages"] = self.language_levels()
        return data

    def visible_main_fields(self):
        return [field for field in self.visible_fields() if not field.name.startswith(("language_", "level_"))]


class CourseForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=150)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    location = forms.CharField(label=_("Location"), required=False, max_length=150)
    starts_on = forms.DateField(label=_("Starts on"))
    ends_on = forms.DateField(label=_("Ends on"))
    seats = forms.IntegerField(label=_("Seats"), min_value=1, max_value=500)
    min_italian_level = forms.TypedChoiceField(
        choices=[("", "—"), *CefrLevel.choices],
        coerce=int,
        required=False,
        empty_value=None,
        label=_("Minimum level of Italian"),
    )
    required_skills = skill_field(_("Requirements"))
