"""The dashboard's filters: period, organisation, pathway. Invalid input falls back to the defaults with a message."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from reports.periods import Period

MAX_PERIOD_DAYS = 366 * 5


class DashboardFilterForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    # Any id is accepted here: the scope answers 404 for an organisation the reader may not oversee, the same as
    # for one that does not exist.
    organisation = forms.IntegerField(label=_("Organisation"), required=False, min_value=1, widget=forms.Select)
    pathway = forms.ChoiceField(label=_("Pathway"), required=False)

    def __init__(self, *args, organisations, pathways, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].widget.choices = [("", _("All my organisations"))] + list(organisations)
        self.fields["pathway"].choices = [("", _("All pathways"))] + list(pathways)
        for field in self.fields.values():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs.setdefault("class", "form-select" if select else "form-control")

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        default = Period.default()
        start = start or (default.start if not end else end.replace(day=1) - datetime.timedelta(days=335))
        end = end or (default.end if not data.get("start") else max(start, default.end))
        if start > end:
            raise forms.ValidationError(_("The period must start before it ends."))
        if (end - start).days > MAX_PERIOD_DAYS:
            raise forms.ValidationError(_("The period may cover at most five years."))
        data["period"] = Period(start=start, end=end)
        return data


def read_filters(request, *, organisations, pathways) -> tuple[DashboardFilterForm, Period, int | None, str]:
    """The filters of a request: (form, period, organisation id, pathway); defaults when the form is invalid."""
    form = DashboardFilterForm(request.GET or None, organisations=organisations, pathways=pathways)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        return form, data["period"], data.get("organisation"), data.get("pathway") or ""
    return form, Period.default(), None, ""
