"""The form renderer writes plain inputs and textareas in Python: exactly what Django's templates write."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

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


CHOICES = [
    ("", "---------"),
    ("a", "<A> & 'quotes'"),
    ("b", _("Lazy label")),
    (3, "Three"),
    ("Group <one>", [("g1", "In a group"), ("g2", mark_safe("<em>safe</em>"))]),
]


@pytest.mark.parametrize(
    "widget",
    [
        forms.Select(choices=CHOICES),
        forms.Select(choices=CHOICES, attrs={"class": "form-select", "required": True, "disabled": False}),
        forms.SelectMultiple(choices=CHOICES),
        forms.NullBooleanSelect(),
        forms.Select(choices=[]),
    ],
    ids=["plain", "styled", "multiple", "null-boolean", "empty"],
)
def test_selects_are_written_as_the_templates_write_them(widget):
    values = [None, "", "a", "b", 3, "g2", "unknown", True, False]
    if widget.allow_multiple_selected:
        values.append(["a", "g1"])
    for value in values:
        expected = widget.render("pick", value, renderer=DjangoTemplates())
        assert widget.render("pick", value, renderer=FormRenderer()) == expected, value


def test_other_widgets_still_render_through_their_templates():
    widget = forms.RadioSelect(choices=[("a", "<A>"), ("b", "B")])
    html = widget.render("pick", "b", renderer=FormRenderer())
    assert html == widget.render("pick", "b", renderer=DjangoTemplates())
    assert "&lt;A&gt;" in html and 'value="b"' in html and "checked" in html
