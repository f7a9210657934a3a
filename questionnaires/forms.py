"""Forms of the questionnaire pages and of the portal (rendered by Django's templates)."""

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from procurement.forms import StyledForm
from vendors.models import Vendor

from .models import Answer, AnswerKind, QuestionnaireTemplate, TemplateQuestion
from .services import ACCEPT, CLARIFY, Contact

YES, NO = "yes", "no"
TEXT_LIMIT = 5000
_CONTACT = re.compile(r"^\s*(?P<name>[^<>]*?)\s*<\s*(?P<email>[^<>\s]+)\s*>\s*$")


def parse_contacts(text: str) -> list[Contact]:
    """One contact per line, "Name <email>"."""
    contacts = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = _CONTACT.match(line)
        if not match or not match["name"]:
            raise ValidationError(f"Line {number}: write each contact as “Name <email@example.com>”.")
        contacts.append(Contact(match["name"], match["email"]))
    return contacts


class SendForm(StyledForm):
    vendor = forms.ModelChoiceField(queryset=Vendor.objects.order_by("name"))
    template = forms.ModelChoiceField(
        queryset=QuestionnaireTemplate.objects.filter(is_active=True), label="Questionnaire template"
    )
    title = forms.CharField(max_length=200)
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    contacts = forms.CharField(
        label="Vendor contacts",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text="One per line, as “Name &lt;email@vendor.example&gt;”. Each gets a link of their own.",
    )
    message = forms.CharField(
        label="Message to the vendor",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_contacts(self):
        return parse_contacts(self.cleaned_data["contacts"])


class RecipientAddForm(StyledForm):
    name = forms.CharField(max_length=200)
    email = forms.EmailField()


class ReviewForm(StyledForm):
    decision = forms.ChoiceField(
        choices=[(ACCEPT, "Accept"), (CLARIFY, "Ask for clarification")], widget=forms.RadioSelect
    )
    evaluation = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Add as evidence to",
        empty_label="No evaluation (accept only)",
    )
    note = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Note",
        help_text="Shown to the vendor when you ask for clarification.",
    )

    def __init__(self, *args, evaluations, answer: Answer, **kwargs):
        super().__init__(*args, prefix=f"a{answer.pk}", **kwargs)
        self.fields["evaluation"].queryset = evaluations
        self.fields["decision"].widget.attrs["class"] = "form-check-input"


class ReopenForm(StyledForm):
    note = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), label="Note to the vendor"
    )


# The portal --------------------------------------------------------------------------------


def field_name(question: TemplateQuestion) -> str:
    return f"q{question.pk}"


def _field_for(question: TemplateQuestion) -> forms.Field:
    label = f"{question.code} {question.text}"
    common = {"label": label, "required": False, "help_text": question.help_text}
    kind = question.kind
    if kind == AnswerKind.YES_NO:
        return forms.ChoiceField(choices=[(YES, "Yes"), (NO, "No")], widget=forms.RadioSelect, **common)
    if kind == AnswerKind.ONE_OF:
        return forms.ChoiceField(
            choices=[(c, c) for c in question.choices], widget=forms.RadioSelect, **common
        )
    if kind == AnswerKind.SEVERAL_OF:
        return forms.MultipleChoiceField(
            choices=[(c, c) for c in question.choices], widget=forms.CheckboxSelectMultiple, **common
        )
    if kind == AnswerKind.NUMBER:
        return forms.DecimalField(
            max_digits=18,
            decimal_places=4,
            min_value=Decimal(0),
            widget=forms.NumberInput(attrs={"step": "any"}),
            **common,
        )
    if kind == AnswerKind.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == AnswerKind.FILE:
        return forms.FileField(**common)
    return forms.CharField(max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 3}), **common)


def _initial(answer: Answer):
    value, kind = answer.value, answer.question.kind
    if value is None:
        return None
    if kind == AnswerKind.YES_NO:
        return YES if value is True else NO
    return value


def stored_value(kind: str, cleaned):
    """The JSON value kept for a cleaned form value (None: not answered)."""
    if cleaned in (None, "", []):
        return None
    if kind == AnswerKind.YES_NO:
        return cleaned == YES
    if kind == AnswerKind.NUMBER:
        return format(cleaned.normalize(), "f")
    if kind == AnswerKind.DATE:
        return cleaned.isoformat()
    if kind == AnswerKind.TEXT:
        return cleaned.strip() or None
    if kind == AnswerKind.SEVERAL_OF:
        return list(cleaned)
    return cleaned


class PortalForm(StyledForm):
    """Every question of the questionnaire as a field named q<question id>; all optional for a
    draft (submitting checks the required ones)."""

    def __init__(self, *args, answers: list[Answer], **kwargs):
        super().__init__(*args, **kwargs)
        self.answers = answers
        for answer in answers:
            name = field_name(answer.question)
            field = _field_for(answer.question)
            if isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                field.widget.attrs["class"] = "form-check-input"
            elif "class" not in field.widget.attrs:
                field.widget.attrs["class"] = "form-control"
            field.initial = _initial(answer)
            self.fields[name] = field

    def clean(self):
        cleaned = super().clean()
        for answer in self.answers:
            name = field_name(answer.question)
            value = cleaned.get(name)
            if answer.question.kind == AnswerKind.DATE and value and value.year < 1900:
                self.add_error(name, "Enter a date after 1900.")
        return cleaned

    def values(self) -> dict[int, object]:
        return {
            a.question_id: stored_value(a.question.kind, self.cleaned_data.get(field_name(a.question)))
            for a in self.answers
            if a.question.kind != AnswerKind.FILE
        }

    def uploads(self) -> dict[int, list]:
        found = {}
        for a in self.answers:
            if a.question.kind == AnswerKind.FILE:
                upload = self.cleaned_data.get(field_name(a.question))
                if upload:
                    found[a.question_id] = [upload]
        return found

    def grouped(self):
        """(section, [(answer, bound field)]) in the template's order, for the page."""
        sections = []
        for answer in self.answers:
            section = answer.question.section
            if not sections or sections[-1][0].pk != section.pk:
                sections.append((section, []))
            sections[-1][1].append((answer, self[field_name(answer.question)]))
        return sections
