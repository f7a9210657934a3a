"""Every form renders through Django's templates with Bootstrap's classes, and a field with an
error is marked invalid however the error arrived: from validation, or from a service's refusal
that a view put on the form after validating it."""

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import DjangoTemplates
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from procurement.forms import FormRenderer, StyledForm
from procurement.web import add_refusal


class ContractForm(StyledForm):
    reference = forms.CharField(max_length=10, help_text="As printed on the contract.")
    notes = forms.CharField(widget=forms.Textarea, required=False)
    status = forms.ChoiceField(choices=[("draft", "Draft"), ("active", "Active")])
    token = forms.CharField(widget=forms.HiddenInput, required=False)


def _field_html(form, name) -> str:
    return form[name].as_field_group()


def test_widgets_carry_bootstrap_classes_and_no_invalid_mark_without_errors():
    form = ContractForm({"reference": "C-1", "status": "draft"})
    assert form.is_valid()
    html = form.as_div()
    assert 'class="form-control"' in html and 'class="form-select"' in html
    assert "is-invalid" not in html and "aria-invalid" not in html and "invalid-feedback" not in html


def test_a_validation_error_marks_the_field_invalid_and_shows_the_message():
    form = ContractForm({"reference": "much too long a reference", "status": "draft"})
    assert not form.is_valid()
    html = _field_html(form, "reference")
    assert 'class="form-control is-invalid"' in html
    assert 'aria-invalid="true"' in html
    assert 'id="id_reference_error">Ensure this value has at most 10 characters' in html
    assert "is-invalid" not in _field_html(form, "notes")


def test_an_error_added_after_validation_is_shown_like_a_validation_error():
    invalid = ContractForm({"reference": "much too long a reference", "status": "draft"})
    invalid.is_valid()
    refused = ContractForm({"reference": "C-1", "status": "draft"})
    assert refused.is_valid()
    add_refusal(
        refused, ValidationError({"reference": "Ensure this value has at most 10 characters (it has 25)."})
    )
    # Same markup for the same message, whichever way it came.
    assert _field_html(refused, "reference").replace('value="C-1"', "") == _field_html(
        invalid, "reference"
    ).replace('value="much too long a reference"', "")
    assert "is-invalid" not in _field_html(refused, "status")


def test_refusals_mark_selects_and_textareas_and_leave_hidden_inputs_alone():
    form = ContractForm({"reference": "C-1", "status": "draft"})
    assert form.is_valid()
    form.add_error("status", "A contract cannot go back to draft.")
    form.add_error("notes", "Too vague.")
    form.add_error("token", "Stale.")
    assert 'class="form-select is-invalid"' in _field_html(form, "status")
    assert 'aria-invalid="true"' in _field_html(form, "status")
    assert 'class="form-control is-invalid"' in _field_html(form, "notes")
    assert "is-invalid" not in str(form["token"]) and "aria-invalid" not in str(form["token"])


def test_a_refusal_of_the_whole_change_goes_above_the_form():
    form = ContractForm({"reference": "C-1", "status": "draft"})
    assert form.is_valid()
    add_refusal(form, ValidationError("The vendor is retired."))
    html = render_to_string("_form_errors.html", {"form": form})
    assert 'class="alert alert-danger"' in html and "The vendor is retired." in html
    assert "is-invalid" not in form.as_div()


CHOICES = [
    ("", "---------"),
    ("a", "<A> & 'quotes'"),
    (3, "Three"),
    ("Group <one>", [("g1", "In a group"), ("g2", mark_safe("<em>safe</em>"))]),
]


@pytest.mark.parametrize(
    "widget",
    [
        forms.Select(choices=CHOICES, attrs={"class": "form-select", "required": True, "disabled": False}),
        forms.SelectMultiple(choices=CHOICES, attrs={"size": 6}),
        forms.NullBooleanSelect(),
    ],
    ids=["select", "multiple", "null-boolean"],
)
def test_the_project_select_template_writes_what_djangos_writes(widget):
    """templates/django/forms/widgets/select.html writes the options inline (a vendor select lists
    every vendor); a Django upgrade that changes its select markup shows here."""
    values = [None, "", "a", 3, "g2", "unknown", True, False]
    if widget.allow_multiple_selected:
        values.append(["a", "g1"])
    for value in values:
        expected = widget.render("pick", value, renderer=DjangoTemplates())
        assert widget.render("pick", value, renderer=FormRenderer()) == expected, value
