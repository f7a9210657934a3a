"""The form renderer writes plain inputs and textareas in Python: exactly what Django's templates write."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from procurement.forms import FormRenderer

VALUES = [
    None,
    "",
    "plain",
    "quotes \" and ' <script>alert(1)</script> & more",
    0,
    12.5,
    mark_safe("<b>safe</b>"),
]
ATTRS = [
    {},
    {"class": "form-control is-invalid", "aria-invalid": "true", "rows": 3},
    {"required": True, "disabled": False, "placeholder": 'say "hi" <now>', "data-x": 0},
]
WIDGETS = [
    forms.TextInput,
    forms.NumberInput,
    forms.EmailInput,
    forms.URLInput,
    forms.PasswordInput,
    forms.HiddenInput,
    forms.DateInput,
    forms.DateTimeInput,
    forms.TimeInput,
    forms.SearchInput,
    forms.TelInput,
    forms.ColorInput,
    forms.FileInput,
    forms.Textarea,
]


@pytest.mark.parametrize("widget_class", WIDGETS, ids=lambda w: w.__name__)
@pytest.mark.parametrize("attrs", ATTRS, ids=["none", "styled", "booleans"])
def test_fast_widgets_write_what_the_templates_write(widget_class, attrs):
    kwargs = {"render_value": True} if widget_class is forms.PasswordInput else {}
    widget = widget_class(attrs=attrs, **kwargs)
    for value in VALUES:
        expected = widget.render("field-name", value, renderer=DjangoTemplates())
        assert widget.render("field-name", value, renderer=FormRenderer()) == expected, value


def test_other_widgets_still_render_through_their_templates():
    widget = forms.Select(choices=[("a", "<A>"), ("b", "B")])
    html = widget.render("pick", "b", renderer=FormRenderer())
    assert html == widget.render("pick", "b", renderer=DjangoTemplates())
    assert "&lt;A&gt;" in html and 'value="b" selected' in html
