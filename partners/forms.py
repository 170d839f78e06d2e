"""Input validation for the partners pages. Writes go through `partners.services`."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import AuditAction
from partners.models import (
    NetworkRole,
    Organisation,
    OrganisationKind,
    ServiceType,
    ShareSection,
    share_sections_normalised,
)
from partners.roles import Role


def role_choices(organisation: Organisation) -> list[tuple[str, str]]:
    """Roles an organisation may give: only the coordinating organisation has coordinators."""
    return [(value, label) for value, label in Role.choices if value != Role.COORDINATOR or organisation.is_coordinator]


class OrganisationFilterForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    service = forms.ModelChoiceField(
        label=_("Service offered"), queryset=ServiceType.objects.all(), required=False, empty_label=_("Any service")
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any kind")), *OrganisationKind.choices])
    network_role = forms.ChoiceField(
        label=_("Role in the network"), required=False, choices=[("", _("Any role")), *NetworkRole.choices]
    )


class MemberAddForm(forms.Form):
    EXISTING = "existing"
    NEW = "new"

    account = forms.ChoiceField(
        label=_("Account"),
        choices=[(EXISTING, _("A person who already has a Tavolo account")), (NEW, _("A new account"))],
        initial=NEW,
        widget=forms.RadioSelect,
    )
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("Letters, digits and @/./+/-/_ only."),
    )
    role = forms.ChoiceField(label=_("Role"))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("E-mail"), required=False, help_text=_("A new member receives here the link to choose their password.")
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "---------"), *role_choices(organisation)]

    def clean(self):
        data = super().clean()
        username = data.get("username")
        account = data.get("account")
        if not username or not account:
            return data
        exists = get_user_model().objects.filter(username__iexact=username).exists()
        if account == self.EXISTING and not exists:
            self.add_error("username", _("There is no account with this username."))
        elif account == self.NEW:
            if exists:
                self.add_error(
                    "username",
                    _(
                        "This username is already taken. To add that person, choose "
                        "“A person who already has a Tavolo account”."
                    ),
                )
            for name in ("first_name", "last_name", "email"):
                if not data.get(name):
                    self.add_error(name, _("This field is required for a new account."))
        return data


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(organisation)


class AuditFilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    action = forms.ChoiceField(label=_("Action"), required=False, choices=[("", _("Any action")), *AuditAction.choices])
    user = forms.CharField(
        label=_("User"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"placeholder": _("part of the username")}),
    )
    case = forms.IntegerField(label=_("Case id"), required=False, min_value=1, max_value=2**62)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filter(self, qs):
        """Apply the valid filters to an audit queryset (invalid ones are shown as errors and ignored)."""
        data = self.cleaned_data if self.is_bound else {}
        tz = timezone.get_current_timezone()
        if data.get("date_from"):
            qs = qs.filter(at__gte=datetime.datetime.combine(data["date_from"], datetime.time.min, tzinfo=tz))
        if data.get("date_to"):
            next_day = data["date_to"] + datetime.timedelta(days=1)
            qs = qs.filter(at__lt=datetime.datetime.combine(next_day, datetime.time.min, tzinfo=tz))
        if data.get("action"):
            qs = qs.filter(action=data["action"])
        if data.get("user"):
            qs = qs.filter(username__icontains=data["user"].strip())
        if data.get("case"):
            qs = qs.filter(case_id=data["case"])
        return qs

    def active_filters(self) -> dict:
        """The filters in use, as plain values (written into the export's audit row)."""
        data = self.cleaned_data if self.is_bound else {}
        return {key: str(value) for key, value in data.items() if value not in (None, "")}


class AccountSetupEmail(PasswordResetForm):
    """The e-mail a new member gets to choose their first password.

    It reuses Django's password-reset tokens (one use, expiring after PASSWORD_RESET_TIMEOUT), but for
    one given user: the stock form skips accounts without a usable password, which is exactly what a
    new account has.
    """

    def __init__(self, *, user, organisation: Organisation):
        super().__init__(data={"email": user.email})
        self.user = user
        self.organisation = organisation

    def get_users(self, email):
        return [self.user] if self.user.is_active and self.user.email else []

    def send(self, request) -> bool:
        if not self.is_valid() or not self.get_users(self.user.email):
            return False
        self.save(
            request=request,
            use_https=request.is_secure(),
            subject_template_name="registration/account_setup_subject.txt",
            email_template_name="registration/account_setup_email.txt",
            extra_email_context={"organisation": self.organisation},
        )
        return True


class ServiceTypeForm(forms.ModelForm):
    """A service of the catalogue (the admin's form): the sections it needs are ticked, not typed as JSON."""

    share_sections = forms.MultipleChoiceField(
        label=_("Sections of the file this service needs"),
        required=False,
        choices=ShareSection.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Ticked in advance on the referral form when this service is chosen; none: the case summary only."),
    )

    class Meta:
        model = ServiceType
        fields = ["code", "name", "description", "sla_working_days", "share_sections"]

    def clean_share_sections(self) -> list[str]:
        return share_sections_normalised(self.cleaned_data["share_sections"])
