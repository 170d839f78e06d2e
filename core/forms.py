"""What every form shares: model fields without ModelForm's checks, Bootstrap classes and date pickers, and the
renderer that draws every field with the one template `forms/field.html`."""

from __future__ import annotations

from django import forms
from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Django's FORM_RENDERER: templates from the project's loaders, each field drawn by `forms/field.html`
    (`{{ field.as_field_group }}`)."""

    field_template_name = "forms/field.html"


def model_fields(model, fields, **kwargs):
    """Class decorator: the model's form fields for `fields`, placed before the declared ones
    (a declared field of the same name wins)."""

    def decorate(cls):
        generated = forms.fields_for_model(model, fields=fields, **kwargs)
        # Both: `base_fields` for this class, `declared_fields` for the subclasses' metaclass.
        cls.declared_fields = {**generated, **cls.declared_fields}
        cls.base_fields = {**generated, **cls.base_fields}
        return cls

    return decorate


class DateInput(forms.DateInput):
    """The browser's date picker; it sends ISO dates, which every locale's DateField accepts."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class StyledForm(forms.Form):
    """Bootstrap classes on every widget, `is-invalid` on the fields with errors, HTML date inputs.

    A subclass that adds fields in its `__init__` calls `self.style()` again afterwards.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()

    def style(self) -> None:
        for field in self.fields.values():
            field.show_hidden_initial = False  # set by callable model defaults; no use here
            if isinstance(field, forms.DateField) and not isinstance(field.widget, DateInput | forms.HiddenInput):
                field.widget = DateInput()
            widget = field.widget
            if widget.is_hidden:
                continue
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):  # incl. CheckboxSelectMultiple
                _add_class(widget, "form-check-input")
            elif isinstance(widget, forms.Select):
                _add_class(widget, "form-select")
            else:
                _add_class(widget, "form-control")

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                _add_class(self.fields[name].widget, "is-invalid")


def _add_class(widget, css: str) -> None:
    classes = widget.attrs.get("class", "").split()
    if css not in classes:
        widget.attrs["class"] = " ".join([*classes, css])
