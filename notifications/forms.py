"""Input validation for the notification pages: the list's filter and the e-mail preferences.

Like `cases.forms`: the forms check the shape of the input; `notifications.services` applies the rules and its
ValidationError is put back on the form by the view.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.forms import StyledForm
from notifications.models import EmailMode

SHOW_ALL = "all"
SHOW_UNREAD = "unread"


class NotificationFilterForm(forms.Form):
    show = forms.ChoiceField(required=False, choices=[(SHOW_ALL, _("All")), (SHOW_UNREAD, _("Unread"))])

    def unread_only(self) -> bool:
        """Whether the list shows unread notifications only; an unknown value shows them all."""
        return self.is_valid() and self.cleaned_data.get("show") == SHOW_UNREAD


class PreferenceForm(StyledForm):
    email_mode = forms.ChoiceField(label=_("E-mails"), choices=EmailMode.choices, widget=forms.RadioSelect)
    language = forms.ChoiceField(
        label=_("Language of the e-mails"),
        choices=settings.LANGUAGES,
        help_text=_("The pages follow the language you choose in the menu; e-mails are written in this one."),
    )
